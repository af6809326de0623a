// What a verified bundle proves, in tr, ar, en or ru: the same phrasebooks and the same rules as
// `detente ledger verify-bundle` (every value isolated: identifiers, times and numbers left to
// right, names and free text first-strong), so that both say it in the same words.
"use strict";

const DetenteStatement = (() => {
  const LRI = "\u2066", FSI = "\u2068", PDI = "\u2069";
  const data = globalThis.DETENTE_BOOKS;

  /** Python's str.format for the templates' named fields. */
  const fill = (template, fields) => template.replace(/\{(\w+)\}/g, (_, name) => fields[name]);

  /** Fixed-point text as Python's format(value, ".Nf") writes it (ties to even, as the binary value is exact). */
  function fixed(value, places) {
    const scale = 10 ** places;
    const scaled = value * scale;
    if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled) && Number.isFinite(scaled)) {
      const down = Math.floor(scaled), pick = down % 2 === 0 ? down : down + 1;
      return (pick / scale).toFixed(places);
    }
    return value.toFixed(places);
  }
  /** Python's round() to an integer (ties to even). */
  function roundEven(value) {
    const down = Math.floor(value);
    if (value - down === 0.5) return down % 2 === 0 ? down : down + 1;
    return Math.round(value);
  }

  function say(lang) {
    const book = data.books[lang];
    const code = (text) => `${LRI}${text}${PDI}`;
    const name = (text) => `${FSI}${text}${PDI}`;
    const number = (value, places) => {
      const text = places ? fixed(value, places) : String(roundEven(value));
      return code(text.replace(".", book.decimal));
    };
    const duration = (seconds) => {
      seconds = Math.abs(seconds);
      if (seconds < 1) return `${number(seconds * 1000, 0)} ${book.milliseconds}`;
      if (seconds < 60) return `${number(seconds, 1)} ${book.seconds}`;
      const whole = roundEven(seconds);
      if (whole < 3600) {
        return `${number(Math.floor(whole / 60), 0)} ${book.minutes} ${number(whole % 60, 0)} ${book.seconds}`;
      }
      return `${number(Math.floor(whole / 3600), 0)} ${book.hours} ${number(Math.floor((whole % 3600) / 60), 0)} ${book.minutes}`;
    };
    return {
      book, code, name, duration,
      quoted: (text) => `${book.quote[0]}${name(text)}${book.quote[1]}`,
      offset: (ms) => {
        ms = Math.abs(ms);
        return ms < 1000 ? `${number(ms, 1)} ${book.milliseconds}` : duration(ms / 1000);
      },
      station: (facts) => `${name(facts.name)} (${code(facts.party)})`,
      kind: (kind) => data.kinds[lang][kind] ?? code(kind),
      precedence: (precedence) => {
        const known = data.precedences[lang][precedence];
        if (known === undefined) return code(precedence);
        return lang === "ar" ? `${known} ${code("(" + precedence.toUpperCase() + ")")}` : known;
      },
      delta: (start, end, template) => {
        const seconds = DetenteVerifier.parseTime(end, "") - DetenteVerifier.parseTime(start, "");
        if (seconds < 0) return fill(book.earlier, { duration: duration(seconds) });
        return fill(template || book.later, { duration: duration(seconds) });
      },
      sentence: (clauses) => clauses.join(book.clause) + book.end,
    };
  }

  function message(s, m, stations, author, witness, head, checkpoints) {
    const book = s.book;
    const absent = (template) => fill(template, { author, witness, size: s.code(String(head.size)), cosigned_at: s.code(head.cosigned_at) });
    const notYet = (index) => {
      const earlier = head ? checkpoints.filter((c) => c.size <= index) : [];
      if (!earlier.length) return "";
      const last = earlier[earlier.length - 1];
      return " " + fill(book.not_yet, { size: s.code(String(last.size)), cosigned_at: s.code(last.cosigned_at) });
    };
    const clauses = [fill(book.message, {
      id: s.code(m.id), precedence: s.precedence(m.precedence), kind: s.kind(m.kind),
      sender: s.station(stations[m.sender]), created: s.code(m.created),
    })];
    if (m.receipt === null) clauses.push(head ? absent(book.receipt_absent) : book.no_receipt);
    else {
      clauses.push(fill(book.receipt, {
        receiver: s.station(stations[m.receipt.signer]), received: s.code(m.receipt.received),
        delta: s.delta(m.created, m.receipt.received),
      }) + notYet(m.receipt.index));
    }
    for (const ack of m.acknowledgements) {
      let delta = s.delta(m.created, ack.at, book.after_signed);
      if (ack.late_by_s !== null && ack.late_by_s > 0) delta += ", " + fill(book.late, { late: s.duration(ack.late_by_s) });
      const station = s.station(stations[ack.station]);
      let clause;
      if (ack.kind === "acknowledgement" && ack.operator) {
        clause = fill(book.acknowledged, { operator: s.quoted(ack.operator), station, at: s.code(ack.at), delta });
      } else if (ack.kind === "acknowledgement") {
        clause = fill(book.acknowledged_by_station, { station, at: s.code(ack.at), delta });
      } else {
        clause = fill(book.answered, { station, id: s.code(ack.id), kind: s.kind(ack.kind), at: s.code(ack.at), delta });
      }
      if (ack.note) clause += ", " + fill(book.note, { note: s.quoted(ack.note) });
      clauses.push(clause + notYet(ack.index));
      if (ack.receipt !== null) {
        const template = ack.kind === "acknowledgement" ? book.ack_receipt : book.answer_receipt;
        clauses.push(fill(template, { receiver: s.station(stations[ack.receipt.signer]), received: s.code(ack.receipt.received) }));
      }
    }
    if (head) {
      const acks = m.acknowledgements.some((a) => a.kind === "acknowledgement");
      const answers = m.acknowledgements.some((a) => a.kind !== "acknowledgement");
      if (!acks) clauses.push(absent(book.ack_absent));
      if (!answers) clauses.push(acks ? absent(book.answer_absent_alone) : book.answer_absent);
    }
    const logged = fill(book.logged, {
      index: s.code(String(m.index)), author, witness, cosigned_at: s.code(m.checkpoint.cosigned_at),
    });
    return s.sentence(clauses) + " " + logged;
  }

  /** The statement of what ``report`` proves, in ``lang``, as lines of text (as verify-bundle prints it). */
  function render(report, lang) {
    const s = say(lang), book = s.book;
    const stations = { [report.exporter.station_id]: report.exporter, [report.peer.station_id]: report.peer };
    const author = s.station(report.exporter), witness = s.station(report.peer);
    const lines = [
      fill(book.header, {
        format: s.code(data.format), digest: s.code(report.sha256), sha256: s.code("SHA-256"), exporter: author,
        exported_at: s.code(report.exported_at),
      }),
      book.verified, "", book.stations,
    ];
    for (const facts of [report.exporter, report.peer]) {
      lines.push("  " + fill(book.station, {
        name: s.name(facts.name), party: s.code(facts.party), station_id: s.code(facts.station_id),
        fingerprint: s.code(facts.fingerprint),
      }));
    }
    lines.push(book.trust, "");
    if (report.selected_messages.length) {
      lines.push(fill(book.selected_ids, { ids: report.selected_messages.map(s.code).join(", ") }));
    } else {
      lines.push(fill(book.selected_range, { start: s.code(report.selected_from || ""), end: s.code(report.selected_to || "") }));
    }
    const head = report.complete ? report.checkpoint : null;
    for (const m of report.messages) lines.push("", message(s, m, stations, author, witness, head, report.checkpoints));
    for (const r of report.records) {
      const template = r.message === null ? book.record : book.record_about;
      lines.push("", fill(template, {
        station: s.station(stations[r.station]), event: s.code(r.event), id: s.code(r.message || ""), at: s.code(r.at),
        detail: s.quoted(r.detail),
      }) + book.end);
    }
    const c = report.checkpoint;
    lines.push("", fill(book.checkpoint, {
      author, witness, size: s.code(String(c.size)), time: s.code(c.time), cosigned_at: s.code(c.cosigned_at),
      algorithms: s.code(data.algorithms), root: s.code(btoa(String.fromCharCode(...c.root))),
    }));
    const earlier = report.checkpoints.filter((x) => x.size !== c.size);
    if (earlier.length) {
      lines.push(book.earlier_checkpoints);
      for (const x of earlier) {
        lines.push("  " + fill(book.earlier_checkpoint, { size: s.code(String(x.size)), time: s.code(x.time), cosigned_at: s.code(x.cosigned_at) }));
      }
    }
    if (c.offset === null) lines.push(book.offset_none);
    else {
      const template = c.offset >= 0 ? book.offset_ahead : book.offset_behind;
      lines.push(fill(template, { other: witness, author, offset: s.offset(c.offset) }), book.offset_meaning);
    }
    const scope = head === null
      ? fill(book.scope, { author })
      : fill(book.scope_complete, { author, witness, size: s.code(String(head.size)), cosigned_at: s.code(head.cosigned_at) });
    lines.push("", scope);
    return lines.join("\n") + "\n";
  }

  return { render };
})();
