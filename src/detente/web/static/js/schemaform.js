// A form generated from a notification kind's JSON Schema: one control per field, labels in the
// reader's language (the station translates the schema's titles and values from its catalogues),
// the station's validation problems shown under the field they concern. The form does not
// validate by itself: the station does, in the operator's language, when the notice is checked.

import { h, replace } from "./dom.js";
import { fromInputValue, lang, t, toDate } from "./i18n.js";
import { utcInput } from "./utcinput.js";
import { LANGUAGES } from "./prefs.js";
import { SchemaReader } from "./schema.js";
import { GeometryField, PositionField } from "./geofields.js";

class Field {
  constructor(form, path) {
    this.form = form;
    this.path = path;
    this.problems = h("ul.problems", { role: "alert" });
  }

  wrap(label, control, { optional = false, hint = null, kind = "field" } = {}) {
    this.element = h(
      `div.${kind}`,
      { dataset: { path: this.path } },
      label
        ? h(
            "label.label",
            { for: this.inputId },
            label,
            optional ? h("span.optional", ` (${t("form.optional")})`) : null,
          )
        : null,
      control,
      hint ? h("div.hint", hint) : null,
      this.problems,
    );
    return this.element;
  }

  get inputId() {
    return `f-${this.path.replace(/[^a-zA-Z0-9]+/g, "-")}`;
  }

  children() {
    return [];
  }
}

class ConstField extends Field {
  constructor(form, path, value) {
    super(form, path);
    this.constant = value;
    this.element = h("span.const", { hidden: true, dataset: { path } });
  }

  value() {
    return this.constant;
  }
}

class InputField extends Field {
  constructor(form, path, schema, { label, optional, initial }) {
    super(form, path);
    this.schema = schema;
    const type = schema.type;
    if (type === "boolean") {
      this.input = h("input", { type: "checkbox", id: this.inputId, name: path, checked: initial === true });
    } else if (type === "integer" || type === "number") {
      const step = type === "integer" ? 1 : "any";
      this.input = h("input", {
        type: "number",
        id: this.inputId,
        name: path,
        step,
        min: schema.minimum ?? schema.exclusiveMinimum,
        max: schema.maximum,
        value: initial ?? "",
        inputmode: type === "integer" ? "numeric" : "decimal",
      });
    } else if (schema.format === "date-time") {
      this.input = utcInput({ id: this.inputId, name: path, value: toDate(initial) });
    } else if ((schema.maxLength || 0) > 200) {
      this.input = h(
        "textarea",
        { id: this.inputId, name: path, rows: 4, maxlength: schema.maxLength, dir: "auto" },
        initial ?? "",
      );
    } else {
      this.input = h("input", {
        type: "text",
        id: this.inputId,
        name: path,
        maxlength: schema.maxLength,
        dir: "auto",
        value: initial ?? "",
      });
    }
    this.input.addEventListener("input", () => form.changed());
    this.input.addEventListener("change", () => form.changed());
    const hint = schema.format === "date-time" ? t("form.utc") : null;
    this.wrap(label, this.input, { optional, hint });
  }

  value() {
    const { input, schema } = this;
    if (schema.type === "boolean") return input.checked;
    const raw = input.value.trim();
    if (raw === "") return undefined;
    if (schema.type === "integer" || schema.type === "number") {
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw; // let the station say what is wrong with it
    }
    if (schema.format === "date-time") return fromInputValue(raw) || raw;
    return input.tagName === "TEXTAREA" ? input.value.trim() : raw;
  }
}

class SelectField extends Field {
  constructor(form, path, options, { label, optional, initial }) {
    super(form, path);
    this.input = h(
      "select",
      { id: this.inputId, name: path },
      optional || initial === undefined ? h("option", { value: "" }, optional ? "—" : t("form.choose")) : null,
      options.map(([value, text]) => h("option", { value, selected: value === initial }, text)),
    );
    this.input.addEventListener("change", () => form.changed());
    this.wrap(label, this.input, { optional });
  }

  value() {
    return this.input.value === "" ? undefined : this.input.value;
  }
}

class ChoicesField extends Field {
  // An array of enumerated values: one checkbox each.
  constructor(form, path, options, { label, optional, initial = [] }) {
    super(form, path);
    this.boxes = options.map(([value, text], i) =>
      h("input", { type: "checkbox", value, id: `${this.inputId}-${i}`, checked: initial.includes(value) }),
    );
    this.boxes.forEach((box) => box.addEventListener("change", () => form.changed()));
    const list = h(
      "div.choices",
      { role: "group" },
      this.boxes.map((box, i) => h("label.choice", { for: box.id }, box, options[i][1])),
    );
    this.wrap(h("span", label), list, { optional });
  }

