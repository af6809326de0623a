// A time typed in UTC, 24-hour, whatever the browser's locale: "2026-11-26 14:00" (a text input;
// <input type="datetime-local"> shows "04:00 PM" in an English-US browser). Read it with
// fromInputValue(), which also takes the "T" form.

import { h } from "./dom.js";

const PATTERN = "\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?";

/** "2026-11-26 14:00": a date as the text of a UTC time input. */
export function toUtcText(date) {
  return date ? date.toISOString().slice(0, 16).replace("T", " ") : "";
}

/** A text input for a UTC time in 24-hour form; ``value`` a Date, an input text or nothing. */
export function utcInput({ id, name, value = null }) {
  const text = value instanceof Date ? toUtcText(value) : String(value || "").replace("T", " ");
  return h("input.utc-time", {
    type: "text",
    id,
    name,
    value: text,
    dir: "ltr",
    inputmode: "numeric",
    autocomplete: "off",
    spellcheck: "false",
    pattern: PATTERN,
    placeholder: "YYYY-MM-DD HH:MM",
    size: 16,
    maxlength: 19,
  });
}
