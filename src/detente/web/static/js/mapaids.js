// What an officer aims with on every map: place names in the console's language (the gazetteer the
// station ships, GET /api/v1/map/places), a metric scale bar, the cursor's position in degrees and
// MGRS, an MGRS grid to switch on, and a legend of every symbol.

import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { forward as toMgrs } from "/vendor/mgrs/mgrs.esm.js";
import { PLACES_URL } from "./api.js";
import { bdi, h, replace } from "./dom.js";
import { dir, lang, t, tParts } from "./i18n.js";
import { mgrsGrid } from "./mgrsgrid.js";

const NAME_COLUMNS = { en: 0, tr: 1, ar: 2, ru: 3 };
const MOST_LABELS = 250;
/** Below each zoom, the smallest place labelled: towns first, villages when zoomed in. */
const SMALLEST = [
  [6, 300000],
  [7, 100000],
  [8, 30000],
  [9, 10000],
  [10, 3000],
];
const TOWN = 10000; // as the station's "12 km SE of Kilis" (notifications.whereabouts)
const COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
const A = 6378137;
const E2 = 0.00669437999014;
const LEGEND = ["party", "country", "sea", "place", "area", "corridor", "point"];

let places = null;
let loadedRows = [];

function loadPlaces() {
  if (!places) {
    places = fetch(PLACES_URL, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`${PLACES_URL}: HTTP ${response.status}`);
        return response.json();
      })
      .then((data) => {
        loadedRows = data.places;
        return data.places;
      })
      .catch((error) => {
        places = null;
        throw error;
      });
  }
  return places;
}

function smallest(zoom) {
  for (const [below, population] of SMALLEST) if (zoom < below) return population;
  return 0;
}

/** The name of a place row in the reader's language, the English one where the data has none. */
export function placeName(row, language = lang()) {
  return row[NAME_COLUMNS[language] ?? 0] || row[0];
}

function placeLabels(map) {
  const layer = L.layerGroup().addTo(map);
  let rows = [];
  const draw = () => {
    layer.clearLayers();
    const bounds = map.getBounds().pad(0.05);
    const least = smallest(map.getZoom());
    const taken = []; // the boxes (pixels) of the labels placed: a smaller place never covers a larger one's
    let shown = 0;
    for (const row of rows) {
      if (row[6] < least) break; // rows come largest first
      if (!bounds.contains([row[4], row[5]])) continue;
      const at = map.latLngToContainerPoint([row[4], row[5]]);
      const box = { left: at.x - 4, right: at.x + 10 + placeName(row).length * 7, top: at.y - 8, bottom: at.y + 8 };
      if (taken.some((b) => b.left < box.right && box.left < b.right && b.top < box.bottom && box.top < b.bottom)) {
        continue;
      }
      taken.push(box);
      const icon = L.divIcon({
        className: `place-label${row[6] >= 100000 ? " town" : ""}`,
        html: h("span", { dir: "auto", lang: lang() }, placeName(row)),
        iconSize: null,
        iconAnchor: [4, 4],
      });
      layer.addLayer(L.marker([row[4], row[5]], { icon, interactive: false, keyboard: false }));
      shown += 1;
      if (shown >= MOST_LABELS) break;
    }
  };
  loadPlaces().then(
    (loaded) => {
      rows = loaded;
      draw();
    },
    () => {},
  );
  map.on("zoomend moveend", draw);
  return layer;
}

/** ``37S CA 31623 65035`` for a point (one-metre precision), or "" outside MGRS's latitudes. */
export function mgrsText(lat, lng) {
  try {
    const raw = toMgrs([lng, lat], 5);
    const found = /^(\d{1,2}[C-X])([A-Z]{2})(\d{5})(\d{5})$/.exec(raw);
    return found ? found.slice(1).join(" ") : raw;
  } catch {
    return "";
  }
}

/** ``36.71611° N, 37.11500° E`` with the hemisphere letters and separator of the reader's
 * language, the figures isolated left to right (as parts for a DOM node). */
export function degreesParts(lat, lng) {
  const part = (value, positive, negative) => [
    bdi(`${Math.abs(value).toFixed(5)}°`, "ltr"),
    " ",
    t(`map.hemisphere.${value < 0 ? negative : positive}`),
  ];
  return tParts("map.position", {
    lat: part(lat, "N", "S"),
    lon: part(L.Util.wrapNum(lng, [-180, 180], true), "E", "W"),
  });
}

