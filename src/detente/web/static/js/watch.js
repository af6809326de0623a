// The watch: every message in and out, newest first, live. FLASH rows are red; messages waiting
// for a person's acknowledgement count down to their deadline; those whose louder alarm is raised
// (half the deadline gone, or all of it: escalation.js) are marked so that none can be missed.
// The operator can search (text, kind, party, time) and put the most urgent first.

import { filterMessages, searchMessages, sortMessages } from "./watchfilters.js";
import { directionMark, precedenceBadge, stateBadge } from "./badges.js";
import { countdown } from "./countdown.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { dateTime, dir, lang, t } from "./i18n.js";

export function watchView(container, app) {
  let filter = app.watchFilter || "all";
  let query = app.watchQuery || "";
  let order = app.watchOrder || "newest";
  const search = h("input#watch-search", {
    type: "search",
    value: query,
    placeholder: t("watch.search_placeholder"),
    "aria-label": t("watch.search"),
    "aria-keyshortcuts": "/",
    oninput: (event) => {
      query = event.target.value;
      app.watchQuery = query;
      draw(feed.list());
    },
  });
  const sort = h(
    "select#watch-order",
    {
      "aria-label": t("watch.order"),
      onchange: (event) => {
        order = event.target.value;
        app.watchOrder = order;
        draw(feed.list());
      },
    },
    ["newest", "urgent"].map((name) => h("option", { value: name, selected: name === order }, t(`watch.order.${name}`))),
  );
  const counts = h("p.counts", { "aria-live": "polite" });
  const body = h("tbody");
  const empty = h("p.empty", { hidden: true }, t("watch.empty"));
  const buttons = ["all", "in", "out", "awaiting"].map((name) =>
    h(
      "button.filter",
      {
        type: "button",
        "aria-pressed": String(name === filter),
        dataset: { filter: name },
        onclick: () => {
          filter = name;
          app.watchFilter = name;
          for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.filter === name));
          draw(feed.list());
        },
      },
      t(`watch.filter.${name}`),
    ),
  );
  const table = h(
    "table.watch",
    h(
      "thead",
      h(
        "tr",
        ["precedence", "direction", "kind", "summary", "time", "state", "deadline"].map((column) =>
          h("th", { scope: "col" }, t(`watch.column.${column}`)),
        ),
      ),
    ),
    body,
  );
  replace(
    container,
    h(
      "section.view.watch-view",
      h("div.view-head", h("h1", t("watch.title")), h("div.filters", { role: "group" }, buttons), counts),
      h(
        "div.watch-tools",
        h("label.search", h("span.visually-hidden", t("watch.search")), search),
        h("label", t("watch.order"), " ", sort),
        h("span.hint", t("shortcuts.hint")),
      ),
      h("div.table-scroll", table),
      empty,
    ),
  );

  function row(message) {
    const awaiting = message.due_at !== null && message.state !== "acknowledged";
    const open = () => app.navigate(`#/message/${message.id}`);
    return h(
      `tr.message.prec-${message.precedence}.dir-${message.direction}.state-${message.state}`,
      {
        dataset: {
          id: message.id,
          kind: message.kind,
          precedence: message.precedence,
          state: message.state,
          ...(message.alarm ? { alarm: message.alarm } : {}),
        },
        class:
          [
            awaiting && message.needs_acknowledgement ? "awaiting-us" : null,
            message.alarm ? `alarm-${message.alarm}` : null,
          ]
            .filter(Boolean)
            .join(" ") || null,
        tabindex: 0,
        onclick: open,
        onkeydown: (event) => {
          if (event.key === "Enter") open();
        },
      },
      h("td.prec-cell", precedenceBadge(message.precedence)),
      h("td", directionMark(message)),
      h("td.kind", message.title, message.late_notice ? h("span.badge.late", t("message.late_badge")) : null),
      h(
        "td.summary",
        message.invisible_characters
          ? h("span.badge.invisible", { title: t("invisible.flag") }, t("invisible.badge"))
          : null,
        // Free text keeps its own direction (an Arabic sentence starting with a Latin name is still
        // right to left), isolated from the row around it.
        message.text_lang
          ? h("bdi", { dir: dir(message.text_lang), lang: message.text_lang }, message.summary || "")
          : bdi(message.summary || ""),
        message.text_lang && message.text_lang !== lang()
          ? h(
              "span.foreign-language",
              { title: t("watch.foreign_hint") },
              t("watch.foreign", { language: t(`language.${message.text_lang}`) }),
            )
          : null,
      ),
      h("td.time", dateTime(message.created_at)),
      h("td", stateBadge(message.state)),
      h(
        "td.deadline",
        awaiting
          ? h(
              "span",
              message.needs_acknowledgement ? t("watch.ours") : t("watch.theirs"),
              " ",
              countdown(message.due_at),
            )
          : null,
        message.acknowledged_by ? h("span.acked", "✓ ", bdi(message.acknowledged_by)) : null,
      ),
    );
  }

  function draw(messages) {
    const shown = sortMessages(searchMessages(filterMessages(messages, filter), query), order);
    replace(body, shown.map(row));
    empty.hidden = shown.length > 0;
    replace(empty, query.trim() && messages.length > 0 ? t("watch.no_match") : t("watch.empty"));
    const waiting = messages.filter((m) => m.needs_acknowledgement && m.state !== "acknowledged").length;
    replace(counts, t("watch.counts", { count: messages.length, shown: shown.length, total: messages.length, waiting }));
  }

  const unsubscribe = feed.subscribe(draw);
  return () => unsubscribe();
}
