// Printable records: one message, or every message of a time range, with both stations' times,
// as a diplomat or an investigator will ask for them.

import { api } from "./api.js";
import { precedenceBadge, stateBadge } from "./badges.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { historyTable } from "./history.js";
import { dateTime, fromInputValue, t, toDate, toInputValue } from "./i18n.js";
import { utcInput } from "./utcinput.js";
import { createMap, geometriesOf, showShapes } from "./map.js";
import { renderingPair } from "./rendering.js";

function letterhead(app, title) {
  const station = app.session.station;
  return h(
    "header.letterhead",
    h(
      "p.station",
      bdi(station.name),
      " (",
      bdi(station.party, "ltr"),
      ") · ",
      h("code", { dir: "ltr" }, station.station_id),
    ),
    h("h1", title),
    h("p.muted", t("print.printed", { time: dateTime(feed.stationNow()), name: app.session.operator })),
  );
}

function record(message, { maps = [], parties = [] } = {}) {
  const mapBox = h("div.map.print-map");
  const shapes = geometriesOf(message.body || {});
  const section = h(
    "article.print-record",
    { dataset: { id: message.id } },
    h("h2", precedenceBadge(message.precedence), " ", message.title),
    h(
      "dl.facts",
      h("dt", t("detail.id")),
      h("dd", h("code", { dir: "ltr" }, message.id)),
      h("dt", t("detail.direction")),
      h(
        "dd",
        message.direction === "in"
          ? t("direction.from", { party: message.peer })
          : t("direction.to", { party: message.peer }),
      ),
      h("dt", t("detail.created")),
      h("dd", dateTime(message.created_at)),
      h("dt", t("detail.state")),
      h("dd", stateBadge(message.state)),
      message.acknowledged_at
        ? [
            h("dt", t("detail.acknowledged")),
            h("dd", bdi(message.acknowledged_by || ""), " · ", dateTime(message.acknowledged_at)),
          ]
        : null,
    ),
    message.late ? h("p.warning.late", t("detail.late"), " ", bdi(message.late)) : null,
    message.invisible_characters ? h("p.warning.invisible", t("invisible.flag")) : null,
    renderingPair(message),
    (message.translations || []).map((item) =>
      h(
        "section.rendering",
        h("h3", t("detail.certified_by", { language: t(`language.${item.lang}`), name: item.translator })),
        h("pre.rendered", { dir: item.lang === "ar" ? "rtl" : "ltr" }, item.text),
      ),
    ),
    shapes.length ? mapBox : null,
    (message.references || []).length
      ? h(
          "p",
          t("detail.references"),
          ": ",
          message.references.map((ref) => [t(`relation.${ref.relation}`), " ", h("code", { dir: "ltr" }, ref.id), " "]),
        )
      : null,
    h("h3", t("detail.history")),
    historyTable(message),
  );
  if (shapes.length) {
    queueMicrotask(() => {
      const map = createMap(mapBox, { parties, interactive: false });
      maps.push(map);
      map.whenBordersLoaded().then(() =>
        showShapes(
          map,
          shapes.map((s) => ({ geometry: s.geometry, className: `shape kind-${message.kind}` })),
        ),
      );
    });
  }
  return section;
}

function toolbar(...extra) {
  return h(
    "div.toolbar.no-print",
    extra,
    h("button.primary", { type: "button", onclick: () => window.print() }, t("print.print")),
  );
}

export function printMessageView(container, app, { id }) {
  const maps = [];
  const body = h("div.print-body", h("p", t("print.loading")));
  replace(
    container,
    h(
      "section.view.print-view",
      toolbar(h("a", { href: `#/message/${id}` }, t("detail.back_to_message"))),
      letterhead(app, t("print.message_title")),
      body,
    ),
  );
  let closed = false;
  api.message(id).then(
    (message) => {
      if (!closed) replace(body, record(message, { maps, parties: [app.session.station.party, message.peer] }));
    },
    (error) => replace(body, h("p.error", bdi(error.message))),
  );
  return () => {
    closed = true;
    maps.forEach((map) => map.remove());
  };
}

export function printRangeView(container, app, { query }) {
  const maps = [];
  const now = feed.stationNow() * 1000;
  const fromDefault = query.get("from") || toInputValue(new Date(now - 24 * 3600e3));
  const toDefault = query.get("to") || toInputValue(new Date(now + 60e3));
  const from = utcInput({ name: "from", id: "print-from", value: fromDefault });
  const to = utcInput({ name: "to", id: "print-to", value: toDefault });
  const body = h("div.print-body");
  const heading = h("p.range");
  replace(
    container,
    h(
      "section.view.print-view",
      toolbar(
        h(
          "form.range-form",
          {
            onsubmit: (event) => (
              event.preventDefault(),
              app.navigate(`#/print?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`)
            ),
          },
          h("label", { for: "print-from" }, t("map.from")),
          from,
          h("label", { for: "print-to" }, t("map.to")),
          to,
          h("span.hint", t("form.utc")),
          h("button", { type: "submit" }, t("print.show")),
        ),
      ),
      letterhead(app, t("print.range_title")),
      heading,
      body,
    ),
  );
  let closed = false;
  (async () => {
    const lo = toDate(fromInputValue(fromDefault));
    const hi = toDate(fromInputValue(toDefault));
    replace(heading, t("print.range", { from: dateTime(lo?.toISOString()), to: dateTime(hi?.toISOString()) }));
    replace(body, h("p", t("print.loading")));
    const list = await api.messages({ limit: 1000, since: lo?.toISOString(), until: hi?.toISOString() });
    const chosen = (list.messages || []).slice().reverse();
    const messages = await Promise.all(chosen.slice(0, 300).map((m) => api.message(m.id)));
    if (closed) return;
    replace(
      body,
      h(
        "table.summary",
        h(
          "thead",
          h(
            "tr",
            ["time", "precedence", "direction", "kind", "state"].map((c) => h("th", t(`watch.column.${c}`))),
          ),
        ),
        h(
          "tbody",
          messages.map((m) =>
            h(
              "tr",
              h("td", dateTime(m.created_at)),
              h("td", precedenceBadge(m.precedence)),
              h(
                "td",
                m.direction === "in" ? t("direction.from", { party: m.peer }) : t("direction.to", { party: m.peer }),
              ),
              h("td", m.title),
              h("td", stateBadge(m.state)),
            ),
          ),
        ),
      ),
      messages.length
        ? messages.map((m) => record(m, { maps, parties: [app.session.station.party, m.peer] }))
        : h("p.muted", t("print.none")),
    );
  })().catch((error) => replace(body, h("p.error", bdi(error.message))));
  return () => {
    closed = true;
    maps.forEach((map) => map.remove());
  };
}
