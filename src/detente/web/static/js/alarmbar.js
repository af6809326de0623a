// What no duty officer may miss, on every page: the FLASH and IMMEDIATE messages still waiting
// for this station's acknowledgement, in a red strip under the bar, and their count in the
// window's title (seen even when the console is in a background tab).

import { precedenceBadge } from "./badges.js";
import { bdi, h, replace } from "./dom.js";
import * as feed from "./feed.js";
import { t } from "./i18n.js";
import { truncateWords } from "./text.js";
import * as title from "./title.js";

const URGENT = new Set(["flash", "immediate"]);

export function alarmBar() {
  const bar = h("div.alarm-bar", { role: "alert", hidden: true });
  const unsubscribe = feed.subscribe((messages) => {
    const waiting = messages.filter((m) => m.needs_acknowledgement && m.state !== "acknowledged");
    const urgent = waiting.filter((m) => URGENT.has(m.precedence));
    title.setWaiting(waiting.length);
    bar.hidden = urgent.length === 0;
    bar.classList.toggle(
      "has-flash",
      urgent.some((m) => m.precedence === "flash"),
    );
    replace(
      bar,
      h("strong", t("alarm.waiting", { count: urgent.length })),
      urgent
        .slice(0, 5)
        .map((m) =>
          h(
            "a.alarm-item",
            { href: `#/message/${m.id}`, dataset: { id: m.id } },
            precedenceBadge(m.precedence),
            " ",
            m.title,
            " · ",
            m.invisible_characters ? h("span.invisible-mark", { title: t("invisible.flag") }, "⚠ ") : null,
            bdi(truncateWords(m.summary, 60)),
          ),
        ),
    );
  });
  return { element: bar, close: unsubscribe };
}
