// Telling the duty officer something arrived: a tone for FLASH and IMMEDIATE made with the Web
// Audio API (no sound file), which the operator may mute, and a desktop notification when the
// browser permits one.

import * as prefs from "./prefs.js";

let audio = null;

/** Browsers allow sound only after a gesture: call from a click or key handler. */
export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

export function muted() {
  return Boolean(prefs.get("muted", false));
}

export function setMuted(value) {
  prefs.set("muted", Boolean(value));
}

// FLASH: three high, hard tones, twice; IMMEDIATE: two softer ones.
const PATTERNS = {
  flash: { tones: [1320, 990, 1320, 990, 1320, 990], length: 0.16, gap: 0.06, wave: "square", gain: 0.25 },
  immediate: { tones: [880, 660], length: 0.2, gap: 0.1, wave: "sine", gain: 0.2 },
};

export function sound(precedence) {
  const pattern = PATTERNS[precedence];
  if (!pattern || muted() || !audio) return false;
  let at = audio.currentTime + 0.02;
  for (const frequency of pattern.tones) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = pattern.wave;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(pattern.gain, at + 0.01);
    gain.gain.setValueAtTime(pattern.gain, at + pattern.length - 0.02);
    gain.gain.linearRampToValueAtTime(0, at + pattern.length);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + pattern.length);
    at += pattern.length + pattern.gap;
  }
  return true;
}

export function notificationsSupported() {
  return "Notification" in window;
}

export function notificationPermission() {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

export async function askNotificationPermission() {
  if (!notificationsSupported()) return "unsupported";
  return Notification.requestPermission();
}

export function notify(title, body, tag, onclick) {
  if (notificationPermission() !== "granted") return null;
  try {
    const note = new Notification(title, { body, tag, requireInteraction: false });
    note.onclick = () => {
      window.focus();
      if (onclick) onclick();
      note.close();
    };
    return note;
  } catch {
    return null;
  }
}
