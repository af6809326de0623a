// Live updates: the station's Server-Sent Events (/api/v1/events). Every event makes the open
// views fetch again (the events say only that something changed); a lost stream reconnects.

import { EVENTS_URL } from "./api.js";

const listeners = new Set();
let source = null;
let connected = false;
const stateListeners = new Set();

function setConnected(value) {
  if (connected === value) return;
  connected = value;
  for (const listener of stateListeners) listener(value);
}

export function onUpdate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onConnection(listener) {
  stateListeners.add(listener);
  listener(connected);
  return () => stateListeners.delete(listener);
}

export function isConnected() {
  return connected;
}

export function start() {
  stop();
  source = new EventSource(EVENTS_URL);
  source.addEventListener("hello", () => {
    setConnected(true);
    // Anything may have changed while the stream was down.
    for (const listener of listeners) listener({ type: "refresh" });
  });
  source.addEventListener("update", (event) => {
    let data = {};
    try {
      data = JSON.parse(event.data);
    } catch {
      data = { type: "refresh" };
    }
    for (const listener of listeners) listener(data);
  });
  source.addEventListener("error", () => setConnected(false));
}

export function stop() {
  if (source) source.close();
  source = null;
  setConnected(false);
}
