// The window's title, seen even when the console is in a background tab: the station's active
// alarms and the messages awaiting our acknowledgement, counted.

import { t } from "./i18n.js";

let alarms = 0;
let waiting = 0;

function show() {
  const parts = [];
  if (alarms) parts.push(t("alarms.tab_title", { count: alarms }));
  parts.push(waiting ? `(${waiting}) détente` : "détente");
  document.title = parts.join(" · ");
}

/** How many alarms are active now. */
export function setAlarms(count) {
  alarms = count;
  show();
}

/** How many messages await this station's acknowledgement. */
export function setWaiting(count) {
  waiting = count;
  show();
}

export function reset() {
  alarms = 0;
  waiting = 0;
  show();
}
