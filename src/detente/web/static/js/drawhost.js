// The compose map's one pencil: several fields of a notice may hold shapes (an impact area and a
// safety area, a position and a track); one at a time takes the map's clicks, the others are
// shown as they are.

import { Drawing } from "./draw.js";
import { L, geometryLayer } from "./map.js";

export class DrawHost {
  constructor(map) {
    this.map = map;
    this.fields = new Set();
    this.active = null;
    this.shown = L.featureGroup().addTo(map);
    this.drawing = new Drawing(map, { onChange: (coordinates) => this.drew(coordinates) });
  }

  register(field) {
    this.fields.add(field);
    this.refresh();
  }

  unregister(field) {
    if (this.active === field) this.deactivate(field);
    this.fields.delete(field);
    this.refresh();
  }

  drew(coordinates) {
    if (this.active) this.active.setCoordinates(coordinates);
    this.refresh();
  }

  activate(field) {
    if (this.active && this.active !== field) this.active.setActive(false);
    this.active = field;
    field.setActive(true);
    this.drawing.start(field.mode, field.coordinates);
    this.refresh();
  }

  deactivate(field) {
    if (this.active !== field) return;
    field.setActive(false);
    this.active = null;
    this.drawing.stop();
    this.drawing.layer.clearLayers();
    this.refresh();
  }

  undo(field) {
    if (this.active !== field) this.activate(field);
    this.drawing.undo();
  }

  clear(field) {
    if (this.active !== field) this.activate(field);
    this.drawing.clear();
  }

  nextPart(field) {
    if (this.active === field) this.drawing.nextPart();
  }

  /** Draw every field's shape but the one being drawn (whose circle or corridor, if any, is drawn too). */
  refresh() {
    this.shown.clearLayers();
    for (const field of this.fields) {
      const shape = field.shape();
      if (!shape) continue;
      const wide = (shape.type === "Point" && shape.radius_km) || (shape.type === "LineString" && shape.corridor_km);
      if (field === this.active && !wide) continue;
      const layer = geometryLayer(shape, { className: field === this.active ? "shape drawn" : "shape other" });
      if (layer) this.shown.addLayer(layer);
    }
  }

  destroy() {
    this.drawing.destroy();
    this.shown.remove();
  }
}
