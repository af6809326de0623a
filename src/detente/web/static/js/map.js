// Maps without a tile server: Leaflet over the country borders the station ships and serves
// (GET /api/v1/map/borders: Natural Earth via world-atlas, the same cut its border advice uses),
// and the shapes notices carry.

import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import feature from "/vendor/topojson-client/feature.js";
import { BORDERS_URL } from "./api.js";
import { corridorRing } from "./corridor.js";
import { addMapAids } from "./mapaids.js";

export { L };

const REGION = [
  [31.0, 25.5],
  [42.5, 48.5],
];
let borders = null;

function loadBorders() {
  if (!borders) {
    borders = fetch(BORDERS_URL, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`${BORDERS_URL}: HTTP ${response.status}`);
        return response.json();
      })
      .then((topology) => feature(topology, topology.objects.countries))
      .catch((error) => {
        borders = null; // try again with the next map
        throw error;
      });
  }
  return borders;
}

/** A map in ``container`` with the borders as its only base layer; ``parties`` are shaded. Place
 * names, a scale bar and a legend (``legend``: the extra symbols this map uses) go on every map;
 * an interactive one also gets the cursor's coordinates and the MGRS grid switch. */
export function createMap(container, { parties = [], interactive = true, legend = [] } = {}) {
  const map = L.map(container, {
    attributionControl: true,
    zoomControl: interactive,
    dragging: interactive,
    scrollWheelZoom: interactive,
    doubleClickZoom: false,
    boxZoom: interactive,
    keyboard: interactive,
    minZoom: 3,
    maxZoom: 13,
    zoomSnap: 0.25,
  });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth · GeoNames · Leaflet");
  map.fitBounds(REGION);
  addMapAids(map, { interactive, legend });
  // A view closed before the borders came has removed its map: nothing may be added to it then.
  let removed = false;
  const remove = map.remove.bind(map);
  map.remove = () => {
    removed = true;
    return remove();
  };
  const ready = loadBorders().then((countries) => {
    if (removed) return map;
    L.geoJSON(countries, {
      interactive: false,
      style: (item) => ({
        className: `country ${parties.includes(item.properties.code) ? "country-party" : ""}`,
        weight: 1,
        fillOpacity: 1,
      }),
    }).addTo(map);
    return map;
  });
  map.whenBordersLoaded = () => ready;
  return map;
}

function latLng([lon, lat]) {
  return L.latLng(lat, lon);
}

/** A Leaflet layer for one notice geometry (with ``radius_km`` or ``corridor_km`` when present). */
export function geometryLayer(geometry, { className = "shape" } = {}) {
  const style = { className, weight: 2, fillOpacity: 0.25 };
  const coordinates = geometry.coordinates;
  switch (geometry.type) {
    case "Point":
      return geometry.radius_km
        ? L.circle(latLng(coordinates), { ...style, radius: geometry.radius_km * 1000 })
        : L.circleMarker(latLng(coordinates), { ...style, radius: 7 });
    case "MultiPoint":
      return L.featureGroup(coordinates.map((point) => L.circleMarker(latLng(point), { ...style, radius: 6 })));
    case "LineString": {
      const line = L.polyline(coordinates.map(latLng), { ...style, className: `${className} route`, weight: 2 });
      if (!geometry.corridor_km) return line;
      const area = L.polygon(corridorRing(coordinates, geometry.corridor_km), {
        ...style,
        className: `${className} corridor`,
        fillRule: "nonzero",
      });
      return L.featureGroup([area, line]);
    }
    case "MultiLineString":
      return L.polyline(
        coordinates.map((line) => line.map(latLng)),
        style,
      );
    case "Polygon":
      return L.polygon(
        coordinates.map((ring) => ring.map(latLng)),
        style,
      );
    case "MultiPolygon":
      return L.polygon(
        coordinates.map((polygon) => polygon.map((ring) => ring.map(latLng))),
        style,
      );
    default:
      return null;
  }
}

const GEOMETRY_TYPES = new Set(["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]);

function isPosition(value) {
  return Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === "number");
}

/** Every shape in a notice body: [{path, geometry}], tracks of timed positions as lines. */
export function geometriesOf(body, path = "") {
  const found = [];
  if (Array.isArray(body)) {
    const positions = body.map((item) => item && item.position).filter(isPosition);
    if (positions.length >= 2 && positions.length === body.length) {
      found.push({ path, geometry: { type: "LineString", coordinates: positions } });
    } else {
      body.forEach((item, i) => found.push(...geometriesOf(item, `${path}[${i}]`)));
    }
  } else if (body && typeof body === "object") {
    if (GEOMETRY_TYPES.has(body.type) && Array.isArray(body.coordinates)) {
      found.push({ path, geometry: body });
    } else {
      for (const [key, value] of Object.entries(body)) {
        found.push(...geometriesOf(value, path ? `${path}.${key}` : key));
      }
    }
  }
  return found;
}

/** Draw ``shapes`` ([{geometry, className, popup}]) on ``map`` and zoom to them; returns the group. */
export function showShapes(map, shapes, { fit = true } = {}) {
  const group = L.featureGroup();
  for (const shape of shapes) {
    const layer = geometryLayer(shape.geometry, { className: shape.className || "shape" });
    if (!layer) continue;
    if (shape.popup) layer.bindPopup(shape.popup);
    group.addLayer(layer);
  }
  group.addTo(map);
  if (fit && group.getLayers().length) {
    map.fitBounds(group.getBounds().pad(0.4), { maxZoom: 10 });
  }
  return group;
}
