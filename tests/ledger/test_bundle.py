"""Evidence bundles from two real stations: Ankara (TR) and Damascus (SY) run in-process over real
TLS on loopback, exchange messages both ways and an operator's acknowledgement, and co-sign
each other's checkpoints. Bundles exported by message id and by time verify offline and say what
they prove in four languages; any modified byte, and each kind of forgery a dishonest exporter
could attempt with its own keys, fails with a reason."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from detente.home import Home, create_station
from detente.identity import build_card
from detente.ledger.bundle import BundleError, describe, export_bundle, verify_bundle
from detente.ledger.note import NoteSigner, SignedNote, parse_note
from detente.ledger.records import seal_record
from detente.outbox import queue_message
from detente.peers import peer_by_party, pin_peer
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import Envelope, Precedence, seal_envelope
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time
from detente.station import Station
from detente.store import Store
from integration.stations import free_port
from ledger.bundle_factory import sign_bundle, station

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


@dataclass
class Exchange:
    """What happened on the line, as the tests need to know it."""

    tr: Home
    sy: Home
    flight: str
    """TR → SY, IMMEDIATE flight notice, acknowledged by SY's operator."""
    reply: str
    """SY → TR, FLASH free text."""
    ack: str
    alarm: str
    """A record (an alarm) TR entered in its log of the line."""
    late: str
    """A record TR entered about the flight notice (that it was sent late)."""
    started: float
    finished: float


def _home(path: Path, name: str, party: str, language: str) -> Home:
    home = create_station(path, name=name, party=party, listen=f"127.0.0.1:{free_port()}", language=language)
    config = home.config_path.read_text(encoding="utf-8")
    config = re.sub(r"(?m)^checkpoint_seconds = \S+", "checkpoint_seconds = 0.2", config)
    config = re.sub(r'(?m)^console = "[^"]*"', 'console = ""', config)  # no operator console: two stations, one host
    home.config_path.write_text(config)
    return Home(path)


def _queue(home: Home, party: str, kind: str, precedence: Precedence, body: dict[str, Any]) -> str:
    store = home.open_store()
    try:
        peer = peer_by_party(store, party).station_id
        return queue_message(home, store, peer=peer, kind=kind, precedence=precedence, body=body, now=time.time()).id
    finally:
        store.close()


def _with_store(home: Home, action: Any) -> Any:
    store = home.open_store()
    try:
        return action(store)
    finally:
        store.close()


def _fully_cosigned(home: Home, party: str, minimum: int) -> bool:
    def check(store: Store) -> bool:
        peer = peer_by_party(store, party).station_id
        size = store.log_size("own", peer)
        cosigned = [c.size for c in store.checkpoints("own", peer) if c.cosigned_at]
        return size >= minimum and bool(cosigned) and cosigned[-1] == size

    return bool(_with_store(home, check))


