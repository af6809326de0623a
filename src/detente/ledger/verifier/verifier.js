// The evidence bundle verifier page: PROTOCOL.md §17.5 and §17.7, written from the
// specification, in the browser. It needs nothing but the bundle's bytes: no station, no
// network. Crypto is @noble (Ed25519, SHA-256, SHA-512, ML-DSA-65), inlined as DetenteCrypto.
// The statement of what a verified bundle proves is rendered from the same phrasebooks as
// `detente ledger verify-bundle` (inlined as DETENTE_BOOKS), so both say the same words.
"use strict";

const DetenteVerifier = (() => {
  const C = globalThis.DetenteCrypto;
  const enc = new TextEncoder();
  const FORMAT = "detente-evidence-bundle/1";
  const CARD_FORMAT = "detente-station-card/1";
  const DOMAIN = {
    bundle: enc.encode("detente evidence bundle v1\n"),
    card: enc.encode("detente station card v1\n"),
    envelope: enc.encode("detente envelope v1\n"),
    receipt: enc.encode("detente receipt v1\n"),
    record: enc.encode("detente record v1\n"),
  };
  const LEAF_KINDS = ["envelope-out", "envelope-in", "receipt-out", "receipt-in", "record"];
  const TYPE_OF_KIND = {
    "envelope-out": "envelope", "envelope-in": "envelope", "receipt-out": "receipt", "receipt-in": "receipt",
    record: "record",
  };
  const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const STATION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const HEX64 = /^[0-9a-f]{64}$/;
  const KIND = /^[a-z][a-z0-9-]{0,63}$/;
  const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
  const ENDPOINT = /^tls:\/\/(\[[0-9A-Fa-f:.]+\]|[^:[\]/\s]+):\d{1,5}$/;
  const ORIGIN = /^detente\.line\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;
  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const PRECEDENCES = ["flash", "immediate", "priority", "routine"];
  const DASH = "\u2014 ";

  class Refused extends Error {}
  const fail = (message) => { throw new Refused(message); };

  // --- bytes, base64, canonical JSON -----------------------------------------------------------

  function concat(...parts) {
    const size = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = (bytes) => C.sha256(bytes);
  function b64encode(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }
  /** Strict base64 (RFC 4648 alphabet and padding); null if it is not. */
  function b64decode(text) {
    if (typeof text !== "string" || !B64.test(text)) return null;
    const binary = atob(text);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }
  /** Base64 that is also in its one canonical form. */
  function b64canonical(text) {
    const raw = b64decode(text);
    return raw !== null && b64encode(raw) === text ? raw : null;
  }
  function jcs(value) {
    if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) fail("a number that has no RFC 8785 form");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
  }
  const canonical = (value) => enc.encode(jcs(value));
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isInt = (v) => typeof v === "number" && Number.isInteger(v);
  function members(value, names, what) {
    if (!isObject(value)) fail(`${what} must be a JSON object`);
    const keys = Object.keys(value);
    const missing = names.filter((n) => !keys.includes(n)).sort();
    const extra = keys.filter((k) => !names.includes(k)).sort();
    if (missing.length || extra.length) {
      const problems = [];
      if (missing.length) problems.push(`lacks ${missing.join(", ")}`);
      if (extra.length) problems.push(`has unknown members ${extra.map((e) => e.slice(0, 40)).join(", ")}`);
      fail(`${what} ${problems.join(" and ")}`);
    }
    return value;
  }
  /** Unix seconds of a §6.4 timestamp, computed as the reference does (whole seconds + ms / 1000). */
  function parseTime(value, what) {
    const m = typeof value === "string" ? TIME.exec(value) : null;
    if (m === null) fail(`${what}: timestamp ${JSON.stringify(value)} is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ`);
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    if (y < 1 || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d ||
        back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
      fail(`${what}: timestamp ${value} is not a real date and time`);
    }
    return Math.floor(ms / 1000) + Number(m[7]) / 1000;
  }
  function ed25519Verify(signature, message, publicKey) {
    try { return C.ed25519.verify(signature, message, publicKey, { zip215: false }); } catch { return false; }
  }
  function mldsaVerify(signature, message, publicKey) {
    try { return C.ml_dsa65.verify(signature, message, publicKey); } catch { return false; }
  }
  const keyId = (publicKey) => hex(sha256(concat(enc.encode("ed25519"), [0], publicKey))).slice(0, 16);

  // --- Merkle trees (RFC 9162) ----------------------------------------------------------------

  const leafHash = (bytes) => sha256(concat([0], bytes));
  const nodeHash = (left, right) => sha256(concat([1], left, right));
  const odd = (n) => n % 2 === 1;
  const half = (n) => Math.floor(n / 2);
  function verifyInclusion(leaf, index, size, proof, root) {
    if (index < 0 || index >= size) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        r = nodeHash(p, r);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && same(r, root);
  }
  function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (oldSize <= 0 || oldSize > newSize) return false;
    if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
    if (proof.length === 0) return false;
    const path = [...proof];
    let power = oldSize;
    while (power % 2 === 0) power /= 2;
    if (power === 1) path.unshift(oldRoot);
    let fn = oldSize - 1, sn = newSize - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        fr = nodeHash(c, fr); sr = nodeHash(c, sr);
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        sr = nodeHash(sr, c);
      }
      fn = half(fn); sn = half(sn);
    }
    return same(fr, oldRoot) && same(sr, newRoot) && sn === 0;
  }
  /** The MTH of a list of leaf hashes: pairs hashed level by level, a lone last node carried up. */
  function treeRoot(leaves) {
    if (leaves.length === 0) return sha256(new Uint8Array());
    let level = leaves;
    while (level.length > 1) {
      const next = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
      if (odd(level.length)) next.push(level[level.length - 1]);
      level = next;
    }
    return level[0];
  }
  function hashes(value, what) {
    if (!Array.isArray(value) || value.length > 64) fail(`${what} must be a list of at most 64 base64 SHA-256 hashes`);
    return value.map((item, i) => {
      const raw = b64canonical(item);
      if (raw === null || raw.length !== 32) fail(`${what}[${i}] is not a canonical base64 SHA-256 hash`);
      return raw;
    });
  }

  // --- cards (§16) and their note keys (§17.2) --------------------------------------------------

  const NOTE_KINDS = [
    { label: "cosig-mldsa65", type: concat([0xff], enc.encode("mldsa65-cosig")), key: 1952, sig: 8 + 3309 },
    { label: "note-mldsa65", type: concat([0xff], enc.encode("mldsa65")), key: 1952, sig: 3309 },
    { label: "note-ed25519", type: Uint8Array.of(0x01), key: 32, sig: 64 },
    { label: "cosig-ed25519", type: Uint8Array.of(0x04), key: 32, sig: 8 + 64 },
  ];
  const LABELS = { "note-ed25519": "Ed25519", "note-mldsa65": "ML-DSA-65", "cosig-ed25519": "Ed25519",
    "cosig-mldsa65": "ML-DSA-65" };

  function noteKey(text, where) {
    const first = text.indexOf("+"), second = first < 0 ? -1 : text.indexOf("+", first + 1);
    if (second < 0) fail(`${where}: verifier key ${text.slice(0, 40)}… is not name+keyid+key`);
    const name = text.slice(0, first), keyHex = text.slice(first + 1, second);
    const raw = b64decode(text.slice(second + 1));
    if (raw === null) fail(`${where}: verifier key ${name.slice(0, 40)}: the key is not base64`);
    if (!name || /[\s+]/.test(name)) fail(`${where}: key name ${name} must be non-empty, without spaces or '+'`);
    for (const kind of NOTE_KINDS) {
      if (raw.length === kind.type.length + kind.key && same(raw.subarray(0, kind.type.length), kind.type)) {
        const publicKey = raw.subarray(kind.type.length);
        const id = sha256(concat(enc.encode(name + "\n"), kind.type, publicKey)).subarray(0, 4);
        if (hex(id) !== keyHex) fail(`${where}: verifier key ${name}: key id ${keyHex} does not match the key`);
        return { name, kind, publicKey, id };
      }
    }
    return fail(`${where}: verifier key ${name}: unknown signature type or wrong key length`);
  }

  function fingerprint(card, publicKey, certSha, mldsa) {
    const identity = canonical({
      station_id: card.station_id, party: card.party, name: card.name,
      signing_key: { alg: "ed25519", public: b64encode(publicKey) },
      checkpoint_key: { alg: "ml-dsa-65", sha256: hex(sha256(mldsa)) },
      tls_certificate_sha256: certSha,
    });
    let digest = identity;
    for (let i = 0; i < 5200; i++) digest = C.sha512(concat(digest, identity));
    const groups = [];
    for (let i = 0; i < 6; i++) {
      let n = 0;
      for (let j = 0; j < 5; j++) n = n * 256 + digest[i * 5 + j];
      groups.push(String(n % 100000).padStart(5, "0"));
    }
    return groups.join(" ");
  }

  function certificateSha256(pem) {
    const m = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\r?\n?$/.exec(pem);
    const der = m === null ? null : b64decode(m[1].replace(/\r?\n/g, ""));
    if (der === null || der.length < 16 || der[0] !== 0x30) return null;
    return hex(sha256(der));
  }

  function parseCard(value, source) {
    if (!isObject(value)) fail(`${source}: a station card is a JSON object`);
    if (value.card !== CARD_FORMAT) fail(`${source}: not a détente station card`);
    const required = ["card", "name", "party", "station_id", "language", "signing_key", "tls_certificate",
      "tls_certificate_sha256", "endpoints", "protocol_versions", "note_keys", "fingerprint", "signature"];
    const keys = Object.keys(value);
    if (required.some((k) => !keys.includes(k)) ||
        keys.some((k) => !required.includes(k) && k !== "sealing_key" && k !== "relays")) {
      fail(`${source}: card lacks or has unknown members`);
    }
    for (const k of ["name", "party", "station_id", "language", "tls_certificate", "tls_certificate_sha256",
      "fingerprint"]) {
      if (typeof value[k] !== "string") fail(`${source}: card member ${k} must be a string`);
    }
    const sk = value.signing_key;
    const publicKey = isObject(sk) ? b64decode(sk.public) : null;
    if (!isObject(sk) || Object.keys(sk).length !== 3 || sk.alg !== "ed25519" || publicKey === null ||
        publicKey.length !== 32 || sk.kid !== keyId(publicKey)) {
      fail(`${source}: signing_key must be an ed25519 key with its key id`);
    }
    const certSha = certificateSha256(value.tls_certificate);
    if (certSha === null) fail(`${source}: tls_certificate is not a PEM certificate`);
    if (certSha !== value.tls_certificate_sha256) {
      fail(`${source}: tls_certificate_sha256 does not match the certificate in the card`);
    }
    if (!Array.isArray(value.endpoints) || !value.endpoints.every((e) => typeof e === "string" && ENDPOINT.test(e))) {
      fail(`${source}: endpoints must be a list like ["tls://192.0.2.10:7001"]`);
    }
    const versions = value.protocol_versions;
    if (!Array.isArray(versions) || !versions.length || !versions.every(isInt)) {
      fail(`${source}: protocol_versions must be a non-empty list of integers`);
    }
    const vkeys = value.note_keys;
    if (!Array.isArray(vkeys) || vkeys.length !== 4 || !vkeys.every((v) => typeof v === "string")) {
      fail(`${source}: note_keys must list the station's 4 checkpoint verifier keys`);
    }
    const noteKeys = {};
    for (const v of vkeys) { const key = noteKey(v, `${source}: note_keys`); noteKeys[key.kind.label] = key; }
    const name = `detente.station/${value.station_id}`;
    if (Object.keys(noteKeys).length !== 4 || Object.values(noteKeys).some((k) => k.name !== name)) {
      fail(`${source}: note_keys must hold one key of each kind, named ${name}`);
    }
    if (!same(noteKeys["note-ed25519"].publicKey, publicKey) || !same(noteKeys["cosig-ed25519"].publicKey, publicKey) ||
        !same(noteKeys["note-mldsa65"].publicKey, noteKeys["cosig-mldsa65"].publicKey)) {
      fail(`${source}: note_keys do not belong to the station's signing and checkpoint keys`);
    }
    if ("relays" in value && (!Array.isArray(value.relays) ||
        !value.relays.every((r) => isObject(r) && typeof r.name === "string" && Object.keys(r).length <= 8))) {
      fail(`${source}: relays must be a list of objects, each with a name`);
    }
    if ("sealing_key" in value) {
      const seal = value.sealing_key;
      const raw = isObject(seal) ? b64decode(seal.public) : null;
      if (!isObject(seal) || Object.keys(seal).length !== 2 || seal.alg !== "mlkem768-x25519" || raw === null ||
          raw.length !== 1216) {
        fail(`${source}: sealing_key is not an mlkem768-x25519 public key`);
      }
    }
    const signature = value.signature;
    const unsigned = Object.fromEntries(Object.entries(value).filter(([k]) => k !== "signature"));
    const sig = isObject(signature) ? b64decode(signature.value) : null;
    if (!isObject(signature) || signature.kid !== sk.kid || signature.alg !== "ed25519" || sig === null ||
        !ed25519Verify(sig, concat(DOMAIN.card, canonical(unsigned)), publicKey)) {
      fail(`${source}: the card's signature does not verify with its own signing key; the card was altered`);
    }
    const computed = fingerprint(value, publicKey, certSha, noteKeys["note-mldsa65"].publicKey);
    if (computed !== value.fingerprint) {
      fail(`${source}: the fingerprint written in the card is not the card's fingerprint`);
    }
    return { name: value.name, party: value.party, station_id: value.station_id, fingerprint: computed,
      publicKey, kid: sk.kid, noteKeys };
  }

  // --- checkpoints (§17.2) --------------------------------------------------------------------

  function parseNote(data, where) {
    if (/[\u0000-\u0009\u000b-\u001f]/.test(data)) fail(`${where}: a signed note must not contain control characters`);
    const cut = data.lastIndexOf("\n\n");
    if (cut < 0 || !data.endsWith("\n")) fail(`${where}: a signed note is text, a blank line, then signature lines`);
    const text = data.slice(0, cut + 1);
    const lines = data.slice(cut + 2).split("\n").slice(0, -1);
    if (!lines.length || lines.length > 16) fail(`${where}: the note must have 1 to 16 signatures`);
    const signatures = lines.map((line) => {
      if (!line.startsWith(DASH)) fail(`${where}: a signature line does not start with an em dash and a space`);
      const rest = line.slice(DASH.length), space = rest.indexOf(" ");
      const name = space < 0 ? rest : rest.slice(0, space);
      const raw = b64decode(space < 0 ? "" : rest.slice(space + 1));
      if (raw === null || !name || raw.length < 5) fail(`${where}: a signature line is malformed`);
      return { name, id: raw.subarray(0, 4), signature: raw.subarray(4) };
    });
    const again = text + "\n" + signatures.map((s) => `${DASH}${s.name} ${b64encode(concat(s.id, s.signature))}\n`)
      .join("");
    if (again !== data) fail(`${where}: the signed note is not in its one canonical form (line layout or base64)`);
    return { text, signatures };
  }

  function parseCheckpoint(text, where) {
    const lines = text.split("\n");
    if (lines.length < 5 || lines[lines.length - 1] !== "") fail(`${where}: not a checkpoint`);
    const [origin, sizeText, rootText, ...extensions] = lines.slice(0, -1);
    if (!ORIGIN.test(origin)) fail(`${where}: checkpoint origin is not detente.line/<station>/<station>`);
    if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) fail(`${where}: checkpoint tree size is not a decimal number`);
    const root = b64decode(rootText);
    if (root === null || root.length !== 32) fail(`${where}: checkpoint root hash is not 32 bytes of base64`);
    const fields = {};
    for (const line of extensions) {
      const space = line.indexOf(" ");
      const name = space < 0 ? line : line.slice(0, space);
      if (name in fields || (name !== "time" && name !== "clock-offset-ms")) {
        fail(`${where}: checkpoint extension line is unknown or repeated`);
      }
      fields[name] = space < 0 ? "" : line.slice(space + 1);
    }
    if (!("time" in fields)) fail(`${where}: checkpoint has no time line`);
    parseTime(fields.time, where);
    let offset = null;
    if ("clock-offset-ms" in fields) {
      const text = fields["clock-offset-ms"];
      offset = Number(text);
      const again = (Object.is(offset, -0) ? "-" : "") + offset.toFixed(3);
      if (!/^-?(0|[1-9][0-9]*)\.[0-9]{3}$/.test(text) || again !== text) fail(`${where}: clock-offset-ms is malformed`);
    }
    const size = Number(sizeText);
    const again = [origin, sizeText, b64encode(root), `time ${fields.time}`]
      .concat(offset === null ? [] : [`clock-offset-ms ${fields["clock-offset-ms"]}`]).join("\n") + "\n";
    if (again !== text || !Number.isSafeInteger(size)) fail(`${where}: checkpoint text is not in its one canonical form`);
    return { origin, size, root, time: fields.time, offset };
  }

  const be64 = (n) => { const out = new Uint8Array(8); new DataView(out.buffer).setBigUint64(0, BigInt(n)); return out; };

  function checkSignatures(note, checkpoint, where, exporter, peer) {
    const order = [[exporter, "note-ed25519"], [exporter, "note-mldsa65"], [peer, "cosig-ed25519"],
      [peer, "cosig-mldsa65"]];
    const stamps = [];
    order.forEach(([card, label], position) => {
      const key = card.noteKeys[label];
      const noun = key.kind.label.startsWith("cosig") ? "cosignature" : "signature";
      const what = `the ${LABELS[label]} ${noun} of ${card.name} (${card.party})`;
      if (position >= note.signatures.length) fail(`${where}: ${what} is missing`);
      const line = note.signatures[position];
      if (line.name !== key.name || !same(line.id, key.id)) {
        fail(`${where}: signature line ${position + 1} is by ${line.name}, where ${what} must be`);
      }
      if (line.signature.length !== key.kind.sig) fail(`${where}: ${what} does not verify`);
      const text = enc.encode(note.text);
      let ok;
      if (label === "note-ed25519") ok = ed25519Verify(line.signature, text, key.publicKey);
      else if (label === "note-mldsa65") ok = mldsaVerify(line.signature, text, key.publicKey);
      else {
        const stamp = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
        stamps.push(stamp);
        const body = line.signature.subarray(8);
        if (label === "cosig-ed25519") {
          ok = ed25519Verify(body, concat(enc.encode(`cosignature/v1\ntime ${stamp}\n`), text), key.publicKey);
        } else {
          const name = enc.encode(key.name), origin = enc.encode(checkpoint.origin);
          const message = concat(enc.encode("subtree/v1\n"), [0, name.length], name, be64(stamp), [origin.length],
            origin, be64(0), be64(checkpoint.size), checkpoint.root);
          ok = mldsaVerify(body, message, key.publicKey);
        }
      }
      if (!ok) fail(`${where}: ${what} does not verify`);
    });
    if (note.signatures.length !== 4) fail(`${where}: it has ${note.signatures.length} signature lines; exactly 4 are allowed`);
    if (stamps[0] !== stamps[1]) fail(`${where}: the two cosignatures carry different times`);
    if (stamps[0] >= 253402300800n) fail(`${where}: the cosignature time is out of range`);
    return Number(stamps[0]);
  }

  function wholeSeconds(stamp) { return new Date(stamp * 1000).toISOString().slice(0, 19) + "Z"; }

  function checkpoints(value, exporter, peer) {
    if (!Array.isArray(value) || !value.length) fail("checkpoints must be a non-empty list");
    const parsed = [];
    value.forEach((item, position) => {
      let where = `checkpoints[${position}]`;
      members(item, ["note", "consistency"], where);
      if (typeof item.note !== "string") fail(`${where}: note must be a C2SP signed note`);
      const note = parseNote(item.note, where);
      const checkpoint = parseCheckpoint(note.text, where);
      where = `checkpoints[${position}] (size ${checkpoint.size})`;
      const expected = `detente.line/${exporter.station_id}/${peer.station_id}`;
      if (checkpoint.origin !== expected) fail(`${where}: it is a checkpoint of ${checkpoint.origin}, not of ${expected}`);
      const stamp = checkSignatures(note, checkpoint, where, exporter, peer);
      const previous = parsed.length ? parsed[parsed.length - 1].size : 0;
      if (checkpoint.size <= previous) fail(`${where}: checkpoints must be of growing sizes, from 1 on`);
      const proof = hashes(item.consistency, `${where}: consistency`);
      parsed.push({ ...checkpoint, proof, cosigned_at: wholeSeconds(stamp) });
    });
    const head = parsed[parsed.length - 1];
    parsed.forEach((c, position) => {
      if (!verifyConsistency(c.size, head.size, c.root, head.root, c.proof)) {
        fail(`checkpoints[${position}] (size ${c.size}): its consistency proof to the last checkpoint does not verify`);
      }
    });
    return parsed;
  }

  // --- entries (§6, §7, §17.1) ------------------------------------------------------------------

  function checkSig(obj, what) {
    const sig = obj.sig;
    members(sig, ["alg", "kid", "value"], `${what}: sig`);
    const raw = b64decode(sig.value);
    if (sig.alg !== "ed25519" || typeof sig.kid !== "string" || !/^[0-9a-f]{16}$/.test(sig.kid) || raw === null ||
        raw.length !== 64) {
      fail(`${what}: sig must be an ed25519 signature with a key id`);
    }
  }
  function checkEnvelope(obj, where) {
    const names = ["v", "type", "id", "from", "to", "seq", "prev", "created", "kind", "precedence", "body", "sig"];
    members(obj, "line" in obj ? [...names, "line"] : names, `${where}: the envelope`);
    if (obj.v !== 1 || obj.type !== "envelope") fail(`${where}: envelope version / type unknown`);
    if (typeof obj.id !== "string" || !UUID7.test(obj.id)) fail(`${where}: envelope id is not a UUIDv7`);
    for (const k of ["from", "to"]) if (typeof obj[k] !== "string" || !STATION.test(obj[k])) fail(`${where}: ${k}`);
    if (!isInt(obj.seq) || obj.seq < 1 || obj.seq > Number.MAX_SAFE_INTEGER) fail(`${where}: seq is out of range`);
    if (typeof obj.prev !== "string" || !HEX64.test(obj.prev)) fail(`${where}: prev is not a hash`);
    parseTime(obj.created, `${where}: created`);
    if (typeof obj.kind !== "string" || !KIND.test(obj.kind)) fail(`${where}: kind is not a lowercase name`);
    if (!PRECEDENCES.includes(obj.precedence)) fail(`${where}: precedence is unknown`);
    if (!isObject(obj.body)) fail(`${where}: body must be a JSON object`);
    if ("line" in obj && !isObject(obj.line)) fail(`${where}: line must be an object`);
    checkSig(obj, where);
  }
  function checkReceipt(obj, where) {
    members(obj, ["v", "type", "id", "envelope", "seq", "from", "to", "received", "sig"], `${where}: the receipt`);
    if (obj.v !== 1 || obj.type !== "receipt") fail(`${where}: receipt version / type unknown`);
    if (typeof obj.id !== "string" || !UUID7.test(obj.id)) fail(`${where}: receipt message id is not a UUIDv7`);
    if (typeof obj.envelope !== "string" || !HEX64.test(obj.envelope)) fail(`${where}: envelope is not a hash`);
    if (!isInt(obj.seq) || obj.seq < 1 || obj.seq > Number.MAX_SAFE_INTEGER) fail(`${where}: seq is out of range`);
    for (const k of ["from", "to"]) if (typeof obj[k] !== "string" || !STATION.test(obj[k])) fail(`${where}: ${k}`);
    parseTime(obj.received, `${where}: received`);
    checkSig(obj, where);
  }
  function checkRecord(obj, where, exporter, peer) {
    if (!isObject(obj) || obj.type !== "record" || obj.v !== 1) fail(`${where}: not a détente record`);
    members(obj, ["v", "type", "id", "station", "peer", "event", "at", "detail", "evidence", "sig"], `${where}: record`);
    for (const k of ["id", "station", "peer", "event", "at", "detail"]) {
      if (typeof obj[k] !== "string") fail(`${where}: a record needs string members and an evidence object`);
    }
    if (!isObject(obj.evidence)) fail(`${where}: a record needs an evidence object`);
    const sig = obj.sig;
    if (!isObject(sig) || Object.keys(sig).sort().join() !== "alg,kid,value" ||
        !Object.values(sig).every((v) => typeof v === "string")) {
      fail(`${where}: a record needs a signature: a sig object of strings alg, kid and value`);
    }
    if (obj.station !== exporter.station_id || obj.peer !== peer.station_id) {
      fail(`${where}: a record in the exporter's log must be by ${exporter.station_id} about the line with ${peer.station_id}`);
    }
  }
  function verifySignature(obj, domain, card) {
    const { value, ...rest } = obj.sig;
    if (rest.alg !== "ed25519" || rest.kid !== card.kid) return false;
    const raw = b64decode(value);
    return raw !== null && ed25519Verify(raw, concat(domain, canonical({ ...obj, sig: rest })), card.publicKey);
  }

  function entries(value, exporter, peer, head) {
    if (!Array.isArray(value) || !value.length) fail("entries must be a non-empty list");
    const out = [];
    value.forEach((raw, position) => {
      let where = `entries[${position}]`;
      members(raw, ["index", "kind", "object", "proof"], where);
      const { index, kind, object: obj } = raw;
      if (!isInt(index) || index < 0 || index >= head.size) fail(`${where}: index is not a position in a log of ${head.size} entries`);
      if (out.length && index <= out[out.length - 1].index) fail(`${where}: entries must be in the order of the log, each once`);
      if (!LEAF_KINDS.includes(kind)) fail(`${where}: kind is not one of ${LEAF_KINDS.join(", ")}`);
      if (!isObject(obj)) fail(`${where}: object must be a JSON object`);
      let card;
      if (kind === "record") {
        checkRecord(obj, where, exporter, peer);
        card = exporter;
      } else {
        (kind.startsWith("envelope") ? checkEnvelope : checkReceipt)(obj, where);
        const outgoing = kind === "envelope-out" || kind === "receipt-out";
        const [sender, recipient] = outgoing ? [exporter, peer] : [peer, exporter];
        if (obj.from !== sender.station_id || obj.to !== recipient.station_id) {
          fail(`${where}: a ${kind} entry goes from ${sender.station_id} to ${recipient.station_id}`);
        }
        card = sender;
      }
      where = `entries[${position}] (${kind} ${obj.id}, log index ${index})`;
      const domain = kind === "record" ? DOMAIN.record : kind.startsWith("envelope") ? DOMAIN.envelope : DOMAIN.receipt;
      if (!verifySignature(obj, domain, card)) fail(`${where}: the signature does not verify with the signing key of ${card.name}`);
      const proof = hashes(raw.proof, `${where}: proof`);
      const bytes = canonical(obj);
      const leaf = leafHash(bytes);
      if (!verifyInclusion(leaf, index, head.size, proof, head.root)) {
        fail(`${where}: its inclusion proof does not lead from its leaf hash to the root of the checkpoint of size ${head.size}`);
      }
      out.push({ index, kind, obj, leaf, hash: hex(sha256(bytes)), where });
    });
    return out;
  }

  const acknowledges = (body) => (isObject(body) && typeof body.acknowledges === "string" ? body.acknowledges : null);

  function structure(list, cps) {
    const envelopes = new Map(), receipts = new Map(), records = [];
    for (const e of list) {
      if (e.obj.type !== "envelope") continue;
      if (envelopes.has(e.obj.id)) fail(`${e.where}: a second envelope with this id`);
      envelopes.set(e.obj.id, e);
    }
    for (const e of list) {
      if (e.obj.type === "receipt") {
        if (receipts.has(e.obj.id)) fail(`${e.where}: a second receipt for this message`);
        const env = envelopes.get(e.obj.id);
        if (env === undefined) fail(`${e.where}: the bundle holds no envelope ${e.obj.id} for this receipt`);
        if (e.obj.envelope !== env.hash || e.obj.seq !== env.obj.seq) fail(`${e.where}: the receipt is for another envelope`);
        if (e.obj.from !== env.obj.to || e.obj.to !== env.obj.from) {
          fail(`${e.where}: the receipt is not signed by the envelope's recipient for its sender`);
        }
        receipts.set(e.obj.id, { signer: e.obj.from, received: e.obj.received, index: e.index });
      } else if (e.obj.type === "record") {
        const about = isObject(e.obj.evidence) ? e.obj.evidence.message : undefined;
        records.push({ id: e.obj.id, station: e.obj.station, event: e.obj.event, at: e.obj.at, detail: e.obj.detail,
          message: typeof about === "string" ? about : null, index: e.index });
      }
    }
    const acks = new Map();
    for (const e of envelopes.values()) {
      const target = acknowledges(e.obj.body);
      if (target === null) continue;
      const acked = envelopes.get(target);
      if (acked === undefined || acknowledges(acked.obj.body) !== null) {
        fail(`${e.where}: it acknowledges message ${target}, which is not a message in the bundle`);
      }
      if ("envelope" in e.obj.body && e.obj.body.envelope !== acked.hash) {
        fail(`${e.where}: it acknowledges an envelope of message ${target} other than the one in the bundle`);
      }
      const body = e.obj.body;
      let at = body.at;
      try { parseTime(at, "at"); } catch { at = e.obj.created; }
      const late = typeof body.late_by_s === "number" ? body.late_by_s : null;
      if (!acks.has(target)) acks.set(target, []);
      acks.get(target).push({ id: e.obj.id, kind: e.obj.kind, station: e.obj.from, at: String(at),
        operator: typeof body.operator === "string" ? body.operator : null,
        note: typeof body.note === "string" ? body.note : null, late_by_s: late, index: e.index,
        receipt: receipts.get(e.obj.id) || null });
    }
    const messages = [...envelopes.values()].filter((e) => acknowledges(e.obj.body) === null).map((e) => ({
      id: e.obj.id, sender: e.obj.from, recipient: e.obj.to, seq: e.obj.seq, kind: e.obj.kind,
      precedence: e.obj.precedence, created: e.obj.created, hash: e.hash, index: e.index,
      checkpoint: cps.find((c) => c.size > e.index), receipt: receipts.get(e.obj.id) || null,
      acknowledgements: acks.get(e.obj.id) || [],
    }));
    messages.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.index - b.index));
    return { messages, records };
  }

  function selection(value, messages, records) {
    if (isObject(value) && "messages" in value) {
      members(value, ["messages"], "selection");
      const ids = value.messages;
      if (!Array.isArray(ids) || !ids.length || !ids.every((i) => typeof i === "string" && UUID7.test(i)) ||
          new Set(ids).size !== ids.length) {
        fail("selection.messages must be a non-empty list of distinct message ids");
      }
      const held = new Set(messages.map((m) => m.id));
      const missing = ids.filter((i) => !held.has(i));
      if (missing.length) fail(`selection: message ${missing[0]} is selected, but its envelope is not in the bundle`);
      if ([...held].some((i) => !ids.includes(i)) || records.some((r) => !ids.includes(r.message))) {
        fail("selection: the bundle holds a message or a record which the selection does not name");
      }
      return { ids, start: null, end: null };
    }
    members(value, ["from", "to"], "selection (messages, or from and to)");
    const start = parseTime(value.from, "selection.from"), end = parseTime(value.to, "selection.to");
    if (start > end) fail("selection: from is after to");
    for (const m of messages) {
      const t = parseTime(m.created, "created");
      if (t < start || t > end) fail(`selection: message ${m.id} was created at ${m.created}, outside the range`);
    }
    for (const r of records) {
      const t = parseTime(r.at, "at");
      if (t < start || t > end) fail(`selection: record ${r.id} was made at ${r.at}, outside the range`);
    }
    return { ids: [], start: value.from, end: value.to };
  }

  // --- proofs of absence (§17.7) ---------------------------------------------------------------

  function within(value, start, end) {
    try { const t = parseTime(value, "time"); return start <= t && t <= end; } catch { return false; }
  }
  function completeLog(value, head, list, messages, chosen) {
    if (!Array.isArray(value) || value.length !== head.size) {
      fail(`log: log must be a list of all ${head.size} objects of the log up to the last checkpoint, in order`);
    }
    const byIndex = new Map(list.map((e) => [e.index, e.leaf]));
    const envelopes = new Set(list.filter((e) => e.obj.type === "envelope").map((e) => e.obj.id));
    const selected = new Set(chosen.ids.length ? chosen.ids : messages.map((m) => m.id));
    const byId = chosen.ids.length > 0;
    const start = byId ? 0 : parseTime(chosen.start, "from"), end = byId ? 0 : parseTime(chosen.end, "to");
    const leaves = value.map((item, index) => {
      if (!Array.isArray(item) || item.length !== 2 || !LEAF_KINDS.includes(item[0]) || !isObject(item[1])) {
        fail(`log: log[${index}] must be [kind, object] with a kind of the log and a JSON object`);
      }
      const [kind, obj] = item;
      if (obj.type !== TYPE_OF_KIND[kind]) fail(`log: log[${index}]: a ${kind} entry must hold an object of type ${TYPE_OF_KIND[kind]}`);
      const leaf = leafHash(canonical(obj));
      const held = byIndex.get(index);
      if (held !== undefined) {
        if (!same(held, leaf)) fail(`log: log[${index}] is not the object of the bundle's entry at that index`);
        return leaf;
      }
      let concern = null;
      if (obj.type === "receipt" && envelopes.has(obj.id)) concern = `a receipt for message ${obj.id}`;
      else if (obj.type === "envelope") {
        const target = acknowledges(obj.body);
        if (target !== null) { if (selected.has(target)) concern = `an envelope that acknowledges message ${target}`; }
        else if (selected.has(obj.id) && byId) concern = `the envelope of the selected message ${obj.id}`;
        else if (!byId && within(obj.created, start, end)) concern = "a message created within the selected range";
      } else if (obj.type === "record") {
        const about = isObject(obj.evidence) ? obj.evidence.message : undefined;
        if (byId && selected.has(about)) concern = `a record about message ${about}`;
        else if (!byId && within(obj.at, start, end)) concern = "a record made within the selected range";
      }
      if (concern !== null) fail(`log: log[${index}] is ${concern}, which the bundle's entries leave out: the exporter omitted it`);
      return leaf;
    });
    if (head.size && !same(treeRoot(leaves), head.root)) {
      fail(`log: the ${head.size} objects of log do not hash to the root of the last checkpoint`);
    }
  }

  // --- the whole bundle ------------------------------------------------------------------------

  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  /** Verify a bundle's bytes: the report of what it proves, or a Refused error saying why not. */
  function verify(data) {
    let text, obj;
    try { text = utf8.decode(data); obj = JSON.parse(text); } catch (e) { fail(`the bundle is not valid JSON: ${e.message}`); }
    if (!isObject(obj)) fail("the bundle is not a JSON object");
    if (!same(canonical(obj), data)) fail("the bundle is not in its canonical RFC 8785 form (it was altered or re-formatted)");
    const names = ["bundle", "exported_at", "selection", "cards", "checkpoints", "entries", "signature"];
    members(obj, "log" in obj ? [...names, "log"] : names, "the bundle");
    if (obj.bundle !== FORMAT) fail(`not an evidence bundle: "bundle" is not ${FORMAT}`);
    parseTime(obj.exported_at, "exported_at");
    members(obj.cards, ["exporter", "peer"], "cards");
    const exporter = parseCard(obj.cards.exporter, "cards.exporter");
    const peer = parseCard(obj.cards.peer, "cards.peer");
    if (exporter.station_id === peer.station_id || exporter.party === peer.party) {
      fail("cards.exporter and cards.peer must be two stations of two parties");
    }
    const cps = checkpoints(obj.checkpoints, exporter, peer);
    const head = cps[cps.length - 1];
    const list = entries(obj.entries, exporter, peer, head);
    const { messages, records } = structure(list, cps);
    const chosen = selection(obj.selection, messages, records);
    if ("log" in obj) completeLog(obj.log, head, list, messages, chosen);
    const signature = members(obj.signature, ["alg", "kid", "value"], "signature");
    if (signature.alg !== "ed25519" || signature.kid !== exporter.kid) {
      fail("signature: the bundle must be signed by the exporter's signing key");
    }
    const raw = b64canonical(signature.value);
    const { value, ...unsigned } = signature;
    if (raw === null || !ed25519Verify(raw, concat(DOMAIN.bundle, canonical({ ...obj, signature: unsigned })), exporter.publicKey)) {
      fail(`signature: the exporter's signature over the bundle does not verify with the signing key of ${exporter.name} (${exporter.party}): the bundle was altered after export`);
    }
    const facts = (card) => ({ station_id: card.station_id, party: card.party, name: card.name, fingerprint: card.fingerprint });
    return {
      sha256: hex(sha256(data)), exporter: facts(exporter), peer: facts(peer), exported_at: obj.exported_at,
      selected_messages: chosen.ids, selected_from: chosen.start, selected_to: chosen.end,
      checkpoint: head, checkpoints: cps, messages, records, complete: "log" in obj,
    };
  }

  return { verify, Refused, parseTime };
})();
