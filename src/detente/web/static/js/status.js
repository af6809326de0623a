// The line to each peer (GET /line and GET /status): for each path up or down and since when,
// round trip, last heartbeat, clock offset; queue depth, what waits for a person's
// acknowledgement on either side, the last co-signed checkpoints, response times, and the station's
// alarms (alarms.js), active and ended in the last day, with what an administrator must set up first.

import { alarmLine } from "./alarmbanner.js";
import * as stationAlarms from "./alarms.js";
import { api } from "./api.js";
import { bdi, h, replace } from "./dom.js";
import * as events from "./events.js";
import { dateTime, duration, number, signedNumber, t, toDate } from "./i18n.js";
import { stationNow } from "./feed.js";

function since(value) {
  const date = toDate(value);
  if (!date) return "—";
  return [dateTime(value), " (", t("status.ago", { duration: duration(stationNow() - date.getTime() / 1000) }), ")"];
}

function row(label, ...value) {
  return [h("dt", label), h("dd", ...value)];
}

function checkpointRow(label, summary) {
  if (!summary) return row(label, "—");
  const text = summary.cosigned_size
    ? [t("status.checkpoint_size", { size: number(summary.cosigned_size) }), " · ", since(summary.cosigned_at)]
    : [h("span.muted", t("status.checkpoint_none"))];
  return row(label, ...text);
}

function pathRows(path) {
  const link = path.state || "UNKNOWN";
  return [
    row(
      t("status.path", { name: path.name }),
      h(`span.badge.link.link-${link.toLowerCase()}`, t(`link.${link}`)),
      " ",
      t("status.since_time"),
      " ",
      since(path.since),
    ),
    row(t("status.detail"), bdi(path.detail || "—")),
    row(t("status.round_trip"), path.round_trip_ms === null ? "—" : t("unit.ms", { n: number(path.round_trip_ms, 1) })),
    row(t("status.heartbeat"), since(path.last_heartbeat)),
    row(
      t("status.clock_offset"),
      path.clock_offset_ms === null
        ? "—"
        : h("span.clock-offset", t("unit.ms", { n: signedNumber(path.clock_offset_ms, 1) })),
    ),
  ];
}

/** Who the peer reports on watch there: "Lt. Haddad (supervisor) since 06:00Z", or nobody. */
export function rosterText(roster, party) {
  if (!roster) return h("span.muted.roster", { dataset: { roster: "unknown" } }, t("roster.unknown"));
  const stale = roster.stale ? [" ", h("span.warning", t("roster.stale", { time: dateTime(roster.reported_at) }))] : null;
  if (roster.on_watch.length === 0) {
    return h(
      "span.overdue.roster",
      { dataset: { roster: "nobody" } },
      t("roster.nobody", { party }),
      stale,
    );
  }
  return h(
    "span.roster",
    { dataset: { roster: "reported" } },
    roster.on_watch.flatMap((person, index) => [
      index ? "; " : null,
      bdi(person.name),
      " ",
      t("roster.person", { role: t(`role.${DUTY_ROLES.has(person.role) ? person.role : "operator"}`), since: dateTime(person.since) }),
    ]),
    stale,
  );
}

const DUTY_ROLES = new Set(["operator", "supervisor"]);

/** One peer: ``line`` from GET /line (paths, checkpoints), ``peer`` from GET /status (the watch). */
function peerCard(line, peer = {}) {
  const watch = peer.watch || {};
  const paths = line.paths || [];
  const link = paths.some((p) => p.state === "UP") ? "UP" : paths[0]?.state || "UNKNOWN";
  return h(
    `article.peer-card.link-${link.toLowerCase()}`,
    { dataset: { party: line.party, link } },
    h(
      "h2",
      h(`span.badge.link.link-${link.toLowerCase()}`, t(`link.${link}`)),
      " ",
      bdi(line.party, "ltr"),
      " · ",
      bdi(line.name),
    ),
    h(
      "dl.facts",
      paths.map(pathRows),
      row(t("roster.label", { party: line.party }), rosterText(watch.peer_on_watch, line.party)),
      row(t("status.queue"), number(line.queue_depth ?? 0)),
      row(
        t("status.unacknowledged_here"),
        h(
          "span",
          { class: watch.awaiting_here_overdue ? "overdue" : null },
          t("status.awaiting_here", {
            count: number(line.unacknowledged?.here ?? 0),
            overdue: number(watch.awaiting_here_overdue ?? 0),
          }),
        ),
      ),
      row(
        t("status.unacknowledged_there", { party: line.party }),
        number(line.unacknowledged?.there ?? 0),
        watch.peer_overdue
          ? [
              " · ",
              h(
                "span.overdue",
                t("status.peer_overdue", {
                  count: number(watch.peer_overdue),
                  duration: duration(watch.peer_not_answering_s || 0),
                }),
              ),
            ]
          : null,
      ),
      row(
        t("status.watch_check"),
        watch.last_check_sent_at
          ? [
              dateTime(watch.last_check_sent_at),
              " · ",
              watch.last_check_answered
                ? [t("status.check_answered"), " ", bdi(watch.last_check_acknowledged_by || "")]
                : h("span.overdue", t("status.check_unanswered")),
            ]
          : "—",
      ),
      checkpointRow(t("status.checkpoint_ours", { party: line.party }), line.checkpoints?.own),
      checkpointRow(t("status.checkpoint_theirs", { party: line.party }), line.checkpoints?.peer),
      row(t("status.alarms"), h("span.line-alarms", { dataset: { party: line.party } })),
    ),
  );
}

