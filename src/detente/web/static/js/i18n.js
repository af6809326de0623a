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

/** Keys looked up in the current language and not found there (the tests read it: none may be missing). */
export const missing = new Set();
globalThis.detenteMissingKeys = missing;

const pluralRules = new Map();

/** The CLDR plural category of ``count`` in the current language ("zero", "one", "two", "few", "many", "other"). */
export function pluralCategory(count, language = current) {
  if (!pluralRules.has(language)) pluralRules.set(language, new Intl.PluralRules(`${language}-u-nu-latn`));
  return pluralRules.get(language).select(count);
}

/** The catalogue entry of ``key``: a plain text, or, when the catalogue has ``key.one``/``key.other``…,
 * the form for ``values.count`` (else ``values.n``) chosen by Intl.PluralRules. */
function countOf(value) {
  if (typeof value === "number") return value;
  // A whole number already formatted with number() (Latin digits, perhaps grouped).
  if (typeof value === "string" && /^[0-9][0-9,.\s\u00a0\u202f]*$/.test(value)) return Number(value.replace(/\D/g, ""));
  return null;
}

function lookup(catalogue, key, values) {
  if (!catalogue) return undefined;
  if (catalogue[key] !== undefined) return catalogue[key];
  const count = countOf(values.count ?? values.n);
  if (count !== null && catalogue[`${key}.other`] !== undefined) {
    return catalogue[`${key}.${pluralCategory(count)}`] ?? catalogue[`${key}.other`];
  }
  return undefined;
}

function template(key, values) {
  const text = lookup(catalogues[current], key, values);
  if (text !== undefined) return text;
  console.warn(`no ${current} text for ${key}`);
  missing.add(`${current}:${key}`);
  return lookup(catalogues.en, key, values) ?? key;
}

/** The text of ``key`` in the current language with its {placeholders} filled. A number in
 * ``count``/``n`` chooses the plural form when the catalogue has ``key.one``/``key.other``…; a text
 * may also hold its plural forms in ICU MessageFormat's syntax, chosen by CLDR's rules for the
 * language (Intl.PluralRules: Arabic has zero, one, two, few, many and other), with ``#`` the
 * number: "{count, plural, =0 {no alarm} one {# alarm} other {# alarms}}". */
export function t(key, values = {}) {
  let text = template(key, values);
  if (text.includes(", plural,")) text = plurals(text, values);
  return fill(text, values);
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
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
  // Nodes and lists of parts stay parts; strings and numbers are filled in (and may choose a plural form).
  const plain = Object.fromEntries(
    Object.entries(values).filter(([, value]) => typeof value === "string" || typeof value === "number"),
  );
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
  return catalogues[current]?.[key] !== undefined || catalogues[current]?.[`${key}.other`] !== undefined;
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

let zone = null;

/** The operations centre's time zone (``[notifications] time_zone``), shown beside UTC; null for none. */
export function setZone(name) {
  zone = name || null;
}

/** "17:21 Europe/Istanbul": the same moment in the operations centre's zone, 24-hour; "" without one. */
export function zoneTime(date) {
  if (!zone || !date) return "";
  const local = new Intl.DateTimeFormat(locale(), {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return `${local.format(date)} ${zone}`;
}

/** A text cut at the last word boundary within ``limit`` characters, with "…" (never mid-word). */
export function shorten(text, limit) {
  const value = text || "";
  if (value.length <= limit) return value;
  let cut = value.slice(0, limit - 1);
  if (!/\s/.test(value[limit - 1]) && cut.includes(" ")) cut = cut.slice(0, cut.lastIndexOf(" "));
  return `${cut.replace(/[\s,;:]+$/, "")}…`;
}

/** "26 Nov 2026, 14:21:05Z (17:21 Europe/Istanbul)": every time on the line is shown in UTC, 24-hour
 * whatever the browser's locale, with the operations centre's zone beside it when the station has one. */
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
  const local = zoneTime(date);
  return local ? `${text}Z (${local})` : `${text}Z`;
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

/** "+1.5" or "−1.5" isolated left to right (LRI … PDI), so that the sign stays in front of the number
 * in right-to-left text (not "1.5−"). */
export function signedNumber(value, digits = 0) {
  return `\u2066${value >= 0 ? "+" : "\u2212"}${number(Math.abs(value), digits)}\u2069`;
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

/** An <input type="datetime-local"> value or a UTC time input's text ("2026-11-26 14:00", utcinput.js)
 * as the API's "…Z" time, or null. */
export function fromInputValue(value) {
  if (!value) return null;
  const text = value.trim().replace(" ", "T");
  const date = new Date(`${text.length === 16 ? `${text}:00` : text}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
