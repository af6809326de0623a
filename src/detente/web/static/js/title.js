// The window's title, seen even when the console is in a background tab: the station's active
// alarms and the messages awaiting our acknowledgement, counted.

import { t } from "./i18n.js";

let alarms = 0;
let waiting = 0;

// "(2) ⚠ 3 alarms · détente": both counts where a narrow tab still shows them.
function show() {
  const waits = waiting ? `(${waiting}) ` : "";
  document.title = alarms ? `${waits}${t("alarms.tab_title", { count: alarms })} · détente` : `${waits}détente`;
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
