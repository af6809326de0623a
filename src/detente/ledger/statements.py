"""What a verified evidence bundle proves, said in the reader's language (tr, ar, en, ru).

The phrasebooks (phrasebooks.py) are declarative: one :class:`Phrasebook` per language, whose
templates take named fields, plus the names of notification kinds and precedences. :func:`render_statement` fills
them from a :class:`~detente.ledger.bundle.BundleReport`.

Every value put into a template is *isolated* first (Unicode bidirectional isolates, UAX #9):
identifiers, times, hashes, numbers and codes in a left-to-right isolate (U+2066 … U+2069), names
and free text, whose direction is not known, in a first-strong isolate (U+2068 … U+2069). Arabic
text then reads correctly right to left, with every identifier and time intact inside it; the
other languages get the isolates only where Arabic names or text occur in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..invisible import shown
from ..protocol.timestamps import parse_time
from .phrasebooks import ALGORITHMS, FORMAT_NAME, KIND_NAMES, PHRASEBOOKS, PRECEDENCE_NAMES, Phrasebook

if TYPE_CHECKING:
    from .facts import BundleReport, CheckpointFacts, MessageFacts, StationFacts

__all__ = [
    "KIND_NAMES",
    "LANGUAGES",
    "PHRASEBOOKS",
    "PRECEDENCE_NAMES",
    "Phrasebook",
    "first_strong",
    "left_to_right",
    "render_statement",
]

LANGUAGES = ("tr", "ar", "en", "ru")

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def left_to_right(text: str) -> str:
    """An identifier, time, hash, number or code, kept left to right wherever it stands."""
    return f"{LRI}{text}{PDI}"


def first_strong(text: str) -> str:
    """A name or free text of unknown direction, isolated from the sentence around it."""
    return f"{FSI}{text}{PDI}"


# --- rendering ---------------------------------------------------------------------------------


class _Say:
    """Formatting helpers of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.book = PHRASEBOOKS[lang]
        self.invisible = False
        """Whether a value said so far held invisible or direction-changing characters."""

    def _shown(self, text: str) -> str:
        """``text`` with such characters made visible (``⟨U+202E⟩``) before it is isolated: the
        isolates around it are this statement's own."""
        result = shown(text, multiline=False)
        self.invisible = self.invisible or result.invisible
        return result.text

    def code(self, text: str) -> str:
        return left_to_right(self._shown(text))

    def name(self, text: str) -> str:
        return first_strong(self._shown(text))

    def quoted(self, text: str) -> str:
        opening, closing = self.book.quote
        return f"{opening}{first_strong(self._shown(text))}{closing}"

    def number(self, value: float, places: int) -> str:
        text = f"{value:.{places}f}" if places else str(round(value))
        return left_to_right(text.replace(".", self.book.decimal))

    def duration(self, seconds: float) -> str:
        book = self.book
        seconds = abs(seconds)
        if seconds < 1:
            return f"{self.number(seconds * 1000, 0)} {book.milliseconds}"
        if seconds < 60:
            return f"{self.number(seconds, 1)} {book.seconds}"
        whole = round(seconds)
        if whole < 3600:
            return f"{self.number(whole // 60, 0)} {book.minutes} {self.number(whole % 60, 0)} {book.seconds}"
        return f"{self.number(whole // 3600, 0)} {book.hours} {self.number(whole % 3600 // 60, 0)} {book.minutes}"

    def offset(self, milliseconds: float) -> str:
        milliseconds = abs(milliseconds)
        if milliseconds < 1000:
            return f"{self.number(milliseconds, 1)} {self.book.milliseconds}"
        return self.duration(milliseconds / 1000)

    def station(self, facts: StationFacts) -> str:
        return f"{self.name(facts.name)} ({self.code(facts.party)})"

    def kind(self, kind: str) -> str:
        known = KIND_NAMES[self.lang].get(kind)
        return self.code(kind) if known is None else known

    def precedence(self, precedence: str) -> str:
        known = PRECEDENCE_NAMES[self.lang].get(precedence)
        if known is None:
            return self.code(precedence)
        if self.lang == "ar":
            return f"{known} {self.code('(' + precedence.upper() + ')')}"
        return known

    def delta(self, start: str, end: str, template: str | None = None) -> str:
        seconds = parse_time(end) - parse_time(start)
        if seconds < 0:
            return self.book.earlier.format(duration=self.duration(seconds))
        return (template or self.book.later).format(duration=self.duration(seconds))

    def sentence(self, clauses: Sequence[str]) -> str:
        return self.book.clause.join(clauses) + self.book.end