def _run_line(exchange: Exchange) -> None:
    """Run both stations until SY has the flight notice, then acknowledge it as SY's operator,
    and run on until each station's log is fully co-signed by the other."""

    async def run() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(Station(home).run(stop)) for home in (exchange.tr, exchange.sy)]
        try:
            deadline = time.monotonic() + 20
            while not _with_store(exchange.sy, lambda s: s.message(exchange.flight)):
                assert time.monotonic() < deadline, "the flight notice never reached SY"
                await asyncio.sleep(0.05)
            flight = _with_store(exchange.sy, lambda s: s.message(exchange.flight))
            exchange.ack = _queue(
                exchange.sy,
                "TR",
                "acknowledgement",
                Precedence.IMMEDIATE,
                {
                    "acknowledges": exchange.flight,
                    "envelope": flight.envelope_hash,
                    "operator": "Lt. Haddad",
                    "role": "operator",
                    "at": format_time(time.time()),
                    "note": "Alındı, anlaşıldı",
                },
            )
            # TR's log: 2 envelopes, 2 receipts, 2 records, the acknowledgement and its receipt.
            while not (_fully_cosigned(exchange.tr, "SY", 8) and _fully_cosigned(exchange.sy, "TR", 6)):
                assert time.monotonic() < deadline, "the logs were not co-signed in time"
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    asyncio.run(run())


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exchange]:
    root = tmp_path_factory.mktemp("line")
    tr = _home(root / "tr", "Ankara Operations Centre", "TR", "tr")
    sy = _home(root / "sy", "Damascus Operations Centre", "SY", "ar")
    for home, other in ((tr, sy), (sy, tr)):
        _with_store(
            home, lambda s, home=home, other=other: pin_peer(home, s, other.card(), source="card", now=time.time())
        )
    started = time.time()
    flight = _queue(
        tr,
        "SY",
        "flight-notice",
        Precedence.IMMEDIATE,
        {"lang": "tr", "text": "Kilis kuzeyinde iki F-16 sınır devriyesi, 11:00–13:00Z."},
    )
    reply = _queue(sy, "TR", "free-text", Precedence.FLASH, {"lang": "ar", "text": "تم الاستلام"})

    def record(store: Store, event: str, detail: str, evidence: dict[str, Any]) -> str:
        peer = peer_by_party(store, "SY").station_id
        now = time.time()
        sealed = seal_record(
            tr.signer,
            id=uuid7(int(now * 1000), random.randbytes(10)),
            station=tr.config.station_id,
            peer=peer,
            event=event,
            at=format_time(now),
            detail=detail,
            evidence=evidence,
        )
        if event.startswith("alarm"):
            store.add_alarm(peer, event, detail, sealed.at, (sealed.id, sealed.canonical))
        else:
            store.add_record(peer, sealed.id, event, sealed.at, sealed.canonical)
        return sealed.id

    alarm = _with_store(tr, lambda s: record(s, "alarm.test", "a test alarm entered in the record", {}))
    late = _with_store(
        tr, lambda s: record(s, "notice.late", "sent 20 minutes before the flight; 1 hour is due", {"message": flight})
    )
    exchange = Exchange(tr, sy, flight, reply, "", alarm, late, started, 0.0)
    _run_line(exchange)
    exchange.finished = time.time()
    yield exchange


def _export(home: Home, **selection: Any) -> bytes:
    return bytes(_with_store(home, lambda s: export_bundle(home, s, now=time.time(), **selection)))


@pytest.fixture(scope="module")
def by_id(line: Exchange) -> bytes:
    return _export(line.tr, message_ids=[line.flight])


# --- what a bundle holds and proves -----------------------------------------------------------------


def test_a_bundle_by_message_id_holds_the_message_its_receipt_and_its_acknowledgement(
    line: Exchange, by_id: bytes
) -> None:
    report = verify_bundle(by_id)
    assert [m.id for m in report.messages] == [line.flight]
    message = report.messages[0]
    tr_id, sy_id = line.tr.config.station_id, line.sy.config.station_id
    assert (message.sender, message.recipient, message.kind, message.precedence) == (
        tr_id,
        sy_id,
        "flight-notice",
        "immediate",
    )
    assert message.receipt is not None and message.receipt.signer == sy_id
    (ack,) = message.acknowledgements
    assert (ack.id, ack.station, ack.operator, ack.note) == (line.ack, sy_id, "Lt. Haddad", "Alındı, anlaşıldı")
    assert ack.receipt is not None and ack.receipt.signer == tr_id, "TR's receipt of the acknowledgement"
    assert report.entries == 5
    assert [(r.id, r.event, r.message) for r in report.records] == [(line.late, "notice.late", line.flight)]
    assert report.selected_messages == (line.flight,)
    assert (report.exporter.station_id, report.peer.station_id) == (tr_id, sy_id)
    assert report.checkpoint.size >= max(message.index, ack.index) + 1
    assert message.checkpoint.size > message.index, "the first co-signed checkpoint that includes the message"
    assert report.checkpoints[-1] == report.checkpoint


