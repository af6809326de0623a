// The small marks every view shares: precedence, state, direction.

import { bdi, h } from "./dom.js";
import { t, tParts } from "./i18n.js";

export const PRECEDENCES = ["flash", "immediate", "priority", "routine"];

export function precedenceBadge(precedence) {
  return h(`span.badge.prec.prec-${precedence}`, { title: precedence.toUpperCase() }, t(`precedence.${precedence}`));
}

export function stateBadge(state) {
  return h(`span.badge.state.state-${state}`, { dataset: { state } }, t(`state.${state}`));
}

export function directionMark(message) {
  const incoming = message.direction === "in";
  return h(
    `span.direction.dir-${message.direction}`,
    incoming ? "↘ " : "↗ ",
    tParts(incoming ? "direction.from" : "direction.to", { party: bdi(message.peer, "ltr") }),
  );
}
