// Form controls for shapes: an area, a route or a position drawn on the compose map (see
// draw.js), with the numbers that go with it (a circle's radius, a route's corridor).

import { h, replace } from "./dom.js";
import { number, t } from "./i18n.js";

const MODES = { Polygon: "Polygon", MultiPolygon: "MultiPolygon", LineString: "LineString", Point: "Point" };

function shapeName(option) {
  // Circle (a Point that needs a radius) and Route (a LineString with a corridor) by their def names.
  return t(`shape.${option.def || option.type}`);
}

class DrawnField {
  constructor(form, path) {
    this.form = form;
    this.path = path;
    this.coordinates = null;
    this.problems = h("ul.problems", { role: "alert" });
    this.drawButton = h(
      "button.small.draw",
      { type: "button", "aria-pressed": "false", onclick: () => this.toggle() },
      t("draw.start"),
    );
    this.count = h("span.count");
  }

  get host() {
    return this.form.drawing;
  }

  toggle() {
    if (!this.host) return;
    if (this.host.active === this) this.host.deactivate(this);
    else this.host.activate(this);
  }

  /** Called by the host when this field starts or stops taking clicks. */
  setActive(active) {
    this.drawButton.setAttribute("aria-pressed", String(active));
    this.drawButton.textContent = active ? t("draw.stop") : t("draw.start");
    this.element.classList.toggle("active", active);
  }

  setCoordinates(coordinates) {
    this.coordinates = coordinates;
    this.showCount();
    this.form.changed();
  }

  destroy() {
    this.host?.unregister(this);
  }
}

export class GeometryField extends DrawnField {
  constructor(form, path, options, { label, optional, initial }) {
    super(form, path);
    this.options = options;
    this.optional = optional;
    const start = options.find((option) => option.type === initial?.type) || options[0];
    this.option = start;
    this.select = h(
      "select.shape",
      { "aria-label": t("draw.shape"), onchange: () => this.choose(this.options[this.select.selectedIndex]) },
      options.map((option) =>
        h("option", { value: option.def || option.type, selected: option === start }, shapeName(option)),
      ),
    );
    this.extras = h("div.extras");
    this.tools = h(
      "div.draw-tools",
      options.length > 1 ? h("label", t("draw.shape"), " ", this.select) : h("span.shape-name", shapeName(start)),
      this.drawButton,
      h("button.small", { type: "button", onclick: () => this.host?.undo(this) }, t("draw.undo")),
      h("button.small", { type: "button", onclick: () => this.host?.clear(this) }, t("draw.clear")),
      (this.nextPart = h(
        "button.small",
        { type: "button", hidden: true, onclick: () => this.host?.nextPart(this) },
        t("draw.next_polygon"),
      )),
      this.count,
    );
    this.element = h(
      "fieldset.geometry",
      { dataset: { path } },
      h("legend", label, optional ? h("span.optional", ` (${t("form.optional")})`) : null),
      h("p.hint", t("draw.hint")),
      this.tools,
      this.extras,
      this.problems,
    );
    this.choose(start, initial);
    this.host?.register(this);
  }

  get mode() {
    return MODES[this.option.type];
  }

  choose(option, initial = null) {
    this.option = option;
    this.coordinates = initial && initial.type === option.type ? initial.coordinates : null;
    const properties = option.schema.properties || {};
    const names = Object.keys(properties).filter((name) => name !== "type" && name !== "coordinates");
    this.extraFields = names.map((name) =>
      this.form.field(properties[name], `${this.path}.${name}`, {
        required: (option.schema.required || []).includes(name),
        initial: initial?.[name],
      }),
    );
    replace(
      this.extras,
      this.extraFields.map((field) => field.element),
    );
    this.nextPart.hidden = option.type !== "MultiPolygon";
    this.showCount();
    if (this.host?.active === this) this.host.activate(this);
    else this.host?.refresh();
    this.form.changed();
  }

  showCount() {
    const c = this.coordinates;
    let points = 0;
    if (c && this.option.type === "Polygon") points = c[0].length - 1;
    else if (c && this.option.type === "MultiPolygon") points = c.reduce((n, polygon) => n + polygon[0].length - 1, 0);
    else if (c && this.option.type === "LineString") points = c.length;
    else if (c) points = 1;
    this.count.textContent = t("draw.points", { n: number(points) });
  }

  children() {
    return this.extraFields || [];
  }

  value() {
    if (!this.coordinates) return undefined;
    const result = { type: this.option.type, coordinates: this.coordinates };
    for (const field of this.extraFields) {
      const value = field.value();
      if (value !== undefined) result[field.path.split(".").pop()] = value;
    }
    return result;
  }

  /** The shape to draw on the map (with radius or corridor), or null. */
  shape() {
    return this.value() || null;
  }
}

export class PositionField extends DrawnField {
  constructor(form, path, { label, optional, initial }) {
    super(form, path);
    this.lat = h("input", {
      type: "number",
      step: "any",
      min: -90,
      max: 90,
      "aria-label": t("draw.latitude"),
      dir: "ltr",
    });
    this.lon = h("input", {
      type: "number",
      step: "any",
      min: -180,
      max: 180,
      "aria-label": t("draw.longitude"),
      dir: "ltr",
    });
    if (Array.isArray(initial)) [this.lon.value, this.lat.value] = initial.map(String);
    for (const input of [this.lat, this.lon]) input.addEventListener("input", () => this.typed());
    this.element = h(
      "div.field.position",
      { dataset: { path } },
      h("span.label", label, optional ? h("span.optional", ` (${t("form.optional")})`) : null),
      h(
        "div.position-inputs",
        h("label", t("draw.latitude"), " ", this.lat),
        h("label", t("draw.longitude"), " ", this.lon),
        this.drawButton,
      ),
      this.problems,
    );
    this.typed(true);
    this.host?.register(this);
  }

  get mode() {
    return "Position";
  }

  typed(quiet = false) {
    const lat = this.lat.value.trim();
    const lon = this.lon.value.trim();
    this.coordinates = lat !== "" && lon !== "" ? [Number(lon), Number(lat)] : null;
    if (!quiet) {
      this.host?.refresh();
      this.form.changed();
    }
  }

  setCoordinates(coordinates) {
    this.coordinates = coordinates;
    this.lat.value = coordinates ? String(coordinates[1]) : "";
    this.lon.value = coordinates ? String(coordinates[0]) : "";
    this.form.changed();
  }

  showCount() {}

  children() {
    return [];
  }

  value() {
    return this.coordinates || undefined;
  }

  shape() {
    return this.coordinates ? { type: "Point", coordinates: this.coordinates } : null;
  }
}
