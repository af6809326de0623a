// The louder alarm (docs/operations.md §7): a message this station's people must acknowledge
// that nobody has acknowledged when half its deadline is gone (the station's `half-time` step),
// and again at the deadline (`overdue`). A banner on every page, its rows marked in the watch, and
// a harsh siren repeated until a person acknowledges the message (at this console, another one, or
// with `detente ack`) or the operator silences it. Silencing holds until the next step (overdue
// sounds again) or until the page is loaded again. What is alarming comes from the station: each
// line's `alarm`, from the steps it recorded, so a page opened late shows it at once.

import * as alerts from "./alerts.js";
import { precedenceBadge } from "./badges.js";
import { countdown } from "./countdown.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { dir, shorten, t } from "./i18n.js";

const LEVELS = ["overdue", "half-time"]; // the later step first
const REPEAT = { "half-time": 10000, overdue: 5000 }; // milliseconds between sirens
const HEADINGS = { "half-time": "alarm.half_time", overdue: "alarm.overdue" };

// Kept across the banner drawn again (a language change): `${id} ${step}` of each alarm.
const silenced = new Set(); // …that the operator silenced on this page
const sounded = new Set(); // …that has sounded at least once (a new one sounds at once)

const key = (message) => `${message.id} ${message.alarm}`;

/** The messages whose alarm is raised now: overdue first, then by deadline. */
export function alarming(messages) {
  const rank = (m) => LEVELS.indexOf(m.alarm);
  return messages
    .filter((m) => LEVELS.includes(m.alarm) && m.needs_acknowledgement && m.state !== "acknowledged")
    .sort((a, b) => rank(a) - rank(b) || String(a.due_at).localeCompare(String(b.due_at)));
}

export function escalationBanner() {
  let active = [];
  let timer = null;
  let level = null;
  const groups = h("div.alarm-groups");
  const silence = h(
    "button.silence",
    {
      type: "button",
      onclick: () => {
        for (const message of active) silenced.add(key(message));
        draw();
      },
    },
    t("alarm.silence"),
  );
  const silencedNote = h("span.silenced-note", { hidden: true }, t("alarm.silenced"));
  const blocked = h("span.sound-blocked", { hidden: true }, t("alarm.sound_blocked"));
  const banner = h(
    "section.escalation-alarm",
    { role: "alert", hidden: true, dataset: { sounding: "false" } },
    groups,
    h("div.alarm-actions", silence, silencedNote, blocked),
  );

  const sounding = () => active.filter((message) => !silenced.has(key(message)));

  function ring() {
    const loud = sounding();
    if (loud.length === 0) return;
    alerts.alarm(loud.some((m) => m.alarm === "overdue") ? "overdue" : "half-time");
    for (const message of loud) sounded.add(key(message));
  }

  function item(message) {
    return h(
      "li",
      h(
        "a.alarm-item",
        { href: `#/message/${message.id}`, dataset: { id: message.id, step: message.alarm } },
        precedenceBadge(message.precedence),
        " ",
        message.title,
        " · ",
        bdi(message.peer, "ltr"),
        " · ",
        message.text_lang
          ? h("bdi", { dir: dir(message.text_lang), lang: message.text_lang }, shorten(message.summary, 80))
          : bdi(shorten(message.summary, 80)),
      ),
      " ",
      message.due_at ? countdown(message.due_at) : null,
    );
  }

  function draw() {
    const loud = sounding();
    const next = loud.length === 0 ? null : loud.some((m) => m.alarm === "overdue") ? "overdue" : "half-time";
    banner.hidden = active.length === 0;
    banner.dataset.sounding = String(next !== null);
    banner.dataset.step = active[0]?.alarm || "";
    banner.classList.toggle("silenced", active.length > 0 && next === null);
    silence.hidden = next === null;
    silencedNote.hidden = !(active.length > 0 && next === null);
    blocked.hidden = next === null || alerts.audioReady();
    replace(
      groups,
      LEVELS.map((step) => {
        const shown = active.filter((m) => m.alarm === step);
        if (shown.length === 0) return null;
        return h(
          "div.alarm-group",
          { dataset: { step } },
          h("strong.alarm-heading", t(HEADINGS[step], { count: shown.length })),
          h("ul.alarm-list", shown.map(item)),
        );
      }),
    );
    if (next !== level) {
      clearInterval(timer);
      timer = next === null ? null : setInterval(ring, REPEAT[next]);
      level = next;
    }
    if (loud.some((message) => !sounded.has(key(message)))) ring();
  }

  const unsubscribe = feed.subscribe((messages) => {
    active = alarming(messages);
    const current = new Set(active.map(key));
    for (const set of [silenced, sounded]) {
      for (const old of set) if (!current.has(old)) set.delete(old); // acknowledged: the alarm is over
    }
    draw();
  });
  const offAudio = alerts.onAudioChange((ready) => {
    blocked.hidden = ready || banner.dataset.sounding !== "true";
    if (ready) ring(); // the operator's first click: the siren the browser held back sounds now
  });
  return {
    element: banner,
    close() {
      unsubscribe();
      offAudio();
      clearInterval(timer);
      timer = null;
    },
  };
}
