// The station's JSON API (/api/v1/…, see docs/api.md): every request the console makes goes
// through here, to its own origin, with the session's CSRF token on every state-changing request.

import { lang } from "./i18n.js";

const BASE = "/api/v1";
let csrf = null;
let onUnauthorised = () => {};

export class ApiError extends Error {
  constructor(status, data) {
    super((data && data.error) || `HTTP ${status}`);
    this.status = status;
    this.data = data || {};
    this.problems = Array.isArray(this.data.problems) ? this.data.problems : [];
  }
}

export function setCsrf(token) {
  csrf = token;
}

/** Called when the station says the session is gone (401), to show the login page again. */
export function whenUnauthorised(callback) {
  onUnauthorised = callback;
}

async function request(method, path, { body, query, quiet401 = false } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined && item !== "") url.searchParams.append(key, item);
    }
  }
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  let data = null;
  if ((response.headers.get("content-type") || "").includes("application/json")) {
    data = await response.json();
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) onUnauthorised();
    throw new ApiError(response.status, data);
  }
  return data;
}

const withLang = (query = {}) => ({ lang: lang(), ...query });

export const api = {
  login: (name, password, code) =>
    request("POST", "/login", { body: { name, password, ...(code ? { code } : {}) }, quiet401: true }),
  logout: () => request("POST", "/logout"),
  session: () => request("GET", "/session", { quiet401: true }),
  stationName: () => request("GET", "/station", { quiet401: true }),
  changePassword: (current, next) => request("POST", "/password", { body: { current, new: next } }),
  totpSetup: (proof) => request("POST", "/totp/setup", { body: proof }),
  totpRemove: (proof) => request("POST", "/totp/remove", { body: proof }),
  totpConfirm: (code) => request("POST", "/totp/confirm", { body: { code } }),
  messages: (query) => request("GET", "/messages", { query: withLang(query) }),
  message: (id) => request("GET", `/messages/${encodeURIComponent(id)}`, { query: withLang() }),
  send: (message) => request("POST", "/messages", { body: message, query: withLang() }),
  preview: (message) => request("POST", "/messages/preview", { body: message, query: withLang() }),
  acknowledge: (id, note) => request("POST", `/messages/${encodeURIComponent(id)}/ack`, { body: note ? { note } : {} }),
  translate: (id, language, text) =>
    request("POST", `/messages/${encodeURIComponent(id)}/translation`, { body: { lang: language, text } }),
  status: () => request("GET", "/status", { query: withLang() }),
  line: () => request("GET", "/line", { query: withLang() }),
  alarms: (query) => request("GET", "/alarms", { query: withLang(query) }),
  silenceAlarm: (id) => request("POST", `/alarms/${encodeURIComponent(id)}/silence`, { body: {} }),
  map: (query) => request("GET", "/map", { query: withLang(query) }),
  kinds: () => request("GET", "/kinds", { query: withLang() }),
  kindSchema: (kind) => request("GET", `/kinds/${encodeURIComponent(kind)}/schema`, { query: withLang() }),
  operators: () => request("GET", "/operators"),
  addOperator: (name, role) => request("POST", "/operators", { body: { name, role } }),
  disableOperator: (name) => request("POST", `/operators/${encodeURIComponent(name)}/disable`),
};

/** Where the bundled country borders (TopoJSON) are served: the maps' base layer. */
export const BORDERS_URL = `${BASE}/map/borders`;

/** Where the bundled place names are served: the maps' labels. */
export const PLACES_URL = `${BASE}/map/places`;
export const EVENTS_URL = `${BASE}/events`;
