// The MGRS grid over a map, when the operator switches it on: UTM zone edges, the 100 km squares
// with their letters, and 10 km lines once zoomed in (1 km closer still). Lines are drawn in each
// zone's own UTM plane and cut at the zone's edges.

import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { forward as toMgrs } from "/vendor/mgrs/mgrs.esm.js";
import { centralMeridian, forward, inverse, zoneOf } from "./utm.js";

const MOST_LINES = 160;
const SAMPLES = 24;

function stepFor(zoom) {
  if (zoom >= 11) return 1000;
  if (zoom >= 8) return 10000;
  return 100000;
}

function squareLetters(lat, lng) {
  try {
    return toMgrs([lng, lat], 0).replace(/^\d{1,2}[C-X]/, "");
  } catch {
    return "";
  }
}

function zoneLines(layer, zone, west, east, south, north, step) {
  const lo = Math.max(west, centralMeridian(zone) - 3);
  const hi = Math.min(east, centralMeridian(zone) + 3);
  if (hi <= lo) return 0;
  const corners = [
    [south, lo],
    [south, hi],
    [north, lo],
    [north, hi],
    [south, centralMeridian(zone)],
    [north, centralMeridian(zone)],
  ].map(([lat, lon]) => forward(lat, lon, zone));
  const e0 = Math.floor(Math.min(...corners.map((c) => c[0])) / step) * step;
  const e1 = Math.ceil(Math.max(...corners.map((c) => c[0])) / step) * step;
  const n0 = Math.floor(Math.min(...corners.map((c) => c[1])) / step) * step;
  const n1 = Math.ceil(Math.max(...corners.map((c) => c[1])) / step) * step;
  if ((e1 - e0) / step + (n1 - n0) / step > MOST_LINES) return -1;
  const inZone = ([lat, lon]) => lon >= lo - 1e-9 && lon <= hi + 1e-9;
  const addLine = (points) => {
    let run = [];
    for (const point of points) {
      if (inZone(point)) run.push(point);
      else if (run.length) {
        if (run.length > 1) layer.addLayer(L.polyline(run, { className: "mgrs-line", interactive: false, weight: 1 }));
        run = [];
      }
    }
    if (run.length > 1) layer.addLayer(L.polyline(run, { className: "mgrs-line", interactive: false, weight: 1 }));
  };
  for (let e = e0; e <= e1; e += step) {
    addLine(Array.from({ length: SAMPLES + 1 }, (_, i) => inverse(e, n0 + ((n1 - n0) * i) / SAMPLES, zone)));
  }
  for (let n = n0; n <= n1; n += step) {
    addLine(Array.from({ length: SAMPLES + 1 }, (_, i) => inverse(e0 + ((e1 - e0) * i) / SAMPLES, n, zone)));
  }
  const square = 100000;
  for (let e = Math.floor(e0 / square) * square; e < e1; e += square) {
    for (let n = Math.floor(n0 / square) * square; n < n1; n += square) {
      const centre = inverse(e + square / 2, n + square / 2, zone);
      if (!inZone(centre) || centre[0] < south || centre[0] > north) continue;
      const text = squareLetters(...centre);
      if (!text) continue;
      const icon = L.divIcon({ className: "mgrs-label", html: text, iconSize: null });
      layer.addLayer(L.marker(centre, { icon, interactive: false, keyboard: false }));
    }
  }
  return 1;
}

/** A grid for ``map``: ``show()`` draws it and keeps it up to date as the map moves, ``hide()``. */
export function mgrsGrid(map) {
  const layer = L.layerGroup();
  const draw = () => {
    layer.clearLayers();
    const bounds = map.getBounds();
    const south = Math.max(-80, bounds.getSouth());
    const north = Math.min(84, bounds.getNorth());
    const west = Math.max(-180, bounds.getWest());
    const east = Math.min(180, bounds.getEast());
    let step = stepFor(map.getZoom());
    for (let zone = zoneOf(west); zone <= zoneOf(east); zone += 1) {
      const edge = centralMeridian(zone) - 3;
      if (edge > west) {
        layer.addLayer(
          L.polyline(
            [
              [south, edge],
              [north, edge],
            ],
            { className: "mgrs-zone", interactive: false, weight: 2 },
          ),
        );
      }
      while (zoneLines(layer, zone, west, east, south, north, step) < 0 && step < 100000) step *= 10;
    }
  };
  return {
    show() {
      layer.addTo(map);
      map.on("moveend zoomend", draw);
      draw();
    },
    hide() {
      map.off("moveend zoomend", draw);
      layer.remove();
    },
  };
}