  value() {
    const chosen = this.boxes.filter((box) => box.checked).map((box) => box.value);
    return chosen.length ? chosen : undefined;
  }
}

class ListField extends Field {
  // An array of short strings (callsigns): typed separated by commas or spaces.
  constructor(form, path, { label, optional, initial = [] }) {
    super(form, path);
    this.input = h("input", {
      type: "text",
      id: this.inputId,
      name: path,
      dir: "ltr",
      value: (initial || []).join(", "),
    });
    this.input.addEventListener("input", () => form.changed());
    this.wrap(label, this.input, { optional, hint: t("form.list_hint") });
  }

  value() {
    const items = this.input.value.split(/[\s,;]+/).filter(Boolean);
    return items.length ? items : undefined;
  }
}

class JsonField extends Field {
  // Anything the form has no control for: typed as JSON.
  constructor(form, path, { label, optional, initial }) {
    super(form, path);
    this.input = h(
      "textarea.json",
      { id: this.inputId, name: path, rows: 3, dir: "ltr" },
      initial === undefined ? "" : JSON.stringify(initial),
    );
    this.input.addEventListener("input", () => form.changed());
    this.wrap(label, this.input, { optional, hint: t("form.json_hint") });
  }

  value() {
    const raw = this.input.value.trim();
    if (!raw) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
}

class ObjectField extends Field {
  constructor(form, path, schema, { label, optional, initial, legend = true }) {
    super(form, path);
    this.fields = form.reader.order(schema).map((name) =>
      form.field(schema.properties[name], path ? `${path}.${name}` : name, {
        required: (schema.required || []).includes(name),
        initial: initial?.[name],
      }),
    );
    const inner = this.fields.map((field) => field.element);
    if (optional) {
      this.include = h("input", {
        type: "checkbox",
        id: `${this.inputId}-include`,
        checked: initial !== undefined && initial !== null,
      });
      this.body = h("div.object-body", { hidden: !this.include.checked }, inner);
      this.include.addEventListener("change", () => {
        this.body.hidden = !this.include.checked;
        form.changed();
      });
      this.element = h(
        "fieldset.object",
        { dataset: { path } },
        h(
          "legend",
          h(
            "label",
            { for: this.include.id },
            this.include,
            " ",
            label,
            h("span.optional", ` (${t("form.optional")})`),
          ),
        ),
        this.body,
        this.problems,
      );
    } else {
      this.element =
        legend && label
          ? h("fieldset.object", { dataset: { path } }, h("legend", label), inner, this.problems)
          : h("div.object", { dataset: { path } }, inner, this.problems);
    }
  }

  children() {
    return this.fields;
  }

  value() {
    if (this.include && !this.include.checked) return undefined;
    const result = {};
    for (const field of this.fields) {
      const value = field.value();
      if (value !== undefined) result[field.path.split(".").pop()] = value;
    }
    return result;
  }
}

class RepeatField extends Field {
  // An array of objects (aircraft, units, vehicles, track points): add and remove items.
  constructor(form, path, schema, { label, optional, initial }) {
    super(form, path);
    this.itemSchema = schema.items;
    // An optional list starts empty and may be emptied again; a required one keeps its minimum.
    this.min = optional ? 0 : schema.minItems || 0;
    this.max = schema.maxItems || 100;
    this.items = [];
    this.list = h("ol.repeat-items");
    this.addButton = h("button.small", { type: "button", onclick: () => this.add() }, t("form.add"));
    this.element = h(
      "fieldset.repeat",
      { dataset: { path } },
      h("legend", label, optional ? h("span.optional", ` (${t("form.optional")})`) : null),
      this.list,
      this.addButton,
      this.problems,
    );
    const start = Array.isArray(initial) ? initial : [];
    for (let i = 0; i < Math.max(this.min, start.length); i++) this.add(start[i], { quiet: true });
  }

  add(initial, { quiet = false } = {}) {
    if (this.items.length >= this.max) return;
    const index = this.items.length;
    const field = this.form.field(this.itemSchema, `${this.path}[${index}]`, {
      required: true,
      initial,
      legend: false,
    });
    const remove = h(
      "button.small.remove",
      { type: "button", title: t("form.remove"), onclick: () => this.remove(field) },
      t("form.remove"),
    );
    const item = h("li.repeat-item", field.element, remove);
    this.items.push({ field, item });
    this.list.append(item);
    this.refresh();
    if (!quiet) this.form.changed();
  }

