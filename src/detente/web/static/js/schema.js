// Reading the notification kinds' JSON Schemas (draft 2020-12 as pydantic writes them, titles
// already in the reader's language): $ref into $defs, optional values written as anyOf [X, null],
// discriminated shapes, GeoJSON geometries.

const GEOMETRY = new Set(["Point", "Polygon", "MultiPolygon", "LineString"]);

export class SchemaReader {
  constructor(root) {
    this.root = root;
    this.defs = root.$defs || {};
  }

  /** {schema, def}: ``schema`` with its $ref followed (siblings such as title win), and the def's name. */
  resolve(schema) {
    let def = null;
    let current = schema || {};
    for (let depth = 0; current.$ref && depth < 10; depth++) {
      def = current.$ref.split("/").pop();
      const { $ref, ...siblings } = current;
      current = { ...(this.defs[def] || {}), ...siblings, title: siblings.title || this.defs[def]?.title };
    }
    return { schema: current, def };
  }

  /** {schema, def, nullable}: anyOf [X, null] unwrapped to X. */
  unwrap(schema) {
    const { schema: resolved, def } = this.resolve(schema);
    const options = resolved.anyOf;
    if (Array.isArray(options)) {
      const real = options.filter((option) => option.type !== "null");
      if (real.length === 1 && real.length < options.length) {
        const inner = this.resolve(real[0]);
        const merged = { ...inner.schema, title: resolved.title || inner.schema.title };
        if ("default" in resolved) merged.default = resolved.default;
        return { schema: merged, def: inner.def, nullable: true };
      }
    }
    return { schema: resolved, def, nullable: false };
  }

  /** The shapes a geometry property allows: [{type, def, schema}], or null if it is not one. */
  geometryOptions(schema) {
    const single = (candidate) => {
      const { schema: resolved, def } = this.resolve(candidate);
      const type = resolved.properties?.type?.const;
      return GEOMETRY.has(type) && resolved.properties?.coordinates ? { type, def, schema: resolved } : null;
    };
    if (Array.isArray(schema.oneOf)) {
      const options = schema.oneOf.map(single);
      return options.every(Boolean) ? options : null;
    }
    const one = single(schema);
    return one ? [one] : null;
  }

  /** Whether ``schema`` is a [lon, lat] position. */
  isPosition(schema) {
    return schema.type === "array" && Array.isArray(schema.prefixItems) && schema.prefixItems.length === 2;
  }

  /** The property names of an object schema, required first (in model order), then the rest. */
  order(schema) {
    const required = (schema.required || []).filter((name) => name in (schema.properties || {}));
    const rest = Object.keys(schema.properties || {}).filter((name) => !required.includes(name));
    return [...required, ...rest];
  }

  /** The name of an enumerated value in the reader's language (the station sends them with the
   * schema as ``x-enum-labels``), else the value itself. */
  valueLabel(schema, value) {
    return schema["x-enum-labels"]?.[value] || String(value).replace(/-/g, " ");
  }
}