function figuresTable(figures) {
  const rows = (figures || []).filter((figure) => figure.messages);
  if (!rows.length) return h("p.muted", t("status.no_figures"));
  const seconds = (value) => (value === null || value === undefined ? "—" : duration(value));
  return h(
    "table.figures",
    h(
      "thead",
      h(
        "tr",
        ["side", "precedence", "messages", "acknowledged", "median", "p95", "missed"].map((c) =>
          h("th", t(`figures.${c}`)),
        ),
      ),
    ),
    h(
      "tbody",
      rows.map((f) =>
        h(
          "tr",
          h("td", t(`figures.side.${f.side}`)),
          h("td", t(`precedence.${f.precedence}`)),
          h("td", number(f.messages)),
          h("td", number(f.acknowledged)),
          h("td", seconds(f.median_s)),
          h("td", seconds(f.p95_s)),
          h("td", { class: f.missed ? "overdue" : null }, number(f.missed)),
        ),
      ),
    ),
  );
}

export function statusView(container, app) {
  const peers = h("div.peer-cards");
  const figures = h("section.figures-section");
  const alarms = h("section.alarms-section");
  const station = h("p.station-line");
  const setup = h("div.setup-warnings");
  replace(
    container,
    h("section.view.status-view", h("h1", t("status.title")), station, setup, alarms, peers, figures),
  );
  let closed = false;

  async function silence(alarm) {
    try {
      await stationAlarms.silence(alarm.id);
    } catch (error) {
      console.warn("the alarm could not be silenced", error);
    }
  }

  function drawAlarms() {
    const all = stationAlarms.all();
    const active = all.filter((a) => !a.ended);
    const recent = stationAlarms.endedWithin(86400);
    replace(
      setup,
      active
        .filter((a) => a.kind === "notify-missing")
        .map((a) =>
          h(
            "div.setup-warning",
            { role: "alert", dataset: { kind: a.kind, id: a.id } },
            h("strong", t("alarms.status.setup")),
            " ",
            h("bdi", { dir: "auto" }, a.text || ""),
          ),
        ),
    );
    replace(
      alarms,
      h("h2", t("alarms.status.active")),
      active.length
        ? h("ul.alarm-lines.status-alarms", { dataset: { list: "active" } }, active.map((a) => alarmLine(a, { onSilence: silence })))
        : h("p.muted", t("alarms.status.none")),
      h("h2", t("alarms.status.recent")),
      recent.length
        ? h("ul.alarm-lines.status-alarms", { dataset: { list: "recent" } }, recent.map((a) => alarmLine(a)))
        : h("p.muted", t("alarms.status.none_recent")),
    );
    for (const cell of peers.querySelectorAll(".line-alarms[data-party]")) {
      const count = active.filter((a) => a.party === cell.dataset.party).length;
      cell.classList.toggle("overdue", count > 0);
      cell.textContent = t("alarms.status.on_line", { count });
    }
  }

  async function load() {
    let line;
    let view;
    try {
      [line, view] = await Promise.all([api.line(), api.status()]);
    } catch (error) {
      replace(station, h("span.error", bdi(error.message)));
      return;
    }
    if (closed) return;
    replace(
      station,
      bdi(view.station?.name || ""),
      " · ",
      line.serve_running ? t("status.serving") : h("span.overdue", t("status.not_serving")),
    );
    const watched = new Map((view.peers || []).map((peer) => [peer.station_id, peer]));
    replace(
      peers,
      (line.peers || []).length
        ? line.peers.map((p) => peerCard(p, watched.get(p.station_id)))
        : h("p.muted", t("status.no_peers")),
    );
    replace(figures, h("h2", t("status.figures")), figuresTable(view.figures));
    drawAlarms();
  }

  load();
  const timer = setInterval(load, 2000);
  const off = events.onUpdate(() => load());
  const offAlarms = stationAlarms.subscribe(() => drawAlarms());
  return () => {
    closed = true;
    clearInterval(timer);
    off();
    offAlarms();
  };
}
