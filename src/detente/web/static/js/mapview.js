// Every notice in force on one map (GET /api/v1/map: areas, routes, time windows), filterable by
// kind and by time: by default from now to a day ahead; now, the last day, a week either side,
// or any span.

import { api } from "./api.js";
import { precedenceBadge } from "./badges.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { dateTime, fromInputValue, t } from "./i18n.js";
import { L, createMap, geometryLayer } from "./map.js";
import { toUtcText, utcInput } from "./utcinput.js";

export function mapView(container, app) {
  const mapBox = h("div.map.overview-map");
  const kindsBox = h("div.kind-filter", { role: "group" });
  const from = utcInput({ name: "from", id: "map-from" });
  const to = utcInput({ name: "to", id: "map-to" });
  const summary = h("p.counts", { "aria-live": "polite" });
  const list = h("ul.notice-list");
  const preset = (name, hours) =>
    h(
      "button.small",
      {
        type: "button",
        dataset: { preset: name },
        onclick: () => {
          const now = feed.stationNow() * 1000;
          from.value = toUtcText(new Date(now + hours[0] * 3600e3));
          to.value = toUtcText(new Date(now + hours[1] * 3600e3));
          load();
        },
      },
      t(`map.preset.${name}`),
    );
  replace(
    container,
    h(
      "section.view.map-view",
      h("h1", t("map.title")),
      h(
        "div.map-filters",
        h("fieldset", h("legend", t("map.kinds")), kindsBox),
        h(
          "fieldset.time-filter",
          h("legend", t("map.time")),
          h("label", { for: "map-from" }, t("map.from")),
          from,
          h("label", { for: "map-to" }, t("map.to")),
          to,
          h("span.hint", t("form.utc")),
          h(
            "div",
            preset("now", [0, 0]),
            preset("next24", [0, 24]),
            preset("last24", [-24, 0]),
            preset("week", [-168, 168]),
          ),
        ),
      ),
      summary,
      mapBox,
      list,
    ),
  );
  from.addEventListener("change", () => load());
  to.addEventListener("change", () => load());

  const map = createMap(mapBox, { parties: [app.session.station.party] });
  const layer = L.featureGroup().addTo(map);
  const chosen = new Map(); // kind → checkbox
  let notices = [];
  let closed = false;
  let fitted = false;

  function kindBox(kind, title) {
    if (chosen.has(kind)) return;
    const box = h("input", { type: "checkbox", checked: true, value: kind, onchange: () => draw() });
    chosen.set(kind, box);
    kindsBox.append(h("label.choice", { class: `kind-${kind}` }, box, h("span.swatch"), " ", title));
  }

  function when(notice) {
    return [dateTime(notice.starts_at), " → ", notice.ends_at ? dateTime(notice.ends_at) : t("map.open_ended")];
  }

  function popup(notice) {
    return h(
      "div.popup",
      h("div", precedenceBadge(notice.precedence), " ", h("strong", notice.title)),
      h(
        "div",
        notice.direction === "in"
          ? t("direction.from", { party: notice.peer })
          : t("direction.to", { party: notice.peer }),
      ),
      h("div", bdi(notice.summary)),
      notice.starts_at ? h("div", when(notice)) : null,
      h("a", { href: `#/message/${notice.id}` }, t("map.open")),
    );
  }

  function draw() {
    if (closed) return;
    layer.clearLayers();
    const shown = notices.filter((n) => chosen.get(n.kind)?.checked);
    for (const notice of shown) {
      for (const geometry of notice.geometries) {
        const item = geometryLayer(geometry, { className: `shape kind-${notice.kind} prec-${notice.precedence}` });
        if (!item) continue;
        item.bindPopup(() => popup(notice));
        layer.addLayer(item);
      }
    }
    replace(summary, t("map.counts", { shown: shown.length, total: notices.length }));
    replace(
      list,
      shown.map((n) =>
        h(
          "li",
          { class: `kind-${n.kind}`, dataset: { id: n.id, kind: n.kind } },
          h("span.swatch"),
          " ",
          precedenceBadge(n.precedence),
          " ",
          h("a", { href: `#/message/${n.id}` }, n.title),
          " · ",
          n.direction === "in" ? t("direction.from", { party: n.peer }) : t("direction.to", { party: n.peer }),
          " · ",
          when(n),
        ),
      ),
    );
    if (!fitted && layer.getLayers().length) {
      fitted = true;
      map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 9 });
    }
  }

  async function load() {
    let reply;
    try {
      reply = await api.map({ since: fromInputValue(from.value), until: fromInputValue(to.value) });
    } catch (error) {
      replace(summary, h("span.error", bdi(error.message)));
      return;
    }
    if (closed) return;
    notices = reply.notices || [];
    for (const notice of notices) kindBox(notice.kind, notice.title);
    draw();
  }

  // What is in force now or will be within a day, unless the operator asks otherwise.
  const now = feed.stationNow() * 1000;
  from.value = toUtcText(new Date(now));
  to.value = toUtcText(new Date(now + 24 * 3600e3));
  app.kinds().then(
    (catalogue) => catalogue.kinds.forEach((kind) => kindBox(kind.name, kind.title)),
    () => {},
  );
  map.whenBordersLoaded().then(
    () => draw(),
    () => {},
  );
  let first = true;
  const unsubscribe = feed.subscribe(() => {
    if (first) first = false;
    else load();
  });
  load();
  return () => {
    closed = true;
    unsubscribe();
    map.remove();
  };
}
