// The one alarm banner, on every page: every alarm the station has raised (alarms.js: the line or
// a path down, a message not acknowledged on either side, a watch check missed, the ledger, a
// clock offset, supervisors not told or not reachable), with their count, one line each (its
// severity's colour, since when and for how long, the station's text in the reader's language,
// who silenced it), and the louder alarm of messages we must acknowledge (escalation.js) inside
// it. It never takes more than a third of the screen (it scrolls inside) and may be folded to its
// heading; a new alarm unfolds it. Each kind of trouble has its own sound, repeated until a person
// silences the alarm; silencing stops the sound on every console, never the banner, which shows
// an alarm until its condition ends, and then, for a while, how long it lasted (the station's
// text: "Line to SY restored after 2 min 14 s").

import * as alarms from "./alarms.js";
import * as alerts from "./alerts.js";
import { PRECEDENCES, precedenceBadge } from "./badges.js";
import { bdi, h, replace } from "./dom.js";
import { alarming } from "./escalation.js";
import * as feed from "./feed.js";
import { dir, span, t, time } from "./i18n.js";
import { truncateWords } from "./text.js";
import * as title from "./title.js";

export const KINDS = {
  "line-down": "alarms.kind.line_down",
  "path-down": "alarms.kind.path_down",
  "not-acknowledged": "alarms.kind.not_acknowledged",
  "acknowledgement-due": "alarms.kind.acknowledgement_due",
  "watch-check-missed": "alarms.kind.watch_check_missed",
  ledger: "alarms.kind.ledger",
  "clock-offset": "alarms.kind.clock_offset",
  "notify-failed": "alarms.kind.notify_failed",
  "notify-missing": "alarms.kind.notify_missing",
  "nobody-on-watch": "alarms.kind.nobody_on_watch",
  "login-throttled": "alarms.kind.login_throttled",
};
const ENDED_SHOWN = 90; // seconds an ended alarm stays in the banner
const SOUNDS = ["line-down", "not-acknowledged", "critical"]; // the first one sounding is heard
const REPEAT = { "line-down": 6000, "not-acknowledged": 8000, critical: 10000 }; // milliseconds

/** The sound of ``alarm``: its kind's own, else its severity's. */
export function soundOf(alarm) {
  if (alarm.kind === "line-down") return "line-down";
  if (alarm.kind === "not-acknowledged" || alarm.kind === "acknowledgement-due") return "not-acknowledged";
  return alarm.severity === "critical" ? "critical" : "warning";
}

/** Critical first, the line down before anything else, then the latest. */
export function ordered(list) {
  const rank = (a) => (a.severity === "critical" ? 0 : 2) + (a.kind === "line-down" ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || String(b.since).localeCompare(String(a.since)));
}

export function kindLabel(kind) {
  return KINDS[kind] ? t(KINDS[kind]) : kind;
}

/** "since 14:21:05Z, for 2 min 14 s" (kept current by the banner's ticker): for a line or a
 * path, since it was last heard from, not since the alarm was raised. */
export function sinceText(alarm) {
  const since = alarm.params?.down_since || alarm.since;
  return t("alarms.since", { time: time(since), duration: span(alarms.age(since)) });
}

/** "silenced by Yzb. Demir at 14:22:10Z". */
export function silencedText(alarm) {
  return t("alarms.silenced_by", { name: alarm.silenced_by, time: time(alarm.silenced_at) });
}

/** One alarm as a line (the banner's and the line-status page's). */
export function alarmLine(alarm, { onSilence = null } = {}) {
  const ended = Boolean(alarm.ended);
  return h(
    `li.alarm-line.severity-${alarm.severity === "critical" ? "critical" : "warning"}`,
    {
      dataset: {
        id: alarm.id,
        kind: alarm.kind,
        party: alarm.party || "",
        state: ended ? "ended" : "active",
        stage: alarm.stage || "",
        message: alarm.message || "",
        silenced: String(Boolean(alarm.silenced_by)),
      },
    },
    h("span.badge.alarm-kind", kindLabel(alarm.kind)),
    alarm.party ? [" ", h("span.badge.alarm-party", bdi(alarm.party, "ltr"))] : null,
    PRECEDENCES.includes(alarm.params?.precedence) ? [" ", precedenceBadge(alarm.params.precedence)] : null,
    " ",
    ended
      ? h("span.alarm-end", t("alarms.ended_at", { time: time(alarm.ended) }))
      : h("span.alarm-age", { dataset: { id: alarm.id } }, sinceText(alarm)),
    " ",
    // The station's text: what is wrong and what to do, or, once ended, how long it lasted.
    h("bdi.alarm-text", { dir: "auto" }, alarm.text || kindLabel(alarm.kind)),
    alarm.message
      ? [" ", h("a.alarm-message", { href: `#/message/${alarm.message}` }, t("alarms.open_message"))]
      : null,
    " ",
    alarm.silenced_by
      ? h("span.alarm-silenced", bdi(silencedText(alarm)))
      : !ended && onSilence && soundOf(alarm) !== "warning"
        ? h("button.small.alarm-silence", { type: "button", onclick: () => onSilence(alarm) }, t("alarms.silence"))
        : null,
  );
}

