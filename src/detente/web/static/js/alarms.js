// The station's alarms (GET /api/v1/alarms, docs/api.md): every condition a duty officer must act
// on, active or recently ended, kept current from the station's `alarms` events (and fetched again
// now and then, in case an event was lost). The banner, the tab title and the line-status page
// read them from here; silencing goes to the station, which records who silenced what.

import { api } from "./api.js";
import * as events from "./events.js";
import { stationNow } from "./feed.js";
import { toDate } from "./i18n.js";

const POLL = 5000; // milliseconds between fetches when no event comes
const RELOAD_ON = new Set(["alarms", "alarm", "link", "refresh"]);

let alarms = [];
let loaded = false;
let timer = null;
let stopEvents = () => {};
const listeners = new Set();

/** Seconds since ``value`` (an alarm's ``since``), on the station's clock. */
export function age(value, until = null) {
  const start = toDate(value);
  if (!start) return 0;
  const end = toDate(until);
  return Math.max(0, (end ? end.getTime() / 1000 : stationNow()) - start.getTime() / 1000);
}

export function all() {
  return alarms;
}

export function active() {
  return alarms.filter((alarm) => !alarm.ended);
}

/** Ended no more than ``seconds`` ago, latest first. */
export function endedWithin(seconds) {
  return alarms
    .filter((alarm) => alarm.ended && age(alarm.ended) <= seconds)
    .sort((a, b) => String(b.ended).localeCompare(String(a.ended)));
}

/** Whether the first answer has come (before it, no alarm is known to be new). */
export function isLoaded() {
  return loaded;
}

export function subscribe(listener) {
  listeners.add(listener);
  listener(alarms);
  return () => listeners.delete(listener);
}

function publish() {
  for (const listener of listeners) listener(alarms);
}

function listOf(data) {
  if (Array.isArray(data)) return data;
  return Array.isArray(data?.alarms) ? data.alarms : [];
}

let pending = null;

/** Fetch the list again (one request at a time; a call while one runs waits for it). */
export function refresh() {
  if (pending) return pending;
  pending = api
    .alarms({ all: "true" })
    .then((data) => {
      alarms = listOf(data);
      loaded = true;
      publish();
    })
    .catch((error) => console.warn("the alarms could not be fetched", error))
    .finally(() => {
      pending = null;
    });
  return pending;
}

/** Silence one alarm at the station (its sound stops on every console; it stays shown). */
export async function silence(id) {
  await api.silenceAlarm(id);
  await refresh();
}

export function start() {
  stop();
  stopEvents = events.onUpdate((event) => {
    if (RELOAD_ON.has(event.type)) refresh();
  });
  timer = setInterval(refresh, POLL);
  return refresh();
}

export function stop() {
  stopEvents();
  stopEvents = () => {};
  clearInterval(timer);
  timer = null;
  alarms = [];
  loaded = false;
  publish();
}