def test_a_bundle_by_time_holds_every_message_of_the_period_both_ways_and_the_records(line: Exchange) -> None:
    report = verify_bundle(_export(line.tr, since=format_time(line.started - 1), until=format_time(line.finished)))
    assert {m.id for m in report.messages} == {line.flight, line.reply}, "acknowledgements come with their message"
    assert [(r.id, r.event, r.message) for r in report.records] == [
        (line.alarm, "alarm.test", None),
        (line.late, "notice.late", line.flight),
    ]
    assert report.selected_messages == () and report.selected_from == format_time(line.started - 1)
    reply = next(m for m in report.messages if m.id == line.reply)
    assert reply.receipt is not None and reply.receipt.signer == line.tr.config.station_id
    assert report.entries == 8


def test_a_time_range_selects_by_the_sender_s_clock_inclusively(line: Exchange) -> None:
    flight = _with_store(line.tr, lambda s: s.message(line.flight))
    report = verify_bundle(_export(line.tr, since=flight.created_at, until=flight.created_at))
    assert [m.id for m in report.messages] == [line.flight]
    later = format_time(line.finished)
    report = verify_bundle(_export(line.tr, since=flight.created_at.replace("Z", "+00:00"), until=later))
    assert line.flight in {m.id for m in report.messages}


def test_the_peer_exports_the_same_exchange_from_its_own_log(line: Exchange) -> None:
    report = verify_bundle(_export(line.sy, message_ids=[line.flight]))
    assert report.exporter.station_id == line.sy.config.station_id
    message = report.messages[0]
    assert message.receipt is not None and message.receipt.signer == line.sy.config.station_id
    assert [a.id for a in message.acknowledgements] == [line.ack]


@pytest.mark.parametrize("lang", ["tr", "ar", "en", "ru"])
def test_describe_says_who_signed_what_and_when_in_each_language(line: Exchange, by_id: bytes, lang: str) -> None:
    report = verify_bundle(by_id)
    text = describe(report, lang)
    message = report.messages[0]
    assert message.receipt is not None
    ack = message.acknowledgements[0]
    for needed in (
        line.flight,
        "Ankara Operations Centre",
        "Damascus Operations Centre",
        message.created,
        message.receipt.received,
        ack.at,
        "Lt. Haddad",
        report.checkpoint.time,
        report.checkpoint.cosigned_at,
        report.exporter.fingerprint,
        report.peer.fingerprint,
        str(report.checkpoint.size),
    ):
        assert needed in text, f"{lang}: {needed!r} is missing from\n{text}"
    assert text.count(LRI) + text.count(FSI) == text.count(PDI), "every isolate is closed"
    kind_and_precedence = {
        "en": ("flight notice", "IMMEDIATE"),
        "tr": ("uçuş bildirimi", "ÇOK ACELE"),
        "ar": ("إشعار طيران", "فوري"),
        "ru": ("уведомление о полётах", "НЕМЕДЛЕННО"),
    }[lang]
    for word in kind_and_precedence:
        assert word in text, f"{lang}: {word!r} is missing"


def test_the_arabic_statement_isolates_every_left_to_right_token(by_id: bytes) -> None:
    report = verify_bundle(by_id)
    text = describe(report, "ar")
    message = report.messages[0]
    assert f"{LRI}{message.id}{PDI}" in text
    assert f"{LRI}{message.created}{PDI}" in text
    assert f"{FSI}Ankara Operations Centre{PDI}" in text
    outside = re.sub(f"[{LRI}{FSI}][^{PDI}]*{PDI}", "", text)
    assert not re.search(r"[A-Za-z0-9]", outside), f"Latin letters or digits outside an isolate: {outside!r}"
    assert re.search(r"[\u0600-\u06ff]", outside)
    for line in text.splitlines():
        if line.strip():
            first = re.sub(f"[{LRI}{FSI}][^{PDI}]*{PDI}", "", line).strip()[:1]
            assert "\u0600" <= first <= "\u06ff", f"a line must start right to left: {line!r}"