/** Update every "for 2 min" on the page (once a second). */
export function tickAges() {
  const byId = new Map(alarms.all().map((alarm) => [alarm.id, alarm]));
  for (const el of document.querySelectorAll(".alarm-age[data-id]")) {
    const alarm = byId.get(el.dataset.id);
    if (alarm && !alarm.ended) el.textContent = sinceText(alarm);
  }
}

// Kept across the banner drawn again (a language change): the sounds already made for each
// alarm at each stage (a new one sounds at once), and whether the operator folded the banner.
const sounded = new Set();
const notified = new Set();
let folded = false;
let seen = null; // the alarms' keys at the last drawing; null before the first answer

const soundKey = (alarm) => `${alarm.id} ${alarm.stage || ""} ${alarm.severity}`;

export function alarmBanner({ inner = null } = {}) {
  let shown = [];
  let timer = null;
  let level = null;
  const count = h("strong.alarm-count", { "aria-live": "polite" });
  const summary = h("span.alarm-summary");
  const toggle = h("button.small.alarm-toggle", {
    type: "button",
    onclick: () => {
      folded = !folded;
      draw();
    },
  });
  const silenceAll = h("button.alarm-silence-all", { type: "button", onclick: () => silenceEvery() }, "");
  const blocked = h("span.alarm-sound-blocked", { hidden: true });
  const allow = h("button.small.alarm-allow-notifications", {
    type: "button",
    hidden: true,
    onclick: async () => {
      await alerts.askNotificationPermission();
      draw();
    },
  });
  const lines = h("ul.alarm-lines");
  const body = h("div.alarm-banner-body", inner, lines);
  const banner = h(
    "section.alarm-banner",
    { hidden: true, dataset: { count: "0", sounding: "false", sound: "" } },
    h("div.alarm-banner-head", toggle, count, summary, h("div.alarm-banner-actions", silenceAll, blocked, allow)),
    body,
  );

  // The louder alarm of messages we must acknowledge is drawn by escalation.js, inside this banner;
  // the station's alarm for the same message is not shown twice.
  const escalated = () => new Set(alarming(feed.list()).map((message) => message.id));
  const visible = () => {
    const mine = escalated();
    return alarms.all().filter((a) => !(a.kind === "acknowledgement-due" && a.message && mine.has(a.message)));
  };
  // A warning chimes once and needs no silencing; the others sound until a person silences them.
  const sounding = () => shown.filter((a) => !a.ended && !a.silenced_by && soundOf(a) !== "warning");

  async function silence(alarm) {
    try {
      await alarms.silence(alarm.id);
    } catch (error) {
      console.warn("the alarm could not be silenced", error);
    }
  }

  function silenceEvery() {
    for (const alarm of sounding()) silence(alarm);
    inner?.querySelector("button.silence:not([hidden])")?.click();
  }

  function ring() {
    const loud = sounding();
    const name = SOUNDS.find((sound) => loud.some((a) => soundOf(a) === sound));
    if (name) alerts.stationAlarm(name);
    for (const alarm of loud) sounded.add(soundKey(alarm));
  }

  function notifyNew(active) {
    for (const alarm of active) {
      const key = soundKey(alarm);
      if (notified.has(key)) continue;
      notified.add(key);
      if (seen === null) continue; // on the page's first answer: the banner shows them, nothing is new
      const head = [kindLabel(alarm.kind), alarm.party].filter(Boolean).join(" · ");
      alerts.notify(head, alarm.text || "", `alarm-${alarm.id}`, () => window.focus());
    }
  }

  function draw() {
    const all = visible();
    const active = ordered(all.filter((a) => !a.ended));
    const ended = all.filter((a) => a.ended && alarms.age(a.ended) <= ENDED_SHOWN);
    const fresh = seen !== null && active.some((a) => !seen.has(soundKey(a)));
    if (fresh) folded = false; // a new alarm is never folded away
    notifyNew(active);
    if (alarms.isLoaded()) seen = new Set(active.map(soundKey));
    shown = [...active, ...ended];
    const escalating = inner !== null && !inner.hidden;
    // Counted: every active alarm, with those drawn by escalation.js the station has none for yet.
    const stationActive = alarms.active();
    const due = new Set(stationActive.filter((a) => a.kind === "acknowledgement-due").map((a) => a.message));
    const total = stationActive.length + [...escalated()].filter((id) => !due.has(id)).length;
    const loud = sounding();
    const next = SOUNDS.find((sound) => loud.some((a) => soundOf(a) === sound)) || null;

    banner.hidden = shown.length === 0 && !escalating;
    banner.dataset.count = String(total);
    banner.dataset.severity = active.some((a) => a.severity === "critical") ? "critical" : active.length ? "warning" : "";
    banner.dataset.sounding = String(next !== null);
    banner.dataset.sound = next || "";
    banner.dataset.collapsed = String(folded);
    body.hidden = folded;
    toggle.textContent = folded ? (dir() === "rtl" ? "◂" : "▸") : "▾";
    toggle.title = folded ? t("alarms.show") : t("alarms.hide");
    toggle.setAttribute("aria-label", toggle.title);
    toggle.setAttribute("aria-expanded", String(!folded));
    count.textContent = total ? t("alarms.count", { count: total }) : t("alarms.none_active");
    replace(summary, folded && active[0] ? bdi(truncateWords(active[0].text || kindLabel(active[0].kind), 90)) : null);
    silenceAll.hidden = loud.length < 2;
    silenceAll.textContent = t("alarms.silence_all", { count: loud.length });
    blocked.hidden = loud.length === 0 || alerts.audioReady();
    blocked.textContent = t("alarms.sound_blocked");
    allow.hidden = !(active.length && alerts.notificationPermission() === "default");
    allow.textContent = t("alarms.allow_notifications");
    const drawn = JSON.stringify([t("alarms.silence"), shown]);
    if (drawn !== lines.dataset.drawn) {
      lines.dataset.drawn = drawn; // drawn again only when something changed (not under a click)
      replace(
        lines,
        shown.map((alarm) => alarmLine(alarm, { onSilence: silence })),
      );
    }
    title.setAlarms(total);

    if (next !== level) {
      clearInterval(timer);
      timer = next === null ? null : setInterval(ring, REPEAT[next]);
      level = next;
    }
    if (loud.some((a) => !sounded.has(soundKey(a)))) ring();
    // A warning sounds once, when it first appears.
    for (const alarm of active.filter((a) => soundOf(a) === "warning" && !sounded.has(soundKey(a)))) {
      sounded.add(soundKey(alarm));
      if (alarms.isLoaded()) alerts.stationAlarm("warning");
    }
  }

  const offAlarms = alarms.subscribe(() => draw());
  const offFeed = feed.subscribe(() => draw());
  const offAudio = alerts.onAudioChange((ready) => {
    blocked.hidden = ready || banner.dataset.sounding !== "true";
    if (ready && banner.dataset.sounding === "true") ring(); // the first click: the held-back sound
  });
  // The louder alarm silenced: the station's alarms for its messages are silenced too, in this
  // operator's name (the record says who silenced them; other consoles stop sounding).
  inner?.addEventListener("click", (event) => {
    if (!event.target.closest("button.silence")) return;
    const mine = escalated();
    for (const alarm of alarms.active()) {
      if (alarm.kind === "acknowledgement-due" && mine.has(alarm.message) && !alarm.silenced_by) silence(alarm);
    }
  });
  const observer = new MutationObserver(() => draw());
  if (inner) observer.observe(inner, { attributes: true, attributeFilter: ["hidden"] });
  const ticker = setInterval(() => {
    tickAges();
    if (shown.some((a) => a.ended && alarms.age(a.ended) > ENDED_SHOWN)) draw();
  }, 1000);
  return {
    element: banner,
    close() {
      offAlarms();
      offFeed();
      offAudio();
      observer.disconnect();
      clearInterval(timer);
      clearInterval(ticker);
      timer = null;
      title.setAlarms(0);
    },
  };
}
