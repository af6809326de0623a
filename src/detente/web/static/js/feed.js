// The live message list the station holds, newest first, kept current from the station's events:
// a message that arrives, is delivered, acknowledged or escalated is fetched again on its own (the
// station renders one line, not the whole list), anything else reloads the list. New incoming
// messages sound (FLASH and IMMEDIATE) and raise a desktop notification.

import { api } from "./api.js";
import * as alerts from "./alerts.js";
import * as events from "./events.js";
import { t, toDate } from "./i18n.js";

let messages = [];
let offset = 0; // station clock − browser clock, in seconds
let known = null;
const listeners = new Set();
let onOpen = () => {};

export function list() {
  return messages;
}

/** The station's time now, in seconds (countdowns run on the station's clock). */
export function stationNow() {
  return Date.now() / 1000 + offset;
}

export function subscribe(listener) {
  listeners.add(listener);
  listener(messages);
  return () => listeners.delete(listener);
}

function arrived(message) {
  alerts.sound(message.precedence);
  const title = `${t(`precedence.${message.precedence}`)} · ${message.title} · ${message.peer}`;
  alerts.notify(title, message.summary || "", message.id, () => onOpen(message.id));
}

function publish() {
  for (const listener of listeners) listener(messages);
}

function noticeArrivals(lines) {
  if (known === null) return;
  for (const message of lines) {
    if (!known.has(message.id) && message.direction === "in") arrived(message);
  }
}

async function fetchAll() {
  const started = Date.now() / 1000;
  const data = await api.messages({ limit: 500 });
  const ended = Date.now() / 1000;
  const now = toDate(data.now);
  if (now) offset = now.getTime() / 1000 - (started + ended) / 2;
  messages = data.messages || [];
  noticeArrivals(messages);
  known = new Set(messages.map((message) => message.id));
  publish();
}

async function fetchOne(id) {
  // One message's line, not the whole list: the station renders only that one.
  const data = await api.messages({ id_prefix: id, limit: 1 });
  const line = (data.messages || []).find((message) => message.id === id);
  if (!line) return;
  noticeArrivals([line]);
  known?.add(line.id);
  const others = messages.filter((message) => message.id !== id);
  const at = others.findIndex((message) => message.created_at < line.created_at);
  others.splice(at < 0 ? others.length : at, 0, line);
  messages = others;
  publish();
}

// Updates are applied one after another, in the order the events came; a full reload that is
// already waiting absorbs the ones after it.
let queue = Promise.resolve();
let fullPending = false;

function enqueue(task) {
  queue = queue.then(task).catch((error) => console.warn("the message list could not be fetched", error));
  return queue;
}

/** Fetch the whole list again. */
export function refresh() {
  if (fullPending) return queue;
  fullPending = true;
  return enqueue(() => {
    fullPending = false;
    return fetchAll();
  });
}

/** Fetch one message's line again (it arrived, was delivered, acknowledged, translated). */
export function refreshOne(id) {
  if (fullPending) return queue;
  return enqueue(() => fetchOne(id));
}

const ONE_MESSAGE = new Set(["received", "message", "delivered", "acknowledged", "escalation"]);

let stopListening = () => {};

export function start({ open }) {
  onOpen = open;
  known = null;
  stopListening();
  stopListening = events.onUpdate((event) => {
    if (event.type === "link" || event.type === "alarm" || event.type === "alarms") return;
    if (ONE_MESSAGE.has(event.type) && typeof event.id === "string" && known !== null) refreshOne(event.id);
    else refresh();
  });
  return refresh();
}

export function reset() {
  stopListening();
  stopListening = () => {};
  messages = [];
  known = null;
}
