// What each operator chooses in this browser: language, text size, sound, night mode. Stored in
// localStorage, per operator (an operator who logs in gets their own choices back) and as the browser's last
// choice (for the login page and operators who have not chosen yet).

const KEY = "detente.console.prefs";
export const LANGUAGES = ["tr", "ar", "en", "ru"];
export const TEXT_SIZES = [87.5, 100, 112.5, 125, 150, 175];

function read() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "{}") || {};
  } catch {
    return {};
  }
}

function write(prefs) {
  localStorage.setItem(KEY, JSON.stringify(prefs));
}

let operator = null;

/** Whose choices count from now on (null: nobody is logged in; the login page's own). */
export function setOperator(name) {
  operator = name;
}

/** The logged-in operator's choice, else this browser's last one, else ``fallback``. */
export function get(name, fallback) {
  const prefs = read();
  const own = operator === null ? undefined : prefs.operators?.[operator]?.[name];
  const value = own === undefined ? prefs[name] : own;
  return value === undefined ? fallback : value;
}

/** Remember a choice for the logged-in operator and as this browser's last one. */
export function set(name, value) {
  const prefs = read();
  prefs[name] = value;
  if (operator !== null) {
    prefs.operators = prefs.operators || {};
    prefs.operators[operator] = { ...(prefs.operators[operator] || {}), [name]: value };
  }
  write(prefs);
}

/** The language stored for this browser, else the browser's own, else the station's. */
export function language(stationDefault) {
  const stored = get("lang", null);
  if (LANGUAGES.includes(stored)) return stored;
  const browser = (navigator.language || "").slice(0, 2);
  if (LANGUAGES.includes(browser)) return browser;
  return LANGUAGES.includes(stationDefault) ? stationDefault : "en";
}

export function textSize() {
  const index = Number(get("textSize", 1));
  return Number.isInteger(index) && index >= 0 && index < TEXT_SIZES.length ? index : 1;
}

export function applyTextSize(index) {
  const root = document.documentElement;
  TEXT_SIZES.forEach((_, i) => root.classList.toggle(`text-size-${i}`, i === index));
}

/** Night mode: operations rooms are dim at night. "night" or "day" (the default). */
export function theme() {
  return get("theme", "day") === "night" ? "night" : "day";
}

export function applyTheme(name) {
  document.documentElement.classList.toggle("night", name === "night");
}
