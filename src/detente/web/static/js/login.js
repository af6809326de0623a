// Logging in: name and password, then the one-time code when the account has a second factor.

import { ApiError, api } from "./api.js";
import { bdi, h, replace } from "./dom.js";
import { t, tParts } from "./i18n.js";

export function loginView(container, { controls, onLoggedIn, reason = null, typed = {} }) {
  const name = h("input", {
    type: "text",
    name: "name",
    id: "login-name",
    autocomplete: "username",
    required: true,
    dir: "auto",
    value: typed.name || "",
  });
  const password = h("input", {
    type: "password",
    name: "password",
    id: "login-password",
    autocomplete: "current-password",
    required: true,
    value: typed.password || "",
  });
  const code = h("input", {
    type: "text",
    name: "code",
    id: "login-code",
    autocomplete: "one-time-code",
    inputmode: "numeric",
    pattern: "[0-9]{6}",
    maxlength: 6,
    dir: "ltr",
  });
  const codeRow = h(
    "div.field.code-row",
    { hidden: true },
    h("label", { for: "login-code" }, t("login.code")),
    code,
    h("p.hint", t("login.code_hint")),
  );
  const message = h("p.login-message", { role: "alert" }, reason ? t(reason) : null);
  const submit = h("button.primary", { type: "submit" }, t("login.submit"));
  const showCode = h("button.link", { type: "button", onclick: () => reveal() }, t("login.have_code"));

  function reveal() {
    codeRow.hidden = false;
    showCode.hidden = true;
    code.focus();
  }

  const form = h(
    "form.login-form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        replace(message);
        try {
          const session = await api.login(name.value.trim(), password.value, code.value.trim() || null);
          onLoggedIn(session);
        } catch (error) {
          submit.disabled = false;
          if (error instanceof ApiError && error.data.code_required && !code.value) {
            reveal();
            replace(message, t("login.code_needed"));
          } else if (error instanceof ApiError && error.status === 429) {
            replace(message, t("login.throttled"));
          } else if (error instanceof ApiError && error.status === 401) {
            replace(message, t("login.refused"));
            code.value = "";
          } else {
            replace(message, t("login.failed"), " ", bdi(error.message));
          }
        }
      },
    },
    h("div.field", h("label", { for: "login-name" }, t("login.name")), name),
    h("div.field", h("label", { for: "login-password" }, t("login.password")), password),
    codeRow,
    message,
    h("div.actions", submit, showCode),
  );
  const station = h("p.login-station", { id: "login-station" });
  replace(
    container,
    h(
      "main.login-page",
      h("div.login-box", h("h1", "détente"), h("p.subtitle", t("login.title")), station, controls, form),
    ),
  );
  (name.value ? password : name).focus();
  api
    .stationName()
    .then((about) => replace(station, ...tParts("login.station", { name: bdi(about.name), party: bdi(about.party) })))
    .catch(() => replace(station));
}