/** Distance (km) and bearing (degrees from north) from one point to another on the WGS-84
 * ellipsoid, by its radii of curvature at the middle latitude: within 0.1 % at these ranges. */
function offset(fromLat, fromLng, toLat, toLng) {
  const phi = (((fromLat + toLat) / 2) * Math.PI) / 180;
  const w = 1 - E2 * Math.sin(phi) ** 2;
  const meridian = (A * (1 - E2)) / w ** 1.5;
  const normal = A / Math.sqrt(w);
  const dx = normal * Math.cos(phi) * (((toLng - fromLng) * Math.PI) / 180);
  const dy = meridian * (((toLat - fromLat) * Math.PI) / 180);
  return [Math.hypot(dx, dy) / 1000, ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360];
}

/** "12 km SE of Kilis": the nearest town of 10,000 people or more, in the reader's language; "" far
 * from any (the gazetteer covers the region's borders and its large towns). */
export function nearTownText(lat, lng) {
  let best = null;
  for (const row of loadedRows) {
    if (row[6] < TOWN) break; // largest first
    if (Math.abs(row[4] - lat) > 2 || Math.abs(row[5] - lng) > 2.5) continue;
    const [km, bearing] = offset(row[4], row[5], lat, lng);
    if (!best || km < best.km) best = { row, km, bearing };
  }
  if (!best) return "";
  const digits = best.km < 100 ? 1 : 0;
  const figure = new Intl.NumberFormat(`${lang()}-u-nu-latn`, { maximumFractionDigits: digits }).format(best.km);
  return t("map.near", {
    km: t("map.km", { value: figure }),
    direction: t(`map.bearing.${COMPASS[Math.floor(((best.bearing + 22.5) % 360) / 45)]}`),
    place: placeName(best.row),
  });
}

const Readout = L.Control.extend({
  options: { position: "bottomleft" },
  onAdd(map) {
    const degrees = h("span.degrees", { dir: dir() });
    const grid = h("span.mgrs", { dir: "ltr" });
    const near = h("span.near", { dir: dir() });
    const box = h("div.cursor-readout", { dir: dir(), "aria-live": "off" }, h("span.hint", t("map.cursor_hint")));
    const show = (event) => {
      const { lat, lng } = event.latlng;
      replace(degrees, degreesParts(lat, lng));
      const reference = mgrsText(lat, lng);
      grid.textContent = reference ? `${t("map.mgrs")} ${reference}` : "";
      near.textContent = nearTownText(lat, lng);
      replace(box, degrees, reference ? [" · ", grid] : null, near.textContent ? [" · ", near] : null);
    };
    map.on("mousemove", show);
    this._off = () => map.off("mousemove", show);
    L.DomEvent.disableClickPropagation(box);
    return box;
  },
  onRemove() {
    this._off?.();
  },
});

const GridSwitch = L.Control.extend({
  options: { position: "topright" },
  onAdd(map) {
    const grid = mgrsGrid(map);
    const box = h("input", {
      type: "checkbox",
      name: "mgrs-grid",
      onchange: () => (box.checked ? grid.show() : grid.hide()),
    });
    const label = h("label.leaflet-bar.grid-switch", box, " ", t("map.grid"));
    L.DomEvent.disableClickPropagation(label);
    return label;
  },
});

const Legend = L.Control.extend({
  options: { position: "topright" },
  onAdd() {
    const keys = LEGEND.concat(this.options.extra || []);
    const details = h(
      "details.map-legend.leaflet-bar",
      h("summary", t("map.legend")),
      h(
        "ul",
        keys.map((key) =>
          h("li", { dataset: { symbol: key } }, h(`span.symbol.symbol-${key}`), " ", t(`map.symbol.${key}`)),
        ),
      ),
    );
    L.DomEvent.disableClickPropagation(details);
    L.DomEvent.disableScrollPropagation(details);
    return details;
  },
});

/** Put the aids on ``map``; ``legend`` names the symbols it shows beyond the common ones. */
export function addMapAids(map, { interactive = true, legend = [] } = {}) {
  placeLabels(map);
  L.control.scale({ metric: true, imperial: false, maxWidth: 150 }).addTo(map);
  if (interactive) {
    new Readout().addTo(map);
    new GridSwitch().addTo(map);
  }
  new Legend({ extra: interactive ? legend.concat(["grid"]) : legend }).addTo(map);
}
