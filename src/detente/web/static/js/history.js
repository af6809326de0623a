// A message's history as the reader reads it: each step with the clock that stamped it.

import { bdi, h } from "./dom.js";
import { day, has, t, tParts, time } from "./i18n.js";

const STEPS = [
  [/^created$/, "history.created"],
  [/^queued$/, "history.queued"],
  [/^sent$/, "history.sent"],
  [/^receipt signed$/, "history.receipt_signed"],
  [/^receipt stored$/, "history.receipt_stored"],
  [/^received and receipted$/, "history.received"],
  [/^acknowledged by (.+)$/, "history.acknowledged"],
  [/^escalation: (.+)$/, "history.escalation"],
];

/** The step in the reader's words (the station names steps in English). */
export function stepText(event) {
  for (const [pattern, key] of STEPS) {
    const match = pattern.exec(event);
    if (!match) continue;
    if (!match[1]) return [t(key)];
    const known = key === "history.escalation" && has(`escalation.${match[1]}`);
    const value = known ? t(`escalation.${match[1]}`) : bdi(match[1]);
    return tParts(key, { name: value, step: value });
  }
  return [bdi(event)];
}

export function clockText(entry, message) {
  switch (entry.clock) {
    case "sender":
      return t("history.clock.sender");
    case "ours":
      return t("history.clock.ours");
    case "peer":
      return t("history.clock.peer", { party: message.peer });
    default:
      return entry.clock || "";
  }
}

export function historyTable(message) {
  return h(
    "table.history",
    h("thead", h("tr", h("th", t("history.step")), h("th", t("history.time")), h("th", t("history.clock")))),
    h(
      "tbody",
      (message.history || []).map((entry) =>
        h(
          "tr",
          { dataset: { event: entry.event } },
          h("td", stepText(entry.event), entry.detail ? h("div.detail", bdi(entry.detail)) : null),
          h("td.time", `${day(entry.at)} ${time(entry.at, { millis: true })}`),
          h("td", clockText(entry, message)),
        ),
      ),
    ),
  );
}
