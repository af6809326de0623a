// Which messages a watch filter shows, which match a search, and in what order.

import { PRECEDENCES } from "./badges.js";
import { dateTime, t } from "./i18n.js";

export function filterMessages(messages, filter) {
  switch (filter) {
    case "in":
    case "out":
      return messages.filter((m) => m.direction === filter);
    case "awaiting":
      return messages.filter((m) => m.due_at !== null && m.state !== "acknowledged");
    default:
      return messages;
  }
}

/** Text folded for matching: case, accents and the Turkish dotted/dotless i do not matter. */
export function fold(text) {
  return String(text ?? "")
    .replace(/[İIı]/g, "i")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
}

function haystack(message) {
  return fold(
    [
      message.id,
      message.kind,
      message.title,
      message.summary,
      message.peer,
      message.precedence,
      t(`precedence.${message.precedence}`),
      t(`state.${message.state}`),
      message.acknowledged_by,
      message.created_at,
      dateTime(message.created_at),
    ].join("\n"),
  );
}

/** The messages matching every word of ``query`` (in the text, kind, party, precedence, state,
 *  operator or time, as the console shows them or as the station stores them). */
export function searchMessages(messages, query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return messages;
  return messages.filter((message) => {
    const text = haystack(message);
    return words.every((word) => text.includes(word));
  });
}

function urgency(message) {
  const ours = message.needs_acknowledgement && message.due_at !== null && message.state !== "acknowledged";
  const theirs = !message.needs_acknowledgement && message.due_at !== null && message.state !== "acknowledged";
  const alarm = message.alarm === "overdue" ? 0 : message.alarm === "half-time" ? 1 : 2;
  const waiting = ours ? 0 : theirs ? 1 : 2;
  const rank = PRECEDENCES.indexOf(message.precedence);
  return [alarm, waiting, rank < 0 ? PRECEDENCES.length : rank, waiting < 2 ? message.due_at : 0];
}

/** ``newest`` (the station's order) or ``urgent``: alarms first, then what waits for our
 *  acknowledgement, then for theirs, each by precedence and nearest deadline; newest first within. */
export function sortMessages(messages, order) {
  if (order !== "urgent") return messages;
  const keyed = messages.map((message, index) => [urgency(message), index, message]);
  keyed.sort(([a, ia], [b, ib]) => {
    for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return ia - ib;
  });
  return keyed.map(([, , message]) => message);
}
