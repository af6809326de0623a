// Composing a notification: the kind's form (generated from its JSON Schema), the area or route
// drawn on the map, then a check by the station (POST /messages/preview: validation in the
// operator's language, border advice, lateness, and the notice as the receiver will read it)
// before it can be sent.

import { ApiError, api } from "./api.js";
import { PRECEDENCES } from "./badges.js";
import { bdi, h, replace } from "./dom.js";
import { DrawHost } from "./drawhost.js";
import * as feed from "./feed.js";
import { t } from "./i18n.js";
import { createMap } from "./map.js";
import { renderingPanel } from "./rendering.js";
import { SchemaForm } from "./schemaform.js";

const REPLY_KIND = { "clarification-request": "clarification-response" };

export function composeView(container, app, { query }) {
  const replyTo = query.get("reply");
  const formBox = h("div.form-box");
  const check = h("button.check", { type: "button" }, t("compose.check"));
  const send = h("button.primary.send", { type: "submit", disabled: true }, t("compose.send"));
  const status = h("div.compose-status", { role: "status", "aria-live": "polite" });
  const advice = h("section.advice", { hidden: true });
  const preview = h("section.preview", { hidden: true });
  const mapBox = h("div.map.compose-map");
  const kindSelect = h("select", { name: "kind", id: "compose-kind" });
  const toSelect = h("select", { name: "to", id: "compose-to" });
  const precedenceSelect = h("select", { name: "precedence", id: "compose-precedence" });
  const alsoTo = h("fieldset.compose-also", { hidden: true });
  let lines = [];
  const form = h(
    "form.compose-form",
    { novalidate: true },
    h(
      "div.compose-envelope",
      h("label", { for: "compose-to" }, t("compose.to")),
      toSelect,
      h("label", { for: "compose-kind" }, t("compose.kind")),
      kindSelect,
      h("label", { for: "compose-precedence" }, t("compose.precedence")),
      precedenceSelect,
    ),
    alsoTo,
    replyTo
      ? h(
          "p.reply-note",
          t("compose.replying_to"),
          " ",
          h("a", { href: `#/message/${replyTo}` }, h("code", { dir: "ltr" }, replyTo)),
        )
      : null,
    formBox,
    h("div.actions", check, send),
    status,
  );
  replace(
    container,
    h(
      "section.view.compose-view",
      h("h1", t("compose.title")),
      h(
        "div.compose-grid",
        form,
        h("aside.compose-side", h("div.map-wrap", mapBox, h("p.hint", t("compose.map_hint"))), advice, preview),
      ),
    ),
  );

  const map = createMap(mapBox, { parties: [app.session.station.party], legend: ["drawn", "other_field"] });
  const host = new DrawHost(map);
  let kinds = [];
  let schemaForm = null;
  let checked = null; // the JSON of the message last checked without problems
  let closed = false;

  // On a line of more than two stations the operator may add members: the message then goes,
  // one signed envelope each, to every member checked (and the line's mediator sees it).
  function lineOf(party) {
    return lines.find((line) => line.members.some((m) => m.party === party)) || null;
  }

  function drawAlsoTo() {
    const line = lineOf(toSelect.value);
    alsoTo.hidden = !line;
    if (!line) {
      replace(alsoTo);
      return;
    }
    const own = app.session.station.party;
    replace(
      alsoTo,
      h("legend", t("compose.also_to", { line: line.name })),
      line.members
        .filter((m) => m.party !== own && m.party !== toSelect.value)
        .map((m) =>
          h(
            "label.also-member",
            h("input", { type: "checkbox", name: "also", value: m.party, onchange: edited }),
            " ",
            bdi(m.party, "ltr"),
            " · ",
            t(`linerole.${m.role}`),
          ),
        ),
    );
  }

  function addressee() {
    const extra = [...alsoTo.querySelectorAll("input[name=also]:checked")].map((input) => input.value);
    const line = lineOf(toSelect.value);
    return line && extra.length ? { to: [toSelect.value, ...extra].join(","), line: line.name } : { to: toSelect.value };
  }

  function message() {
    return {
      ...addressee(),
      kind: kindSelect.value,
      precedence: precedenceSelect.value || null,
      body: schemaForm ? schemaForm.value() || {} : {},
    };
  }

  function edited() {
    if (closed || !schemaForm) return;
    host.refresh();
    if (checked !== null && checked !== JSON.stringify(message())) {
      checked = null;
      send.disabled = true;
      replace(status, t("compose.changed"));
    }
  }

  async function buildForm(initial = {}) {
    const spec = kinds.find((k) => k.name === kindSelect.value);
    let schema;
    try {
      schema = await app.kindSchema(spec.name);
    } catch (error) {
      replace(status, h("span.error", t("compose.failed"), " ", bdi(error.message)));
      return;
    }
    if (closed || kindSelect.value !== spec.name) return;
    if (schemaForm) schemaForm.destroy();
    replace(
      precedenceSelect,
      PRECEDENCES.map((p) => h("option", { value: p, selected: p === spec.precedence }, t(`precedence.${p}`))),
    );
    schemaForm = new SchemaForm(schema, { drawing: host, initial, onChange: edited });
    replace(formBox, schemaForm.element);
    // The map takes clicks for the first area or route the notice requires; others on request.
    const shapes = [...schemaForm.allFields()].filter((field) => field.mode && field.mode !== "Position");
    const first = shapes.find((field) => !field.optional);
    if (first) host.activate(first);
    checked = null;
    send.disabled = true;
    advice.hidden = preview.hidden = true;
    replace(status);
  }

  /** Free text in a language the recipient's people do not read: they will need a translation. */
  function languageWarning(result, receiver) {
    const reads = result.reads || [];
    if (!result.written_in || !reads.length || reads.includes(result.written_in)) return null;
    return h(
      "p.warning.language-warning",
      t("compose.language_warning", {
        party: receiver,
        written: t(`language.${result.written_in}`),
        reads: reads.map((code) => t(`language.${code}`)).join(", "),
      }),
    );
  }

  function showCheck(result, receiver) {
    const items = result.advice || [];
    replace(
      advice,
      h("h2", t("compose.advice")),
      items.length
        ? h(
            "ul.advice-list",
            items.map((item) =>
              h(
                `li.warning.advice-${item.code}`,
                { dataset: { path: item.path, country: item.country } },
                bdi(item.message),
              ),
            ),
          )
        : result.border_checked
          ? h("p.ok", t("compose.no_advice"))
          : h("p.note.no-border-check", t("compose.border_not_checked")),
      result.late ? h("p.warning.late", t("compose.late"), " ", bdi(result.late)) : null,
      languageWarning(result, receiver),
    );
    advice.hidden = false;
    const rendering = result.receiver || result.reader;
    if (rendering) {
      replace(
        preview,
        renderingPanel(rendering, t("compose.preview", { party: receiver, language: t(`language.${rendering.lang}`) })),
      );
      preview.hidden = false;
    }
  }

  async function runCheck() {
    const body = message();
    check.disabled = true;
    replace(status, t("compose.checking"));
    try {
      const result = await api.preview(body);
      if (closed) return;
      if (!result.valid) {
        failed(new ApiError(422, { problems: result.problems }));
        return;
      }
      schemaForm.clearProblems();
      showCheck(result, body.to);
      checked = JSON.stringify(body);
      send.disabled = false;
      replace(status, h("span.ok", t("compose.checked")));
    } catch (error) {
      failed(error);
    } finally {
      check.disabled = false;
    }
  }

  function failed(error) {
    send.disabled = true;
    checked = null;
    if (error instanceof ApiError && error.problems.length) {
      schemaForm.showProblems(error.problems);
      advice.hidden = preview.hidden = true;
      replace(status, h("span.error", t("compose.problems", { count: error.problems.length })));
    } else if (error instanceof ApiError && error.status === 403) {
      replace(status, h("span.error", t("compose.forbidden"), " ", bdi(error.message)));
    } else {
      replace(status, h("span.error", t("compose.failed"), " ", bdi(error.message)));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = message();
    if (checked !== JSON.stringify(body)) return runCheck();
    send.disabled = check.disabled = true;
    replace(status, t("compose.sending"));
    try {
      const result = await api.send(body);
      feed.refresh();
      app.flash(t("compose.sent", { id: result.id }));
      app.navigate(`#/message/${result.id}`);
    } catch (error) {
      check.disabled = false;
      failed(error);
    }
  });
  check.addEventListener("click", runCheck);

  (async () => {
    let catalogue;
    let original = null;
    try {
      [catalogue, original] = await Promise.all([app.kinds(), replyTo ? api.message(replyTo) : null]);
    } catch (error) {
      replace(status, h("span.error", t("compose.failed"), " ", bdi(error.message)));
      return;
    }
    if (closed) return;
    kinds = catalogue.kinds || [];
    lines = catalogue.lines || [];
    replace(
      toSelect,
      (catalogue.peers || []).map((peer) =>
        h("option", { value: peer.party, selected: peer.party === original?.peer }, `${peer.party} · ${peer.name}`),
      ),
    );
    const wanted = query.get("kind") || (original ? REPLY_KIND[original.kind] || "free-text" : "free-text");
    replace(
      kindSelect,
      kinds.map((kind) => h("option", { value: kind.name, selected: kind.name === wanted }, kind.title || kind.name)),
    );
    kindSelect.addEventListener("change", () =>
      buildForm(original ? { references: [{ id: original.id, relation: "reply" }] } : {}),
    );
    precedenceSelect.addEventListener("change", edited);
    toSelect.addEventListener("change", () => {
      drawAlsoTo();
      edited();
    });
    drawAlsoTo();
    if (!kinds.length) {
      replace(status, h("span.error", t("compose.no_kinds")));
      return;
    }
    buildForm(original ? { references: [{ id: original.id, relation: "reply" }] } : {});
  })();

  return () => {
    closed = true;
    if (schemaForm) schemaForm.destroy();
    host.destroy();
    map.remove();
  };
}
