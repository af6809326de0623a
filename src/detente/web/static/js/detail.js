// One message: the rendering in the reader's language beside the sender's original, its map,
// references, certified translations and whole history; acknowledge, reply, translate, print.

import { ApiError, api } from "./api.js";
import { directionMark, precedenceBadge, stateBadge } from "./badges.js";
import { countdown } from "./countdown.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { historyTable } from "./history.js";
import { dateTime, lang, t } from "./i18n.js";
import { createMap, geometriesOf, showShapes } from "./map.js";
import { LANGUAGES } from "./prefs.js";
import { renderingPair } from "./rendering.js";

const ACKNOWLEDGING = new Set(["operator", "supervisor"]);
const SENDING = new Set(["operator", "supervisor"]);

export function detailView(container, app, { id }) {
  const head = h("header.detail-head");
  const actions = h("div.actions");
  const texts = h("div");
  const language = h("section.language-help", { hidden: true });
  const references = h("section.references");
  const translations = h("section.translations");
  const history = h("section.history-section");
  const recipients = h("section.recipients", { hidden: true });
  const mapBox = h("div.map.detail-map");
  const whereabouts = h("ul.whereabouts");
  const mapSection = h("section.map-section", { hidden: true }, h("h2", t("detail.map")), whereabouts, mapBox);
  const notice = h("div.notice", { role: "status", "aria-live": "polite" });
  replace(
    container,
    h(
      "section.view.detail-view",
      { dataset: { id } },
      h("p", h("a", { href: "#/watch" }, t("detail.back"))),
      head,
      notice,
      actions,
      language,
      texts,
      recipients,
      h("div.detail-columns", h("div", mapSection, references), h("div", translations)),
      history,
    ),
  );
  let map = null;
  let shownState = null;
  let shownTranslations = null;
  let closed = false;

  function drawRecipients(message) {
    const list = message.recipients || [];
    recipients.hidden = list.length === 0;
    if (!list.length) return;
    replace(
      recipients,
      h("h2", t("detail.recipients", { line: message.line || "" })),
      h(
        "table.recipients-table",
        h(
          "thead",
          h(
            "tr",
            [
              t("detail.recipient_party"),
              t("detail.recipient_role"),
              t("detail.recipient_received"),
              t("detail.recipient_acknowledged"),
            ].map((label) => h("th", label)),
          ),
        ),
        h(
          "tbody",
          list.map((r) =>
            h(
              "tr",
              { dataset: { party: r.party, acknowledged: r.acknowledged_at ? "yes" : "no" } },
              h("td", bdi(r.party, "ltr")),
              h("td", t(`linerole.${r.role}`)),
              h("td", r.received_at ? dateTime(r.received_at) : t(`state.${r.state}`)),
              h(
                "td",
                r.acknowledged_at ? [bdi(r.acknowledged_by || ""), " · ", dateTime(r.acknowledged_at)] : "—",
              ),
            ),
          ),
        ),
      ),
    );
  }

  function drawHead(message) {
    const waiting = message.due_at !== null && message.state !== "acknowledged";
    replace(
      head,
      h("h1", precedenceBadge(message.precedence), " ", message.title),
      h(
        "dl.facts",
        h("dt", t("detail.direction")),
        h("dd", directionMark(message)),
        h("dt", t("detail.state")),
        h("dd.state-cell", stateBadge(message.state), waiting ? [" ", countdown(message.due_at)] : null),
        message.acknowledged_at
          ? [
              h("dt", t("detail.acknowledged")),
              h("dd.acknowledged-by", bdi(message.acknowledged_by || ""), " · ", dateTime(message.acknowledged_at)),
            ]
          : null,
        message.acknowledgement?.note
          ? [h("dt", t("detail.ack_note_given")), h("dd", bdi(message.acknowledgement.note))]
          : null,
        h("dt", t("detail.created")),
        h("dd", dateTime(message.created_at)),
        h("dt", t("detail.id")),
        h("dd", h("code", { dir: "ltr" }, message.id)),
      ),
      message.late ? h("p.warning.late", t("detail.late"), " ", bdi(message.late)) : null,
      message.invisible_characters ? h("p.warning.invisible", t("invisible.flag")) : null,
    );
  }

  function drawActions(message) {
    const role = app.session.role;
    const buttons = [];
    if (message.direction === "in" && message.state !== "acknowledged" && ACKNOWLEDGING.has(role)) {
      const note = h("input", {
        type: "text",
        name: "note",
        maxlength: 500,
        dir: "auto",
        placeholder: t("detail.ack_note"),
        "aria-label": t("detail.ack_note"),
      });
      const button = h("button.primary.acknowledge", { type: "submit" }, t("detail.acknowledge"));
      buttons.push(
        h(
          "form.ack-form",
          {
            onsubmit: async (event) => {
              event.preventDefault();
              button.disabled = true;
              try {
                await api.acknowledge(message.id, note.value.trim());
                replace(notice, t("detail.acknowledged_now"));
                await Promise.all([load(), feed.refresh()]);
              } catch (error) {
                button.disabled = false;
                replace(notice, h("span.error", t("detail.ack_failed"), " ", bdi(error.message)));
              }
            },
          },
          note,
          button,
        ),
      );
    }
    if (SENDING.has(role)) {
      buttons.push(
        h("a.button.reply", { href: `#/compose?reply=${encodeURIComponent(message.id)}` }, t("detail.reply")),
      );
    }
    buttons.push(h("a.button.print", { href: `#/print/${encodeURIComponent(message.id)}` }, t("detail.print")));
    replace(actions, buttons);
  }

  function drawReferences(message) {
    const refs = message.references || [];
    replace(
      references,
      h("h2", t("detail.references")),
      refs.length
        ? h(
            "ul",
            refs.map((ref) =>
              h(
                "li",
                t(`relation.${ref.relation}`),
                ": ",
                ref.known
                  ? h("a", { href: `#/message/${ref.id}` }, h("code", { dir: "ltr" }, ref.id))
                  : h("code", { dir: "ltr" }, ref.id),
                ref.known ? null : [" ", h("span.muted", t("detail.reference_unknown"))],
              ),
            ),
          )
        : h("p.muted", t("detail.no_references")),
    );
  }

  function drawTranslations(message) {
    const items = message.translations || [];
    const parts = [h("h2", t("detail.translations"))];
    if (items.length) {
      parts.push(
        h(
          "ul.translation-list",
          items.map((item) =>
            h(
              "li",
              { lang: item.lang },
              h(
                "div.muted",
                t("detail.certified_by", { language: t(`language.${item.lang}`), name: item.translator }),
                " · ",
                dateTime(item.at),
              ),
              h("pre.rendered", { dir: item.lang === "ar" ? "rtl" : "ltr", lang: item.lang }, item.text),
            ),
          ),
        ),
      );
    } else {
      parts.push(h("p.muted", t("detail.no_translations")));
    }
    if (app.session.role === "translator") parts.push(translationForm(message));
    replace(translations, parts);
  }

  function translationForm(message) {
    const language = h(
      "select",
      { name: "lang" },
      LANGUAGES.map((code) =>
        h("option", { value: code, selected: code === app.session.station.language }, t(`language.${code}`)),
      ),
    );
    const text = h("textarea", { name: "text", rows: 6, dir: "auto", required: true });
    const status = h("p", { role: "status" });
    return h(
      "form.translate-form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await api.translate(message.id, language.value, text.value.trim());
            text.value = "";
            replace(status, t("detail.translation_saved"));
            await load();
          } catch (error) {
            replace(status, h("span.error", t("detail.translation_failed"), " ", bdi(error.message)));
          }
        },
      },
      h("h3", t("detail.attach_translation")),
      h("label", t("detail.translation_language"), " ", language),
      h("label", t("detail.translation_text"), text),
      h("button", { type: "submit" }, t("detail.attach_translation")),
      status,
    );
  }

  function drawWhereabouts(message) {
    replace(
      whereabouts,
      (message.whereabouts || []).map((item) =>
        h(
          "li",
          { dataset: { path: item.path } },
          h("strong", t("map.whereabouts")),
          " ",
          h("span.where-text", bdi(item.text)),
        ),
      ),
    );
  }

  function drawMap(message) {
    drawWhereabouts(message);
    const shapes = geometriesOf(message.body || {});
    mapSection.hidden = shapes.length === 0;
    if (!shapes.length || map) return;
    map = createMap(mapBox, { parties: [app.session.station.party, message.peer] });
    map.whenBordersLoaded().then(() => {
      if (!closed)
        showShapes(
          map,
          shapes.map((shape) => ({ geometry: shape.geometry, className: `shape kind-${message.kind}` })),
        );
    });
  }

  /** Free text in a language this console does not use: say so, show what was asked, and ask the
   * sender for a certified translation in one click (a translation-request, tracked like any). */
  function drawLanguageHelp(message) {
    const foreign = message.text_lang && message.text_lang !== lang();
    language.hidden = !foreign;
    if (!foreign) return;
    const mine = lang();
    const requests = message.translation_requests || [];
    const parts = [
      h(
        "p.warning.foreign-text",
        t("detail.foreign_text", { language: t(`language.${message.text_lang}`), reader: t(`language.${mine}`) }),
      ),
    ];
    for (const request of requests) {
      parts.push(
        h(
          "p.translation-request",
          { dataset: { id: request.id, state: request.state } },
          t("detail.translation_requested", { language: t(`language.${request.into}`), time: dateTime(request.at) }),
          " · ",
          request.acknowledged_at
            ? [
                t("detail.translation_request_seen"),
                " ",
                bdi(request.acknowledged_by || ""),
                " · ",
                dateTime(request.acknowledged_at),
              ]
            : t(`state.${request.state}`),
          request.answer
            ? [
                " · ",
                h("a.translation-answer", { href: `#/message/${request.answer}` }, t("detail.translation_answered")),
              ]
            : null,
        ),
      );
    }
    const asked = requests.some((request) => request.into === mine);
    if (message.direction === "in" && SENDING.has(app.session.role) && !asked) {
      const button = h(
        "button.request-translation",
        {
          type: "button",
          onclick: async () => {
            button.disabled = true;
            try {
              await api.send({
                to: message.peer,
                kind: "translation-request",
                precedence: message.precedence,
                body: { lang: mine, message: message.id, into: mine },
              });
              replace(notice, t("detail.translation_request_sent", { party: message.peer }));
              await Promise.all([load(), feed.refresh()]);
            } catch (error) {
              button.disabled = false;
              replace(notice, h("span.error", t("detail.translation_request_failed"), " ", bdi(error.message)));
            }
          },
        },
        t("detail.request_translation", { party: message.peer, language: t(`language.${mine}`) }),
      );
      parts.push(button);
    }
    replace(language, parts);
  }

  async function load() {
    let message;
    try {
      message = await api.message(id);
    } catch (error) {
      if (closed) return;
      replace(
        head,
        h("h1", t("detail.title")),
        h("p.error", error instanceof ApiError && error.status === 404 ? t("detail.not_found") : bdi(error.message)),
      );
      return;
    }
    if (closed) return;
    drawHead(message);
    if (shownState !== message.state) {
      shownState = message.state;
      drawActions(message);
    }
    drawLanguageHelp(message);
    replace(texts, renderingPair(message));
    drawReferences(message);
    const translationsNow = JSON.stringify(message.translations || []);
    if (translationsNow !== shownTranslations) {
      shownTranslations = translationsNow;
      drawTranslations(message);
    }
    replace(history, h("h2", t("detail.history")), historyTable(message));
    drawRecipients(message);
    drawMap(message);
  }

  load();
  let first = true;
  const unsubscribe = feed.subscribe(() => {
    if (first) {
      first = false;
      return;
    }
    load();
  });
  return () => {
    closed = true;
    unsubscribe();
    if (map) map.remove();
  };
}
