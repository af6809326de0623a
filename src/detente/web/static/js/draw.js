// Drawing an area or a route on a Leaflet map by clicking: each click adds a point; a polygon is
// closed for you; a circle or a position takes one click. No plugin: the shape is kept here as
// [lon, lat] positions and drawn as plain Leaflet layers.

import { L } from "./map.js";

const round = (n) => Math.round(n * 100000) / 100000;

export class Drawing {
  constructor(map, { onChange = () => {} } = {}) {
    this.map = map;
    this.onChange = onChange;
    this.mode = null; // "Polygon" | "LineString" | "Point" | "MultiPolygon" | "Position"
    this.points = [];
    this.parts = []; // finished polygons of a MultiPolygon
    this.layer = L.featureGroup().addTo(map);
    this.active = false;
    this.clicked = (event) => this.add(event.latlng);
    map.on("click", this.clicked);
  }

  /** Draw a ``mode`` shape, starting from ``coordinates`` (GeoJSON) if given. */
  start(mode, coordinates = null) {
    this.mode = mode;
    this.points = [];
    this.parts = [];
    this.active = true;
    if (coordinates) this.load(coordinates);
    this.map.getContainer().classList.add("drawing");
    this.render();
  }

  stop() {
    this.active = false;
    this.map.getContainer().classList.remove("drawing");
  }

  load(coordinates) {
    const toPoints = (ring) => {
      const points = ring.map(([lon, lat]) => L.latLng(lat, lon));
      const [first, last] = [points[0], points[points.length - 1]];
      if (points.length > 1 && first.equals(last)) points.pop();
      return points;
    };
    if (this.mode === "Polygon") this.points = toPoints(coordinates[0] || []);
    else if (this.mode === "LineString") this.points = coordinates.map(([lon, lat]) => L.latLng(lat, lon));
    else if (this.mode === "MultiPolygon") this.parts = coordinates.map((polygon) => toPoints(polygon[0] || []));
    else if (coordinates.length === 2) this.points = [L.latLng(coordinates[1], coordinates[0])];
  }

  add(latlng) {
    if (!this.active) return;
    if (this.mode === "Point" || this.mode === "Position") this.points = [latlng];
    else this.points.push(latlng);
    this.changed();
  }

  undo() {
    if (this.points.length) this.points.pop();
    else if (this.parts.length) this.points = this.parts.pop();
    this.changed();
  }

  clear() {
    this.points = [];
    this.parts = [];
    this.changed();
  }

  /** MultiPolygon: close the polygon being drawn and start another. */
  nextPart() {
    if (this.points.length >= 3) {
      this.parts.push(this.points);
      this.points = [];
      this.changed();
    }
  }

  changed() {
    this.render();
    this.onChange(this.value());
  }

  count() {
    return this.points.length + this.parts.reduce((n, part) => n + part.length, 0);
  }

  /** The GeoJSON coordinates drawn so far, or null while the shape is incomplete. */
  value() {
    const position = (p) => [round(p.lng), round(p.lat)];
    const ring = (points) => [...points.map(position), position(points[0])];
    switch (this.mode) {
      case "Polygon":
        return this.points.length >= 3 ? [ring(this.points)] : null;
      case "LineString":
        return this.points.length >= 2 ? this.points.map(position) : null;
      case "MultiPolygon": {
        const parts = [...this.parts, ...(this.points.length >= 3 ? [this.points] : [])];
        return parts.length ? parts.map((points) => [ring(points)]) : null;
      }
      case "Point":
      case "Position":
        return this.points.length ? position(this.points[0]) : null;
      default:
        return null;
    }
  }

  render() {
    this.layer.clearLayers();
    const style = { className: "shape drawn", weight: 2, fillOpacity: 0.25 };
    for (const part of this.parts) this.layer.addLayer(L.polygon(part, style));
    if (this.mode === "Polygon" || this.mode === "MultiPolygon") {
      if (this.points.length >= 3) this.layer.addLayer(L.polygon(this.points, style));
      else if (this.points.length === 2) this.layer.addLayer(L.polyline(this.points, style));
    } else if (this.mode === "LineString" && this.points.length >= 2) {
      this.layer.addLayer(L.polyline(this.points, { ...style, className: "shape drawn route" }));
    }
    for (const point of [...this.parts.flat(), ...this.points]) {
      this.layer.addLayer(L.circleMarker(point, { className: "vertex", radius: 5, weight: 2, fillOpacity: 1 }));
    }
  }

  destroy() {
    this.map.off("click", this.clicked);
    this.layer.remove();
  }
}
