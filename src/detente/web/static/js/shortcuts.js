// Keyboard shortcuts, on every page once logged in: the watch is worked without a mouse.
//   /        search the watch          j, ↓ / k, ↑   next / previous message in the list
//   n        next alarm (the most urgent message waiting, then the next one)
//   a        acknowledge the open message           Enter   open the selected message
//   w, c, s  watch, compose, line status           ?       this list
// Keys typed into a field, or with Ctrl/Alt/Meta, are left alone.

import { h } from "./dom.js";
import * as feed from "./feed.js";
import { t } from "./i18n.js";
import { sortMessages } from "./watchfilters.js";

const KEYS = [
  ["/", "shortcuts.search"],
  ["j", "shortcuts.down"],
  ["k", "shortcuts.up"],
  ["Enter", "shortcuts.open"],
  ["n", "shortcuts.next_alarm"],
  ["a", "shortcuts.acknowledge"],
  ["w", "shortcuts.watch"],
  ["c", "shortcuts.compose"],
  ["s", "shortcuts.status"],
  ["?", "shortcuts.help"],
];

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function rows() {
  return [...document.querySelectorAll("table.watch tr.message")];
}

function select(step) {
  const all = rows();
  if (all.length === 0) return;
  const current = all.findIndex((row) => row.classList.contains("selected") || row === document.activeElement);
  const next = Math.max(0, Math.min(all.length - 1, current < 0 ? 0 : current + step));
  for (const row of all) row.classList.toggle("selected", row === all[next]);
  all[next].focus();
}

/** The messages an alarm points at: waiting for a person, most urgent first. */
function alarmed() {
  const waiting = feed
    .list()
    .filter((m) => m.due_at !== null && m.state !== "acknowledged" && (m.needs_acknowledgement || m.alarm));
  return sortMessages(waiting, "urgent");
}

function nextAlarm(app) {
  const list = alarmed();
  if (list.length === 0) {
    app.flash(t("shortcuts.no_alarm"));
    app.navigate("#/watch");
    return;
  }
  const open = /^#\/message\/([^/?]+)/.exec(window.location.hash);
  const index = open ? list.findIndex((m) => m.id === decodeURIComponent(open[1])) : -1;
  const next = list[(index + 1) % list.length];
  app.navigate(`#/message/${encodeURIComponent(next.id)}`);
}

function help() {
  let dialog = document.querySelector("dialog.shortcuts");
  if (dialog) dialog.remove();
  dialog = h(
    "dialog.shortcuts",
    { "aria-labelledby": "shortcuts-title" },
    h("h2#shortcuts-title", t("shortcuts.title")),
    h(
      "dl",
      KEYS.map(([key, label]) => [h("dt", h("kbd", key)), h("dd", t(label))]),
    ),
    h("form", { method: "dialog" }, h("button", { type: "submit" }, t("shortcuts.close"))),
  );
  document.body.append(dialog);
  dialog.showModal();
}

/** Listen for the shortcuts; returns the function that stops listening. */
export function startShortcuts(app) {
  const onKey = (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const key = event.key;
    const onWatch = document.body.dataset.view === "watch";
    if (key === "/") {
      event.preventDefault();
      if (!onWatch) app.navigate("#/watch");
      requestAnimationFrame(() => document.getElementById("watch-search")?.focus());
    } else if ((key === "j" || key === "ArrowDown") && onWatch) {
      event.preventDefault();
      select(+1);
    } else if ((key === "k" || key === "ArrowUp") && onWatch) {
      event.preventDefault();
      select(-1);
    } else if (key === "n") {
      nextAlarm(app);
    } else if (key === "a") {
      const button = document.querySelector("form.ack-form button.acknowledge");
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    } else if (key === "w") {
      app.navigate("#/watch");
    } else if (key === "c" && document.querySelector('nav.main-nav a[data-view="compose"]')) {
      app.navigate("#/compose");
    } else if (key === "s") {
      app.navigate("#/status");
    } else if (key === "?") {
      help();
    }
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
