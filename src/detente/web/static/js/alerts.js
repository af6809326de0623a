// Telling the duty officer something arrived: a tone for FLASH and IMMEDIATE made with the Web
// Audio API (no sound file), which the operator may mute, and a desktop notification when the
// browser permits one. And the louder alarm for a message nobody here has acknowledged by half
// its deadline (escalation.js): its own harsher tones, which that mute does not silence.

import * as prefs from "./prefs.js";

let audio = null;
const audioListeners = new Set();

function audioChanged() {
  for (const listener of audioListeners) listener(audioReady());
}

/** Browsers allow sound only after a gesture: call from a click or key handler. */
export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) {
    audio = new Context();
    audio.addEventListener("statechange", audioChanged);
    audioChanged();
  }
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

/** Whether the browser lets this page make a sound now (after the operator's first click or key). */
export function audioReady() {
  return audio !== null && audio.state === "running";
}

/** Call ``listener(ready)`` whenever that changes; returns the function that stops it. */
export function onAudioChange(listener) {
  audioListeners.add(listener);
  return () => audioListeners.delete(listener);
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

// The escalation alarm, louder and harsher than any arrival: at half-time a falling two-tone
// siren, four times; at the deadline the same, faster and higher, six times.
const ALARMS = {
  "half-time": {
    tones: [1568, 1046, 1568, 1046, 1568, 1046, 1568, 1046],
    length: 0.22,
    gap: 0.04,
    wave: "sawtooth",
    gain: 0.45,
  },
  overdue: {
    tones: [1976, 1318, 1976, 1318, 1976, 1318, 1976, 1318, 1976, 1318, 1976, 1318],
    length: 0.14,
    gap: 0.03,
    wave: "sawtooth",
    gain: 0.5,
  },
};

// The station's alarms (alarmbanner.js), each kind of trouble with a sound of its own, told apart
// without looking: the line down is a low, slow two-tone horn; a message not acknowledged (by the
// peer, or by us) a fast rising triple; any other critical alarm a mid buzz; a warning one chime.
const STATION_ALARMS = {
  "line-down": { tones: [392, 294, 392, 294, 392, 294], length: 0.42, gap: 0.08, wave: "square", gain: 0.35 },
  "not-acknowledged": {
    tones: [988, 1319, 1760, 988, 1319, 1760, 988, 1319, 1760],
    length: 0.1,
    gap: 0.03,
    wave: "triangle",
    gain: 0.5,
  },
  critical: { tones: [740, 740, 740, 740], length: 0.18, gap: 0.12, wave: "sawtooth", gain: 0.3 },
  warning: { tones: [660, 880], length: 0.25, gap: 0.05, wave: "sine", gain: 0.2 },
};

/** What the console asked to sound, in order (``{sound, at, played}``), for anyone who must check
 * that an alarm was sounded though the browser held the sound back (no click yet). */
window.detenteSounds = window.detenteSounds || [];

/** Sound the station alarm ``name`` (a key of STATION_ALARMS) once, muted or not. */
export function stationAlarm(name) {
  const pattern = STATION_ALARMS[name];
  if (!pattern) return false;
  const played = play(pattern);
  window.detenteSounds.push({ sound: name, at: Date.now(), played });
  return played;
}

export function sound(precedence) {
  const pattern = PATTERNS[precedence];
  if (!pattern || muted()) return false;
  return play(pattern);
}

/** Sound the escalation alarm of ``step`` (``half-time`` or ``overdue``) once, muted or not:
 * the operator silences it in its banner. False if the browser does not allow sound yet. */
export function alarm(step) {
  const pattern = ALARMS[step];
  if (!pattern) return false;
  const played = play(pattern);
  window.detenteSounds.push({ sound: step, at: Date.now(), played });
  return played;
}

function play(pattern) {
  if (!audio) return false;
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
