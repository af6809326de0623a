// Countdowns to acknowledgement deadlines, ticking once a second on the station's clock.

import { h } from "./dom.js";
import { clock, t, toDate } from "./i18n.js";
import { stationNow } from "./feed.js";

/** A countdown to ``due`` (an RFC 3339 time): "12:04 left", then "overdue by 03:10". */
export function countdown(due) {
  const el = h("span.countdown", { dataset: { due: String((toDate(due)?.getTime() ?? NaN) / 1000) } });
  update(el);
  return el;
}

function update(el) {
  const remaining = Number(el.dataset.due) - stationNow();
  el.classList.toggle("overdue", remaining < 0);
  el.classList.toggle("soon", remaining >= 0 && remaining < 120);
  el.textContent =
    remaining >= 0
      ? t("countdown.left", { time: clock(remaining) })
      : t("countdown.overdue", { time: clock(-remaining) });
}

export function tick() {
  for (const el of document.querySelectorAll(".countdown[data-due]")) update(el);
}

let timer = null;
export function startTicking() {
  if (!timer) timer = setInterval(tick, 1000);
}
