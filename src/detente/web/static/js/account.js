// The operator's own account: a new password (required after the one-time password), and the
// second factor (TOTP): enrolling, replacing or removing it takes the password (and a current
// code when one is enrolled), so that a session left open is not enough.

import { ApiError, api } from "./api.js";
import { bdi, h, replace } from "./dom.js";
import { t } from "./i18n.js";

function passwordForm(app, { forced, onChanged }) {
  const current = h("input", {
    type: "password",
    id: "pw-current",
    name: "current",
    autocomplete: "current-password",
    required: true,
  });
  const next = h("input", {
    type: "password",
    id: "pw-new",
    name: "new",
    autocomplete: "new-password",
    minlength: 12,
    required: true,
  });
  const again = h("input", {
    type: "password",
    id: "pw-again",
    name: "again",
    autocomplete: "new-password",
    minlength: 12,
    required: true,
  });
  const status = h("p", { role: "alert" });
  return h(
    "form.password-form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        if (next.value !== again.value) return replace(status, h("span.error", t("account.mismatch")));
        if (next.value.length < 12) return replace(status, h("span.error", t("account.too_short")));
        try {
          await api.changePassword(current.value, next.value);
          replace(status, h("span.ok", t("account.changed")));
          current.value = next.value = again.value = "";
          onChanged();
        } catch (error) {
          if (error instanceof ApiError && error.status === 429) {
            replace(status, h("span.error", t("account.throttled")));
            return;
          }
          const key =
            error instanceof ApiError && error.status === 403 && !error.data.must_change
              ? "account.wrong_current"
              : "account.failed";
          replace(status, h("span.error", t(key), " ", bdi(error.message)));
        }
      },
    },
    h("h2", t("account.password")),
    forced ? h("p.warning", t("account.must_change")) : null,
    h("div.field", h("label", { for: "pw-current" }, t(forced ? "account.one_time" : "account.current")), current),
    h("div.field", h("label", { for: "pw-new" }, t("account.new")), next, h("p.hint", t("account.rule"))),
    h("div.field", h("label", { for: "pw-again" }, t("account.again")), again),
    h("button.primary", { type: "submit" }, t("account.change")),
    status,
  );
}

function totpSection(app) {
  const box = h("section.totp");
  const status = h("p", { role: "alert" });
  function refusal(error) {
    if (error instanceof ApiError && error.status === 429) return t("account.throttled");
    if (error instanceof ApiError && error.status === 403) return t("account.totp_refused");
    return [t("account.failed"), " ", bdi(error.message)];
  }
  function start() {
    const enrolled = app.session.second_factor;
    const password = h("input", {
      type: "password",
      id: "totp-password",
      autocomplete: "current-password",
      required: true,
    });
    const current = h("input", {
      type: "text",
      id: "totp-current",
      inputmode: "numeric",
      maxlength: 6,
      dir: "ltr",
      autocomplete: "one-time-code",
    });
    const proof = () => ({ password: password.value, ...(enrolled ? { code: current.value.trim() } : {}) });
    replace(
      box,
      h("h2", t("account.totp")),
      h("p", enrolled ? t("account.totp_on") : t("account.totp_off")),
      h("div.field", h("label", { for: "totp-password" }, t("account.totp_password")), password),
      enrolled
        ? h("div.field", h("label", { for: "totp-current" }, t("account.totp_current_code")), current)
        : null,
      h(
        "button.setup",
        {
          type: "button",
          onclick: async () => {
            try {
              const setup = await api.totpSetup(proof());
              replace(status);
              enrol(setup);
            } catch (error) {
              replace(status, h("span.error", refusal(error)));
            }
          },
        },
        enrolled ? t("account.totp_replace") : t("account.totp_setup"),
      ),
      enrolled
        ? h(
            "button.remove",
            {
              type: "button",
              onclick: async () => {
                try {
                  await api.totpRemove(proof());
                  app.session.second_factor = false;
                  start();
                  replace(status, h("span.ok", t("account.totp_removed")));
                } catch (error) {
                  replace(status, h("span.error", refusal(error)));
                }
              },
            },
            t("account.totp_remove"),
          )
        : null,
      status,
    );
  }
  function enrol(setup) {
    const code = h("input", {
      type: "text",
      id: "totp-code",
      inputmode: "numeric",
      maxlength: 6,
      dir: "ltr",
      autocomplete: "one-time-code",
    });
    replace(
      box,
      h("h2", t("account.totp")),
      h("p", t("account.totp_scan")),
      h("p.secret", h("code", { dir: "ltr" }, setup.secret.replace(/(.{4})/g, "$1 ").trim())),
      h("p.muted", h("code.uri", { dir: "ltr" }, setup.uri)),
      h(
        "form",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api.totpConfirm(code.value.trim());
              app.session.second_factor = true;
              start();
              replace(status, h("span.ok", t("account.totp_done")));
            } catch (error) {
              replace(status, h("span.error", t("account.totp_wrong")));
            }
          },
        },
        h("label", { for: "totp-code" }, t("login.code")),
        code,
        h("button.primary", { type: "submit" }, t("account.totp_confirm")),
      ),
      status,
    );
  }
  start();
  return box;
}

export function accountView(container, app) {
  replace(
    container,
    h(
      "section.view.account-view",
      h("h1", t("account.title")),
      h("p", bdi(app.session.operator), " · ", t(`role.${app.session.role}`)),
      passwordForm(app, { forced: false, onChanged: () => {} }),
      totpSection(app),
    ),
  );
}

/** The only page an operator with a one-time password sees until they choose their own. */
export function forcedPasswordView(container, app, { controls, onChanged }) {
  replace(
    container,
    h(
      "main.login-page",
      h(
        "div.login-box",
        h("h1", "détente"),
        h("p.subtitle", bdi(app.session.operator)),
        controls,
        passwordForm(app, { forced: true, onChanged }),
      ),
    ),
  );
}
