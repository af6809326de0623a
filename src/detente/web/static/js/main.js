// The operator console: logs the operator in, keeps the live feed and draws the page the
// address (#/watch, #/message/ID, #/compose, #/map, #/status, #/print, #/account) names.

import { accountView, forcedPasswordView } from "./account.js";
import { accountsView } from "./accounts.js";
import { alarmBanner } from "./alarmbanner.js";
import { alarmBar } from "./alarmbar.js";
import * as stationAlarms from "./alarms.js";
import * as alerts from "./alerts.js";
import { api, setCsrf, whenUnauthorised } from "./api.js";
import { languageSelect, notificationButton, soundButton, textSizeButtons, themeButton } from "./controls.js";
import { startTicking } from "./countdown.js";
import { composeView } from "./compose.js";
import { detailView } from "./detail.js";
import { bdi, h, replace } from "./dom.js";
import { escalationBanner } from "./escalation.js";
import * as events from "./events.js";
import * as feed from "./feed.js";
import { loadCatalogues, setLang, setZone, t } from "./i18n.js";
import { loginView } from "./login.js";
import { mapView } from "./mapview.js";
import * as prefs from "./prefs.js";
import { printMessageView, printRangeView } from "./print.js";
import { startShortcuts } from "./shortcuts.js";
import { statusView } from "./status.js";
import * as title from "./title.js";
import { watchView } from "./watch.js";

const SENDING = new Set(["operator", "supervisor"]);
const root = document.getElementById("app");