  remove(field) {
    if (this.items.length <= this.min) return;
    const values = this.items.filter((entry) => entry.field !== field).map((entry) => entry.field.value());
    for (const entry of this.items) entry.field.destroy?.();
    this.items = [];
    replace(this.list);
    for (const value of values) this.add(value, { quiet: true });
    this.refresh();
    this.form.changed();
  }

  refresh() {
    this.addButton.disabled = this.items.length >= this.max;
    for (const { item } of this.items) item.querySelector(".remove").disabled = this.items.length <= this.min;
  }

  children() {
    return this.items.map((entry) => entry.field);
  }

  value() {
    const values = this.items.map((entry) => entry.field.value());
    return values.length ? values : undefined;
  }
}

export class SchemaForm {
  /**
   * ``schema``: the kind's JSON Schema as the station sends it (titles and enumerated values in
   * the reader's language); ``drawing``: the compose map's drawing host (for areas, routes and
   * positions); ``initial``: values to start from; ``onChange``: called on every edit.
   */
  constructor(schema, { drawing = null, initial = {}, onChange = () => {} } = {}) {
    this.reader = new SchemaReader(schema);
    this.drawing = drawing;
    this.onChange = onChange;
    this.root = new ObjectField(this, "", schema, { initial, legend: false });
    this.summary = h("div.problem-summary", { role: "alert", hidden: true });
    this.element = h("div.schema-form", this.summary, this.root.element);
  }

  changed() {
    this.onChange();
  }

  /** The control for one property. */
  field(raw, path, { required = false, initial, legend = true } = {}) {
    const { reader } = this;
    const { schema, def, nullable } = reader.unwrap(raw);
    const optional = !required || nullable;
    const label = schema.title || (def && reader.defs[def]?.title) || path.split(".").pop();
    const options = { label, optional, initial: initial ?? undefined, legend };
    if ("const" in schema) return new ConstField(this, path, schema.const);
    if (path === "lang") {
      const choices = LANGUAGES.map((code) => [code, t(`language.${code}`)]);
      return new SelectField(this, path, choices, { ...options, initial: initial || lang() });
    }
    const shapes = reader.geometryOptions(schema);
    if (shapes) return new GeometryField(this, path, shapes, options);
    if (reader.isPosition(schema)) return new PositionField(this, path, options);
    if (Array.isArray(schema.enum)) {
      return new SelectField(
        this,
        path,
        schema.enum.map((v) => [v, reader.valueLabel(schema, v)]),
        options,
      );
    }
    if (schema.type === "object" && schema.properties) return new ObjectField(this, path, schema, options);
    if (schema.type === "array") {
      const item = reader.unwrap(schema.items || {});
      if (Array.isArray(item.schema.enum)) {
        const choices = item.schema.enum.map((v) => [v, reader.valueLabel(item.schema, v)]);
        return new ChoicesField(this, path, choices, options);
      }
      if (item.schema.type === "object") return new RepeatField(this, path, schema, options);
      if (item.schema.type === "string") return new ListField(this, path, options);
      return new JsonField(this, path, options);
    }
    if (["string", "integer", "number", "boolean"].includes(schema.type)) {
      return new InputField(this, path, schema, options);
    }
    return new JsonField(this, path, options);
  }

  value() {
    return this.root.value();
  }

  *allFields(field = this.root) {
    yield field;
    for (const child of field.children()) yield* this.allFields(child);
  }

  clearProblems() {
    for (const field of this.allFields()) {
      replace(field.problems);
      field.element.classList.remove("invalid");
    }
    replace(this.summary);
    this.summary.hidden = true;
  }

  /** Show the station's problems ([{path, message}]) under their fields; returns how many. */
  showProblems(problems) {
    this.clearProblems();
    const byPath = new Map([...this.allFields()].map((field) => [field.path, field]));
    const unplaced = [];
    for (const problem of problems) {
      let path = problem.path || "";
      let field = byPath.get(path);
      while (!field && path) {
        const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
        if (shorter === path) break;
        path = shorter;
        field = byPath.get(path);
      }
      if (field && field !== this.root) {
        field.problems.append(h("li", problem.message));
        field.element.classList.add("invalid");
      } else {
        unplaced.push(problem);
      }
    }
    // The station names each field in the reader's language (``label``); the path says which one.
    const items = problems.map((problem) =>
      h(
        "li",
        problem.label || problem.path ? [h("strong", problem.label || problem.path), ": "] : null,
        problem.message,
      ),
    );
    replace(this.summary, h("p", t("compose.problems", { count: problems.length })), h("ul", items));
    this.summary.hidden = problems.length === 0;
    const first = this.element.querySelector(".invalid");
    if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
    return unplaced.length;
  }

  destroy() {
    for (const field of this.allFields()) field.destroy?.();
  }
}