def test_describe_refuses_an_unknown_language(by_id: bytes) -> None:
    with pytest.raises(BundleError, match="language 'de' is not one of tr, ar, en, ru"):
        describe(verify_bundle(by_id), "de")


# --- any modified byte fails ------------------------------------------------------------------------


def _regions(data: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of the bundle's parts: each card, checkpoint and entry, and each small member."""
    bundle = parse_json(data)
    parts: dict[str, Any] = {name: bundle[name] for name in ("exported_at", "selection", "signature")}
    parts.update({f"cards.{role}": card for role, card in bundle["cards"].items()})
    parts.update({f"checkpoints[{i}]": c for i, c in enumerate(bundle["checkpoints"])})
    parts.update({f"entries[{i}]": e for i, e in enumerate(bundle["entries"])})
    regions = {}
    for name, part in parts.items():
        encoded = canonical_json(part)
        start = data.find(encoded)
        assert start >= 0, name
        regions[name] = (start, start + len(encoded))
    return regions


def test_every_modified_byte_makes_verification_fail_with_a_reason(by_id: bytes) -> None:
    """Every byte of the small members and of the whole-bundle structure, a window of every
    card, checkpoint and entry, and 250 positions spread over the whole bundle, each with another
    bit flipped (so that letters change case, digits change, base64 changes within its alphabet)."""
    data = by_id
    regions = _regions(data)
    rng = random.Random(3)
    positions = set(range(0, len(data), max(1, len(data) // 250)))
    positions |= set(range(0, 16)) | set(range(len(data) - 16, len(data)))
    for name, (start, end) in regions.items():
        if name in ("exported_at", "selection", "signature"):
            positions |= set(range(start - len(name) - 4, end))  # the member name, colon, value
        else:
            window = rng.randrange(start, max(start + 1, end - 24))
            positions |= set(range(window, min(end, window + 24))) | {start, end - 1}
    reasons: dict[str, int] = {}
    for number, position in enumerate(sorted(positions)):
        tampered = bytearray(data)
        tampered[position] ^= 1 << (number % 8)
        with pytest.raises(BundleError) as caught:
            verify_bundle(bytes(tampered))
        reason = str(caught.value)
        assert len(reason) > 20, reason
        reasons[reason.split(":")[0][:24]] = reasons.get(reason.split(":")[0][:24], 0) + 1
    assert len(positions) > 600
    assert len(reasons) > 5, f"the failures name where the bundle is wrong: {reasons}"


def test_a_truncated_extended_or_reformatted_bundle_fails(by_id: bytes) -> None:
    for changed, reason in (
        (by_id[:-1], "not valid JSON"),
        (by_id + b"\n", "not in its canonical RFC 8785 form"),
        (json.dumps(json.loads(by_id), indent=1).encode(), "differs from it at byte 1 "),
        (b"", "not valid JSON"),
        (b"[]", "not a JSON object"),
    ):
        with pytest.raises(BundleError, match=re.escape(reason)):
            verify_bundle(changed)


# --- forgeries by an exporter that holds its own keys ----------------------------------------------


def _tamper(line: Exchange, data: bytes, change: Any) -> bytes:
    """Change the bundle and sign it again with the exporter's (TR's) key, as a dishonest
    exporter would: only the checks inside the bundle can catch what it did."""
    bundle = parse_json(data)
    change(bundle)
    return sign_bundle(bundle, line.tr.signer)


def _fails(data: bytes, *reason: str) -> None:
    with pytest.raises(BundleError) as caught:
        verify_bundle(data)
    for part in reason:
        assert part in str(caught.value), f"{part!r} not in {caught.value}"


def test_re_signing_an_unchanged_bundle_still_verifies(line: Exchange, by_id: bytes) -> None:
    verify_bundle(_tamper(line, by_id, lambda b: None))


def test_an_entry_with_another_entry_s_proof_fails(line: Exchange, by_id: bytes) -> None:
    def swap(bundle: dict[str, Any]) -> None:
        entries = bundle["entries"]
        entries[0]["proof"], entries[1]["proof"] = entries[1]["proof"], entries[0]["proof"]

    _fails(_tamper(line, by_id, swap), "entries[0] (envelope-out", "inclusion proof does not lead", "bundle bytes")


def test_a_removed_cosignature_fails(line: Exchange, by_id: bytes) -> None:
    def remove(bundle: dict[str, Any]) -> None:
        note = bundle["checkpoints"][-1]["note"]
        bundle["checkpoints"][-1]["note"] = note[: note.rstrip("\n").rfind("\n") + 1]

    _fails(_tamper(line, by_id, remove), "cosig-mldsa65 cosignature of Damascus Operations Centre (SY) is missing")


def test_a_removed_envelope_signature_fails(line: Exchange, by_id: bytes) -> None:
    def remove(bundle: dict[str, Any]) -> None:
        del bundle["entries"][0]["object"]["sig"]["value"]

    _fails(_tamper(line, by_id, remove), "entries[0]", "sig lacks value")


@pytest.mark.parametrize(
    ("line_number", "what"),
    [
        (0, "the note-ed25519 signature of Ankara Operations Centre (TR) does not verify"),
        (1, "the note-mldsa65 signature of Ankara Operations Centre (TR) does not verify"),
        (2, "the cosig-ed25519 cosignature of Damascus Operations Centre (SY) does not verify"),
        (3, "the cosig-mldsa65 cosignature of Damascus Operations Centre (SY) does not verify"),
    ],
)
def test_an_altered_checkpoint_signature_fails(line: Exchange, by_id: bytes, line_number: int, what: str) -> None:
    """The last bit of a signature (of a cosignature's time) changed, written in canonical base64,
    and the bundle signed again by the exporter."""

    def alter(bundle: dict[str, Any]) -> None:
        note = parse_note(bundle["checkpoints"][-1]["note"])
        signatures = list(note.signatures)
        old = signatures[line_number]
        raw = bytearray(old.signature)
        raw[7 if line_number >= 2 else -1] ^= 1  # a cosignature's time is signed too
        signatures[line_number] = type(old)(old.name, old.key_id, bytes(raw))
        bundle["checkpoints"][-1]["note"] = str(SignedNote(note.text, tuple(signatures)))

    _fails(_tamper(line, by_id, alter), f"checkpoints[{len(parse_json(by_id)['checkpoints']) - 1}]", what)


def test_a_checkpoint_that_is_not_co_signed_fails(line: Exchange, by_id: bytes) -> None:
    def uncosign(bundle: dict[str, Any]) -> None:
        note = parse_note(bundle["checkpoints"][-1]["note"])
        bundle["checkpoints"][-1]["note"] = str(SignedNote(note.text, note.signatures[:2]))

    _fails(_tamper(line, by_id, uncosign), "cosig-ed25519 cosignature", "is missing (the checkpoint is not co-signed)")


def test_the_peer_s_card_swapped_for_another_station_s_fails(line: Exchange, by_id: bytes) -> None:
    other = station("IQ").card

    def swap(bundle: dict[str, Any]) -> None:
        bundle["cards"]["peer"] = other

    _fails(_tamper(line, by_id, swap), "checkpoints[0]", "does not belong with these cards")


def test_a_card_swapped_for_another_card_of_the_same_station_fails(line: Exchange, by_id: bytes) -> None:
    """A card the peer never had: same station id, party and name, other keys (made by the
    exporter to pass off cosignatures of its own)."""
    impostor = station("IQ")
    card = dict(parse_json(by_id)["cards"]["peer"])
    forged = build_card(
        signer=impostor.signer,
        note_signer=NoteSigner(f"detente.station/{card['station_id']}", impostor.signer.seed, bytes(range(32))),
        name=card["name"],
        party=card["party"],
        station_id=card["station_id"],
        language=card["language"],
        cert_pem=card["tls_certificate"],
        endpoints=tuple(card["endpoints"]),
    )
    assert forged["fingerprint"] != card["fingerprint"], "the fingerprint gives the impostor away"

    def swap(bundle: dict[str, Any]) -> None:
        bundle["cards"]["peer"] = forged

    _fails(_tamper(line, by_id, swap), "signature line 3 is by detente.station/", "key id")


def test_the_exporter_rewriting_its_own_message_is_caught_by_the_log(line: Exchange, by_id: bytes) -> None:
    """TR can sign a new version of its own envelope, but not put it in the co-signed log."""

    def rewrite(bundle: dict[str, Any]) -> None:
        old = Envelope.from_json(bundle["entries"][0]["object"])
        new = seal_envelope(
            line.tr.signer,
            id=old.id,
            sender=old.sender,
            recipient=old.recipient,
            seq=old.seq,
            prev=old.prev,
            created=old.created,
            kind=old.kind,
            precedence=old.precedence,
            body={**old.body, "text": "Warning: leave the area at once."},
        )
        bundle["entries"][0]["object"] = new.to_json()

    _fails(_tamper(line, by_id, rewrite), "entries[0] (envelope-out", "inclusion proof does not lead")


def test_a_receipt_without_its_envelope_fails(line: Exchange, by_id: bytes) -> None:
    def drop(bundle: dict[str, Any]) -> None:
        del bundle["entries"][0]

    _fails(_tamper(line, by_id, drop), "receipt-in", "holds no envelope")


def test_a_selection_that_does_not_name_the_entries_fails(line: Exchange, by_id: bytes) -> None:
    def other_selection(bundle: dict[str, Any]) -> None:
        bundle["selection"] = {"messages": [line.reply]}

    _fails(_tamper(line, by_id, other_selection), "selection: message", "its envelope is not in the bundle")


def test_a_bundle_signed_by_the_peer_fails(line: Exchange, by_id: bytes) -> None:
    _fails(sign_bundle(parse_json(by_id), line.sy.signer), "must be signed by the exporter's signing key")


def test_changing_the_export_time_without_the_exporter_s_key_fails(by_id: bytes) -> None:
    bundle = parse_json(by_id)
    bundle["exported_at"] = "2020-01-01T00:00:00.000Z"
    _fails(canonical_json(bundle), "signature: the exporter's signature over the bundle does not verify")


def test_a_non_canonical_base64_signature_fails(by_id: bytes) -> None:
    """The last base64 digit of a 64-byte signature carries 4 unused bits: a digit that decodes
    to the same signature is still a changed byte."""
    bundle = parse_json(by_id)
    value = bundle["signature"]["value"]
    assert value.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = value[:-3] + alphabet[alphabet.index(value[-3]) ^ 1] + "=="
    assert base64.b64decode(twin) == base64.b64decode(value)
    bundle["signature"]["value"] = twin
    _fails(canonical_json(bundle), "signature: the exporter's signature over the bundle does not verify")


# --- what export refuses ------------------------------------------------------------------------------


def test_export_refuses_an_unknown_message(line: Exchange) -> None:
    unknown = uuid7(int(time.time() * 1000), bytes(10))
    with pytest.raises(BundleError, match=f"message {unknown}: no such message at this station"):
        _export(line.tr, message_ids=[line.flight, unknown])


def test_export_refuses_a_message_not_yet_covered_by_a_co_signed_checkpoint(line: Exchange, by_id: bytes) -> None:
    late = _queue(line.tr, "SY", "free-text", Precedence.ROUTINE, {"text": "not sent yet"})
    with pytest.raises(BundleError, match=f"message {late} is not yet covered by a checkpoint co-signed by SY") as e:
        _export(line.tr, message_ids=[late])
    assert "wait for the next checkpoint" in str(e.value)
    with pytest.raises(BundleError, match="not yet covered"):
        _export(line.tr, since=format_time(line.started - 1))
    verify_bundle(_export(line.tr, message_ids=[line.flight]))  # what is covered still exports


def test_export_refuses_an_acknowledgement_as_the_selected_message(line: Exchange) -> None:
    with pytest.raises(BundleError, match=f"is an acknowledgement of message {line.flight}"):
        _export(line.sy, message_ids=[line.ack])


@pytest.mark.parametrize(
    ("selection", "reason"),
    [
        ({}, "say which messages to export"),
        ({"message_ids": ["x"], "since": "2026-01-01T00:00:00Z"}, "either by id or by time"),
        ({"since": "yesterday"}, "'yesterday' is not an RFC 3339 time"),
        ({"since": "2026-11-26"}, "is not an RFC 3339 time"),
        ({"since": "2026-11-26T09:00:00"}, "is not an RFC 3339 time"),
        ({"since": "2030-01-01T00:00:00Z", "until": "2029-01-01T00:00:00Z"}, "the time range is empty"),
        ({"since": "2001-01-01T00:00:00Z", "until": "2001-01-02T00:00:00Z"}, "no messages and no records"),
    ],
)
def test_export_refuses_a_selection_it_cannot_make(line: Exchange, selection: dict[str, Any], reason: str) -> None:
    with pytest.raises(BundleError, match=re.escape(reason)):
        _export(line.tr, **selection)


def test_export_refuses_before_any_checkpoint_is_co_signed(tmp_path: Path) -> None:
    tr = _home(tmp_path / "tr", "Ankara Operations Centre", "TR", "tr")
    sy = _home(tmp_path / "sy", "Damascus Operations Centre", "SY", "ar")
    _with_store(tr, lambda s: pin_peer(tr, s, sy.card(), source="card", now=time.time()))
    sent = _queue(tr, "SY", "free-text", Precedence.FLASH, {"text": "the peer is not running"})
    with pytest.raises(BundleError, match="no checkpoint of this station's log of the line with SY is co-signed yet"):
        _export(tr, message_ids=[sent])


INVISIBLE_SAID = {
    "en": "invisible or direction-changing characters",
    "tr": "görünmez ya da yön değiştiren karakterler",
    "ar": "محارف غير مرئية",
    "ru": "невидимые символы",
}


@pytest.mark.parametrize("lang", ["tr", "ar", "en", "ru"])
def test_a_peers_invisible_characters_are_stated_as_code_points(by_id: bytes, lang: str) -> None:
    """The names and notes a statement quotes come from the peer's signed envelopes: an override
    in them is said as its code point, inside the statement's own isolates, and flagged."""
    report = verify_bundle(by_id)
    message = report.messages[0]
    ack = dataclasses.replace(
        message.acknowledgements[0], operator="Lt. \u202edadaH\u202c", note="Alındı\u200b anlaşıldı\u2028"
    )
    spoofed = dataclasses.replace(report, messages=(dataclasses.replace(message, acknowledgements=(ack,)),))
    text = describe(spoofed, lang)
    assert f"{FSI}Lt. ⟨U+202E⟩dadaH⟨U+202C⟩{PDI}" in text
    assert "Alındı⟨U+200B⟩ anlaşıldı⟨U+2028⟩" in text
    assert not {"\u202e", "\u202c", "\u200b", "\u2028"} & set(text)
    assert text.count(LRI) + text.count(FSI) == text.count(PDI), "every isolate is closed"
    assert INVISIBLE_SAID[lang] in text.strip().splitlines()[-1]
    assert INVISIBLE_SAID[lang] not in describe(report, lang)