const app = {
  session: null,
  watchFilter: "all",
  kindsCache: null,
  navigate(hash) {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  kinds() {
    if (!this.kindsCache)
      this.kindsCache = api.kinds().catch((error) => ((this.kindsCache = null), Promise.reject(error)));
    return this.kindsCache;
  },
  schemas: new Map(),
  kindSchema(kind) {
    if (!this.schemas.has(kind)) {
      this.schemas.set(
        kind,
        api.kindSchema(kind).catch((error) => (this.schemas.delete(kind), Promise.reject(error))),
      );
    }
    return this.schemas.get(kind);
  },
  flash(text) {
    flashText = text;
  },
};

let view = null; // the open view's clean-up
let main = null;
let flashText = null;
let linkBox = null;
let offConnection = () => {};
let loginReason = null;
let closeAlarms = () => {};
let stopShortcuts = () => {};

const ROUTES = [
  [/^#\/message\/([^/?]+)$/, (m) => [detailView, { id: decodeURIComponent(m[1]) }]],
  [/^#\/compose$/, () => [composeView, {}]],
  [/^#\/map$/, () => [mapView, {}]],
  [/^#\/status$/, () => [statusView, {}]],
  [/^#\/print\/([^/?]+)$/, (m) => [printMessageView, { id: decodeURIComponent(m[1]) }]],
  [/^#\/print$/, () => [printRangeView, {}]],
  [/^#\/account$/, () => [accountView, {}]],
  [/^#\/accounts$/, () => [accountsView, {}]],
  [/^#\/watch$/, () => [watchView, {}]],
];

function route() {
  if (!app.session || !main) return;
  const [path, search = ""] = (window.location.hash || "#/watch").split("?");
  const found = ROUTES.map(([pattern, make]) => [pattern.exec(path), make]).find(([match]) => match);
  const [render, params] = found ? found[1](found[0]) : [watchView, {}];
  if (view) view();
  view = null;
  const container = h("div.view-container");
  replace(main, flashText ? h("p.flash", { role: "status" }, flashText) : null, container);
  flashText = null;
  view = render(container, app, { ...params, query: new URLSearchParams(search) }) || null;
  const current = path.split("/")[1] || "watch";
  for (const link of document.querySelectorAll("nav.main-nav a")) {
    link.toggleAttribute("aria-current", link.dataset.view === current);
  }
  document.body.dataset.view = current;
}

function changeLanguage(language) {
  prefs.set("lang", language);
  setLang(language);
  app.kindsCache = null;
  app.schemas.clear();
  if (!app.session) {
    showLogin(loginReason);
  } else if (app.session.must_change) {
    loggedIn(app.session);
  } else {
    shell();
    feed.refresh();
    stationAlarms.refresh();
  }
}

/** The login page; what is already typed stays when it is drawn again in another language. */
function showLogin(reason = null) {
  loginReason = reason;
  const typed = {
    name: document.getElementById("login-name")?.value,
    password: document.getElementById("login-password")?.value,
  };
  loginView(root, { controls: controls(), reason, typed, onLoggedIn: loggedIn });
}

function controls() {
  return h("div.controls", languageSelect(changeLanguage), textSizeButtons(), themeButton());
}

async function updateLinks() {
  if (!linkBox) return;
  try {
    const status = await api.status();
    replace(
      linkBox,
      (status.peers || []).map((peer) => {
        // The line-down alarm is raised before the link gives up: the pill says down as soon as it is.
        const down = stationAlarms.active().some((a) => a.kind === "line-down" && a.party === peer.party);
        const link = down ? "DOWN" : peer.link;
        const roster = peer.watch?.peer_on_watch;
        return [
          h(
            `a.badge.link.link-${String(link).toLowerCase()}`,
            { href: "#/status", dataset: { party: peer.party, link }, title: t(`link.${link}`) },
            bdi(peer.party, "ltr"),
            " ",
            t(`link.${link}`),
          ),
          roster && roster.on_watch.length === 0
            ? h(
                "a.badge.link.link-down.nobody-on-watch",
                { href: "#/status", dataset: { party: peer.party } },
                t("roster.nobody_badge", { party: peer.party }),
              )
            : null,
        ];
      }),
    );
  } catch {
    /* shown again on the next event */
  }
}

function shell() {
  const session = app.session;
  const live = h("span.live", { id: "live" });
  offConnection();
  offConnection = events.onConnection((connected) => {
    live.classList.toggle("connected", connected);
    live.textContent = connected ? t("shell.live") : t("shell.reconnecting");
  });
  const nav = [
    ["watch", "#/watch"],
    ...(SENDING.has(session.role) ? [["compose", "#/compose"]] : []),
    ["map", "#/map"],
    ["status", "#/status"],
    ["print", "#/print"],
    ...(session.role === "admin" ? [["accounts", "#/accounts"]] : []),
    ["account", "#/account"],
  ];
  linkBox = h("span.links", { "aria-label": t("shell.line") });
  main = h("main#view");
  closeAlarms();
  const alarms = alarmBar();
  const escalations = escalationBanner();
  const banner = alarmBanner({ inner: escalations.element });
  closeAlarms = () => {
    alarms.close();
    escalations.close();
    banner.close();
  };
  replace(
    root,
    h(
      "div.sticky-head",
      h(
        "header.topbar",
        h(
          "div.brand",
          h("strong", "détente"),
          " ",
          bdi(session.station.name),
          " ",
          h("span.party", bdi(session.station.party, "ltr")),
        ),
        h(
          "nav.main-nav",
          nav.map(([name, href]) => h("a", { href, dataset: { view: name } }, t(`nav.${name}`))),
        ),
        h("div.status-strip", linkBox, live),
        h(
          "div.controls",
          languageSelect(changeLanguage),
          textSizeButtons(),
          themeButton(),
          soundButton(),
          notificationButton(),
          h("span.operator", bdi(session.operator), " · ", t(`role.${session.role}`)),
          h("button.small.logout", { type: "button", id: "logout", onclick: logout }, t("shell.logout")),
        ),
      ),
      banner.element,
      alarms.element,
    ),
    main,
  );
  updateLinks();
  route();
}

async function logout() {
  try {
    await api.logout();
  } catch {
    /* the session may be gone already */
  }
  stop();
  start("login.logged_out");
}

function stop() {
  events.stop();
  feed.reset();
  if (view) view();
  view = null;
  app.session = null;
  app.kindsCache = null;
  app.schemas.clear();
  prefs.setOperator(null);
  main = null;
  linkBox = null;
  offConnection();
  closeAlarms();
  stopShortcuts();
  stopShortcuts = () => {};
  stationAlarms.stop();
  title.reset();
  setCsrf(null);
}

function loggedIn(session) {
  app.session = session;
  setCsrf(session.csrf);
  if (session.must_change) {
    forcedPasswordView(root, app, {
      controls: controls(),
      onChanged: async () => loggedIn(await api.session()),
    });
    return;
  }
  prefs.setOperator(session.operator);
  setZone(session.station.time_zone);
  const stationLanguage = session.station.language;
  const chosen = prefs.get("lang", null);
  if (prefs.LANGUAGES.includes(chosen)) setLang(chosen);
  else if (prefs.LANGUAGES.includes(stationLanguage)) setLang(stationLanguage);
  prefs.applyTextSize(prefs.textSize());
  prefs.applyTheme(prefs.theme());
  shell();
  stopShortcuts();
  stopShortcuts = startShortcuts(app);
  events.start();
  feed.start({ open: (id) => app.navigate(`#/message/${id}`) });
  stationAlarms.start();
}

async function start(reason = null) {
  try {
    const session = await api.session();
    loggedIn(session);
  } catch {
    showLogin(reason);
  }
}

async function boot() {
  prefs.applyTextSize(prefs.textSize());
  prefs.applyTheme(prefs.theme());
  await loadCatalogues(prefs.LANGUAGES);
  setLang(prefs.language(null));
  whenUnauthorised(() => {
    if (!app.session) return;
    stop();
    start("login.expired");
  });
  for (const type of ["click", "keydown"])
    document.addEventListener(type, () => alerts.unlockAudio(), { capture: true });
  window.addEventListener("hashchange", route);
  startTicking();
  updateLinksEvery();
  await start();
}

function updateLinksEvery() {
  events.onUpdate((event) => {
    if (event.type === "link" || event.type === "refresh") updateLinks();
  });
  let downs = "";
  stationAlarms.subscribe((list) => {
    const now = JSON.stringify(list.filter((a) => a.kind === "line-down" && !a.ended).map((a) => a.party));
    if (now !== downs) updateLinks();
    downs = now;
  });
  setInterval(updateLinks, 10000);
}

boot().catch((error) => {
  replace(root, h("p.error", "détente: ", String(error)));
});
