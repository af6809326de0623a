// The console's words in Turkish, Arabic, English and Russian (locales/*.json, flat keys), the
// page's language and direction, and dates, times and durations as the reader writes them.
// Notification texts themselves are rendered by the station from its catalogues, not here.

const catalogues = {};
let current = "en";
const listeners = new Set();

export const RTL = new Set(["ar"]);

export async function loadCatalogues(langs) {
  await Promise.all(
    langs.map(async (lang) => {
      const response = await fetch(`/locales/${lang}.json`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`locales/${lang}.json: HTTP ${response.status}`);
      catalogues[lang] = await response.json();
    }),
  );
}

export function lang() {
  return current;
}

export function dir(language = current) {
  return RTL.has(language) ? "rtl" : "ltr";
}

export function setLang(language) {
  current = language;
  document.documentElement.lang = language;
  document.documentElement.dir = dir(language);
  for (const listener of listeners) listener(language);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** The text of ``key`` in the current language with its {placeholders} filled. A text may hold
 * plural forms in ICU MessageFormat's syntax, chosen by CLDR's rules for the language
 * (Intl.PluralRules: Arabic has zero, one, two, few, many and other), with ``#`` the number:
 * "{count, plural, =0 {no alarm} one {# alarm} other {# alarms}}". */
export function t(key, values = {}) {
  let text = catalogues[current]?.[key];
  if (text === undefined) {
    console.warn(`no ${current} text for ${key}`);
    text = catalogues.en?.[key] ?? key;
  }
  if (text.includes(", plural,")) text = plurals(text, values);
  return fill(text, values);
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

const pluralRules = new Map();

/** The CLDR plural category of ``count`` in the current language ("zero", "one", "two", "few", "many", "other"). */
export function pluralCategory(count) {
  if (!pluralRules.has(current)) pluralRules.set(current, new Intl.PluralRules(current));
  return pluralRules.get(current).select(count);
}

/** The text between the brace at ``open`` and its matching one, and the index after it. */
function braced(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === "{") depth += 1;
    else if (text[i] === "}" && --depth === 0) return [text.slice(open + 1, i), i + 1];
  }
  return [text.slice(open + 1), text.length];
}

/** Replace each "{name, plural, …}" of ``text`` by the form ``values[name]`` calls for. */
function plurals(text, values) {
  let out = "";
  let at = 0;
  const start = /\{(\w+),\s*plural,/g;
  for (let match = start.exec(text); match; match = start.exec(text)) {
    if (match.index < at) continue;
    const [inner, end] = braced(text, match.index);
    out += text.slice(at, match.index);
    out += choose(inner.slice(inner.indexOf("plural,") + 7), values[match[1]]);
    at = end;
    start.lastIndex = end;
  }
  return out + text.slice(at);
}

function choose(body, value) {
  const forms = new Map();
  const selector = /\s*(=\d+|zero|one|two|few|many|other)\s*\{/g;
  for (let match = selector.exec(body); match; match = selector.exec(body)) {
    const [form, end] = braced(body, match.index + match[0].length - 1);
    forms.set(match[1], form);
    selector.lastIndex = end;
  }
  const count = Number(value);
  if (!Number.isFinite(count)) return forms.get("other") ?? "";
  const form = forms.get(`=${count}`) ?? forms.get(pluralCategory(count)) ?? forms.get("other") ?? "";
  return form.replace(/#/g, number(count));
}

/** Like t(), but as a list of strings and the given values themselves (nodes stay nodes). */
export function tParts(key, values = {}) {
  const plain = Object.fromEntries(Object.entries(values).filter(([, value]) => !(value instanceof Node)));
  const text = t(key, plain);
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    parts.push(text.slice(last, match.index));
    parts.push(match[1] in values ? values[match[1]] : match[0]);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((part) => part !== "");
}

/** Whether ``key`` has a text (for optional keys such as history events). */
export function has(key) {
  return catalogues[current]?.[key] !== undefined;
}

function locale() {
  // Western digits in every language, as in the station's renderings, coordinates and times.
  return `${current}-u-nu-latn`;
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "26 Nov 2026, 14:21:05Z": every time on the line is shown in UTC. */
export function dateTime(value) {
  const date = toDate(value);
  if (!date) return "—";
  const text = new Intl.DateTimeFormat(locale(), {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(date);
  return `${text}Z`;
}

/** "26 Nov 2026": a date (UTC). */
export function day(value) {
  const date = toDate(value);
  if (!date) return "—";
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" }).format(
    date,
  );
}

/** "14:21:05.123Z": a time of day with milliseconds, for histories and status. */
export function time(value, { millis = false } = {}) {
  const date = toDate(value);
  if (!date) return "—";
  const options = { timeZone: "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  if (millis) options.fractionalSecondDigits = 3;
  return `${new Intl.DateTimeFormat(locale(), options).format(date)}Z`;
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(
    value,
  );
}

/** "1:05:09" or "04:09": a countdown's remaining time. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${String(minutes).padStart(2, "0")}:${rest}`;
}

/** "45 s", "14 min", "2.5 h", "3 d" in the reader's language. */
export function duration(seconds) {
  const s = Math.abs(seconds);
  if (s < 120) return t("unit.seconds", { n: number(s) });
  if (s < 7200) return t("unit.minutes", { n: number(s / 60) });
  if (s < 172800) return t("unit.hours", { n: number(s / 3600, 1) });
  return t("unit.days", { n: number(s / 86400, 1) });
}

/** "2 min 14 s", "1 h 5 min", "3 d 2 h": how long something lasted, to the two largest units. */
export function span(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const units = [
    ["unit.days", Math.floor(s / 86400)],
    ["unit.hours", Math.floor((s % 86400) / 3600)],
    ["unit.minutes", Math.floor((s % 3600) / 60)],
    ["unit.seconds", s % 60],
  ];
  const first = units.findIndex(([, n]) => n > 0);
  if (first < 0) return t("unit.seconds", { n: number(0) });
  return units
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => t(key, { n: number(n) }))
    .join(" ");
}

/** An ISO time as the value of an <input type="datetime-local"> read as UTC. */
export function toInputValue(date) {
  return date.toISOString().slice(0, 16);
}

/** An <input type="datetime-local"> value (UTC) as the API's "…Z" time, or null. */
export function fromInputValue(value) {
  if (!value) return null;
  const date = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