def render_statement(report: BundleReport, lang: str) -> str:
    """The statement of what ``report`` proves, in ``lang`` (one of LANGUAGES), as lines of text."""
    say = _Say(lang)
    book = say.book
    stations = {report.exporter.station_id: report.exporter, report.peer.station_id: report.peer}
    author, witness = say.station(report.exporter), say.station(report.peer)
    lines = [
        book.header.format(
            format=say.code(FORMAT_NAME),
            digest=say.code(report.sha256),
            sha256=say.code("SHA-256"),
            exporter=author,
            exported_at=say.code(report.exported_at),
        ),
        book.verified,
        "",
        book.stations,
    ]
    for facts in (report.exporter, report.peer):
        line = book.station.format(
            name=say.name(facts.name),
            party=say.code(facts.party),
            station_id=say.code(facts.station_id),
            fingerprint=say.code(facts.fingerprint),
        )
        lines.append(f"  {line}")
    lines += [book.trust, ""]
    if report.selected_messages:
        lines.append(book.selected_ids.format(ids=", ".join(say.code(i) for i in report.selected_messages)))
    else:
        lines.append(
            book.selected_range.format(
                start=say.code(report.selected_from or ""), end=say.code(report.selected_to or "")
            )
        )
    head = report.checkpoint if report.complete else None
    for message in report.messages:
        lines += ["", _message(say, message, stations, author, witness, head, report.checkpoints)]
    for record in report.records:
        event = (book.record if record.message is None else book.record_about).format(
            station=say.station(stations[record.station]),
            event=say.code(record.event),
            id=say.code(record.message or ""),
            at=say.code(record.at),
            detail=say.quoted(record.detail),
        )
        lines += ["", event + book.end]
    if head is None:
        scope = book.scope.format(author=author)
    else:
        scope = book.scope_complete.format(
            author=author, witness=witness, size=say.code(str(head.size)), cosigned_at=say.code(head.cosigned_at)
        )
    lines += ["", *_checkpoint(say, report, author, witness), "", scope]
    if say.invisible:
        lines += ["", book.invisible]
    return "\n".join(lines) + "\n"


def _message(
    say: _Say,
    message: MessageFacts,
    stations: dict[str, StationFacts],
    author: str,
    witness: str,
    head: CheckpointFacts | None,
    checkpoints: Sequence[CheckpointFacts],
) -> str:
    """One sentence per message; with ``head`` (the bundle reveals the whole log up to it), what
    is missing is said to be proven absent, and what is present when it was not yet logged."""
    book = say.book

    def absent(template: str) -> str:
        if head is None:
            return ""
        return template.format(
            author=author, witness=witness, size=say.code(str(head.size)), cosigned_at=say.code(head.cosigned_at)
        )

    def not_yet(index: int) -> str:
        earlier = [c for c in checkpoints if c.size <= index] if head is not None else []
        if not earlier:
            return ""
        return " " + book.not_yet.format(
            size=say.code(str(earlier[-1].size)), cosigned_at=say.code(earlier[-1].cosigned_at)
        )

    clauses = [
        book.message.format(
            id=say.code(message.id),
            precedence=say.precedence(message.precedence),
            kind=say.kind(message.kind),
            sender=say.station(stations[message.sender]),
            created=say.code(message.created),
        )
    ]
    if message.receipt is None:
        clauses.append(book.no_receipt if head is None else absent(book.receipt_absent))
    else:
        clauses.append(
            book.receipt.format(
                receiver=say.station(stations[message.receipt.signer]),
                received=say.code(message.receipt.received),
                delta=say.delta(message.created, message.receipt.received),
            )
            + not_yet(message.receipt.index)
        )
    for ack in message.acknowledgements:
        delta = say.delta(message.created, ack.at, book.after_signed)
        if ack.late_by_s is not None and ack.late_by_s > 0:
            delta += ", " + book.late.format(late=say.duration(ack.late_by_s))
        station = say.station(stations[ack.station])
        if ack.kind == "acknowledgement" and ack.operator:
            clause = book.acknowledged.format(
                operator=say.quoted(ack.operator), station=station, at=say.code(ack.at), delta=delta
            )
        elif ack.kind == "acknowledgement":
            clause = book.acknowledged_by_station.format(station=station, at=say.code(ack.at), delta=delta)
        else:
            clause = book.answered.format(
                station=station, id=say.code(ack.id), kind=say.kind(ack.kind), at=say.code(ack.at), delta=delta
            )
        if ack.note:
            clause += ", " + book.note.format(note=say.quoted(ack.note))
        clauses.append(clause + not_yet(ack.index))
        if ack.receipt is not None:
            template = book.ack_receipt if ack.kind == "acknowledgement" else book.answer_receipt
            clauses.append(
                template.format(
                    receiver=say.station(stations[ack.receipt.signer]), received=say.code(ack.receipt.received)
                )
            )
    if head is not None:
        kinds = {ack.kind == "acknowledgement" for ack in message.acknowledgements}
        if True not in kinds:
            clauses.append(absent(book.ack_absent))
        if False not in kinds:
            clauses.append(book.answer_absent if True not in kinds else absent(book.answer_absent_alone))
    logged = book.logged.format(
        index=say.code(str(message.index)),
        author=author,
        witness=witness,
        cosigned_at=say.code(message.checkpoint.cosigned_at),
    )
    return say.sentence(clauses) + " " + logged


def _checkpoint(say: _Say, report: BundleReport, author: str, witness: str) -> list[str]:
    book = say.book
    head = report.checkpoint
    lines = [
        book.checkpoint.format(
            author=author,
            witness=witness,
            size=say.code(str(head.size)),
            time=say.code(head.time),
            cosigned_at=say.code(head.cosigned_at),
            algorithms=say.code(ALGORITHMS),
            root=say.code(head.root_base64),
        )
    ]
    earlier: list[CheckpointFacts] = [c for c in report.checkpoints if c.size != head.size]
    if earlier:
        lines.append(book.earlier_checkpoints)
        for facts in earlier:
            item = book.earlier_checkpoint.format(
                size=say.code(str(facts.size)), time=say.code(facts.time), cosigned_at=say.code(facts.cosigned_at)
            )
            lines.append(f"  {item}")
    if head.clock_offset_ms is None:
        lines.append(book.offset_none)
    else:
        template = book.offset_ahead if head.clock_offset_ms >= 0 else book.offset_behind
        lines.append(template.format(other=witness, author=author, offset=say.offset(head.clock_offset_ms)))
        lines.append(book.offset_meaning)
    return lines
