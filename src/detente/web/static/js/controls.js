// The operator's own settings, on every page: language, text size, night mode, sound, desktop
// notifications.

import * as alerts from "./alerts.js";
import { h } from "./dom.js";
import { lang, t } from "./i18n.js";
import * as prefs from "./prefs.js";

export function languageSelect(onChange) {
  return h(
    "label.language",
    h("span.visually-hidden", t("controls.language")),
    h(
      "select",
      { id: "language", "aria-label": t("controls.language"), onchange: (event) => onChange(event.target.value) },
      prefs.LANGUAGES.map((code) =>
        h("option", { value: code, lang: code, selected: code === lang() }, t(`language.native.${code}`)),
      ),
    ),
  );
}

export function textSizeButtons(onChange) {
  const step = (delta) => () => {
    const next = Math.min(prefs.TEXT_SIZES.length - 1, Math.max(0, prefs.textSize() + delta));
    prefs.set("textSize", next);
    prefs.applyTextSize(next);
    onChange?.(next);
  };
  return h(
    "span.text-size",
    { role: "group", "aria-label": t("controls.text_size") },
    h(
      "button.small",
      {
        type: "button",
        id: "text-smaller",
        title: t("controls.smaller"),
        "aria-label": t("controls.smaller"),
        onclick: step(-1),
      },
      "A−",
    ),
    h(
      "button.small",
      {
        type: "button",
        id: "text-larger",
        title: t("controls.larger"),
        "aria-label": t("controls.larger"),
        onclick: step(+1),
      },
      "A+",
    ),
  );
}

export function soundButton() {
  const button = h("button.small.sound", { type: "button", id: "sound" });
  const show = () => {
    const muted = alerts.muted();
    button.setAttribute("aria-pressed", String(muted));
    button.textContent = muted ? t("controls.sound_off") : t("controls.sound_on");
    button.title = muted ? t("controls.unmute") : t("controls.mute");
  };
  button.addEventListener("click", () => {
    alerts.setMuted(!alerts.muted());
    alerts.unlockAudio();
    show();
  });
  show();
  return button;
}

export function notificationButton() {
  if (alerts.notificationPermission() !== "default") return null;
  const button = h("button.small", { type: "button", id: "allow-notifications" }, t("controls.notifications"));
  button.addEventListener("click", async () => {
    await alerts.askNotificationPermission();
    button.remove();
  });
  return button;
}

export function themeButton() {
  const button = h("button.small.theme", { type: "button", id: "night-mode" });
  const show = () => {
    const night = prefs.theme() === "night";
    button.setAttribute("aria-pressed", String(night));
    button.textContent = t("controls.night");
    button.title = night ? t("controls.to_day") : t("controls.to_night");
  };
  button.addEventListener("click", () => {
    const next = prefs.theme() === "night" ? "day" : "night";
    prefs.set("theme", next);
    prefs.applyTheme(next);
    show();
  });
  show();
  return button;
}
