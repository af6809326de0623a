// A notification as the station rendered it for one reader: its text, in its own direction.

import { h } from "./dom.js";
import { t } from "./i18n.js";

export function renderingPanel(rendering, heading) {
  if (!rendering) return null;
  return h(
    "section.rendering",
    { lang: rendering.lang, dataset: { lang: rendering.lang } },
    h("h2", heading),
    h("pre.rendered", { dir: rendering.direction, lang: rendering.lang }, rendering.text),
  );
}

/** The reader's rendering beside the sender's original (one panel when they are the same language). */
export function renderingPair(message) {
  const reader = message.rendered;
  const original = message.original && message.original.lang !== reader?.lang ? message.original : null;
  return h(
    "div.renderings",
    renderingPanel(
      reader,
      original ? t("detail.in_your_language", { language: t(`language.${reader.lang}`) }) : t("detail.as_sent"),
    ),
    original ? renderingPanel(original, t("detail.original", { language: t(`language.${original.lang}`) })) : null,
  );
}
