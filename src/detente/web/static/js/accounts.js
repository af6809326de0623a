// The station's operator accounts (administrators): who may log in with which role; a new
// account's one-time password is shown once, to be given in person.

import { ApiError, api } from "./api.js";
import { bdi, h, replace } from "./dom.js";
import { dateTime, t } from "./i18n.js";

const ROLES = ["operator", "supervisor", "translator", "auditor", "admin"];

export function accountsView(container, app) {
  const table = h("tbody");
  const status = h("div", { role: "status", "aria-live": "polite" });
  const name = h("input", { type: "text", id: "new-name", name: "name", maxlength: 64, required: true, dir: "auto" });
  const role = h(
    "select",
    { id: "new-role", name: "role" },
    ROLES.map((r) => h("option", { value: r }, t(`role.${r}`))),
  );
  replace(
    container,
    h(
      "section.view.accounts-view",
      h("h1", t("accounts.title")),
      h(
        "table.accounts",
        h(
          "thead",
          h(
            "tr",
            ["name", "role", "created", "second_factor", "state", ""].map((c) => h("th", c ? t(`accounts.${c}`) : "")),
          ),
        ),
        table,
      ),
      h(
        "form.add-account",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              const reply = await api.addOperator(name.value.trim(), role.value);
              replace(
                status,
                h("p.ok", t("accounts.added", { name: reply.operator.name })),
                h("p", t("accounts.one_time"), " ", h("code.secret", { dir: "ltr" }, reply.password)),
              );
              name.value = "";
              load();
            } catch (error) {
              const problems = error instanceof ApiError ? error.problems.map((p) => p.message) : [];
              replace(status, h("p.error", t("accounts.failed"), " ", bdi(problems.join("; ") || error.message)));
            }
          },
        },
        h("h2", t("accounts.add")),
        h("label", { for: "new-name" }, t("accounts.name")),
        name,
        h("label", { for: "new-role" }, t("accounts.role")),
        role,
        h("button.primary", { type: "submit" }, t("accounts.add")),
      ),
      status,
    ),
  );
  let closed = false;

  async function disable(account) {
    if (!window.confirm(t("accounts.confirm_disable", { name: account.name }))) return;
    try {
      await api.disableOperator(account.name);
      replace(status, h("p.ok", t("accounts.disabled_now", { name: account.name })));
    } catch (error) {
      replace(status, h("p.error", t("accounts.failed"), " ", bdi(error.message)));
    }
    load();
  }

  async function load() {
    let reply;
    try {
      reply = await api.operators();
    } catch (error) {
      replace(table, h("tr", h("td", { colspan: 6 }, h("span.error", bdi(error.message)))));
      return;
    }
    if (closed) return;
    replace(
      table,
      reply.operators.map((account) =>
        h(
          "tr",
          { dataset: { name: account.name } },
          h("td", bdi(account.name)),
          h("td", t(`role.${account.role}`)),
          h("td", dateTime(account.created_at)),
          h("td", account.second_factor ? t("accounts.yes") : t("accounts.no")),
          h(
            "td",
            account.disabled_at
              ? [t("accounts.disabled"), " ", dateTime(account.disabled_at)]
              : account.must_change
                ? t("accounts.must_change")
                : t("accounts.active"),
          ),
          h(
            "td",
            !account.disabled_at && account.name !== app.session.operator
              ? h("button.small", { type: "button", onclick: () => disable(account) }, t("accounts.disable"))
              : null,
          ),
        ),
      ),
    );
  }

  load();
  return () => {
    closed = true;
  };
}
