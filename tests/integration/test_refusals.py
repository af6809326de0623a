"""What a real `detente serve` refuses, and that a refusal stores nothing and harms nothing.

The target is Ankara (TR). Damascus (SY) has the lower station id, so SY dials and TR only
accepts: the intruder (``intruder.Intruder``) dials TR as SY would, with SY's stolen TLS key and
certificate and, where the test needs it, SY's real signing key. SY's own `detente serve` is
not running while the intruder is at work; where it makes sense it is started afterwards to
show that TR still serves its legitimate peer.

Each test checks the refusal the way both operations centres would see it: the code in the
``error`` frame the intruder receives (when the refusal is past TLS, so there is a link to send
it on) and the ``frame.refused`` / ``connection.refused`` line in TR's log; and that nothing was
stored: TR's inbox (``detente inbox --json``) is unchanged.
"""

from __future__ import annotations

import random
import re
import ssl
import struct
from pathlib import Path

import pytest

from detente.home import Home
from detente.protocol.codes import RejectCode
from detente.protocol.envelope import GENESIS_HASH
from detente.protocol.frames import DEFAULT_MAX_FRAME, EnvelopeFrame, Hello, ReceiptFrame, encode_frame
from detente.protocol.signing import Verifier

from .intruder import Intruder, random_key, raw_garbage, with_corrupted_signature
from .stations import StationProcess, wait_until

Target = tuple[StationProcess, StationProcess, Intruder]


@pytest.fixture
def target(pair: tuple[StationProcess, StationProcess]) -> Target:
    """TR running (DEBUG log), SY pinned but stopped, and an intruder holding SY's keys."""
    tr, sy = pair
    assert Home(sy.home).config.station_id < Home(tr.home).config.station_id, "SY must be the dialing side"
    tr.start("--log-level", "DEBUG")
    return tr, sy, Intruder.impersonating(sy, target=tr)


# --- helpers ------------------------------------------------------------------------------------


def inbox_ids(station: StationProcess) -> list[str]:
    return [m["id"] for m in station.messages("inbox")]


def count_log(station: StationProcess, pattern: str) -> int:
    return len(re.findall(pattern, station.log(since_run=True)))


def wait_log_count(station: StationProcess, pattern: str, count: int) -> None:
    def enough() -> bool:
        assert station.process is not None and station.process.poll() is None, station.log()[-3000:]
        return count_log(station, pattern) >= count

    wait_until(enough, 15, what=f"{count} × {pattern!r} in the log of {station.name}")


def refused_line(code: RejectCode) -> str:
    return rf"WARNING +frame\.refused party=SY conn=\d+ code={re.escape(code.value)} "


def assert_refused(station: StationProcess, code: RejectCode, count: int = 1) -> None:
    """``frame.refused`` with ``code`` is logged (``count`` times, since this run began)."""
    wait_log_count(station, refused_line(code), count)


def assert_survived(station: StationProcess) -> None:
    assert station.process is not None and station.process.poll() is None, "serve died:\n" + station.log()[-3000:]
    log = station.log()
    for sign in ("Traceback", "Task exception", "Exception in callback", "store.failed", "message.not_stored"):
        assert sign not in log, f"{sign!r} in the serve log:\n{log[-3000:]}"


def assert_peer_still_served(tr: StationProcess, sy: StationProcess, inbox_before: list[str]) -> None:
    """The real SY starts, sends, and gets its receipts; TR stores exactly that, once."""
    assert_survived(tr)
    if sy.process is None or sy.process.poll() is not None:
        sy.start()
    message = sy.send("after the intrusion: still here", "TR", "immediate")
    wait_until(
        lambda: all(m["state"] == "delivered" for m in sy.messages("outbox")),
        20,
        what="SY's messages delivered to TR",
    )
    assert inbox_ids(tr) == [*inbox_before, message]
    assert_survived(tr)


# --- 1. TLS: only the pinned certificate gets in ---------------------------------------------------


def test_unpinned_certificate_and_no_certificate_are_refused_at_tls(target: Target, tmp_path: Path) -> None:
    tr, sy, intruder = target
    refused = r'WARNING +connection\.refused reason="[^"\n]*: TLS handshake refused: client certificate refused \({}\)'

    # A fresh self-signed certificate with exactly the pinned peer's subject: only the key differs.
    # (The intruder's side only sees the connection end: no hello, no byte of the protocol.)
    assert intruder.tls_refusal(intruder.stranger_context(tmp_path / "stranger"))
    wait_log_count(tr, refused.format("self-signed certificate"), 1)

    assert intruder.tls_refusal(intruder.anonymous_context())
    wait_log_count(tr, refused.format("PEER_DID_NOT_RETURN_A_CERTIFICATE"), 1)

    log = tr.log(since_run=True)
    assert "connection.open" not in log and "link.up" not in log, "a refused client reached the link"
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


# --- 2. A pinned TLS peer with a wrong signature ---------------------------------------------------


def test_envelope_signed_by_an_unpinned_key_is_refused_unknown_key(target: Target) -> None:
    tr, sy, intruder = target
    forged = intruder.envelope(signer=random_key(), text="signed by a key nobody pinned")
    with intruder.connect() as wire:
        wire.send(intruder.hello(), EnvelopeFrame(forged))
        assert wire.expect(Hello).station == intruder.target_id
        error = wire.refusal()
    assert error.code == RejectCode.UNKNOWN_KEY
    assert forged.sig_kid in error.detail
    tr.wait_log(r"link\.up party=SY", since_run=True)  # the stolen TLS identity did get in
    assert_refused(tr, RejectCode.UNKNOWN_KEY)
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


def test_envelope_with_a_corrupted_signature_is_refused_bad_signature(target: Target) -> None:
    tr, sy, intruder = target
    genuine = intruder.envelope(text="signed by the real key, then one bit flipped")
    corrupted = with_corrupted_signature(genuine)
    assert corrupted.sig_kid == genuine.sig_kid == intruder.signer.kid
    with intruder.connect() as wire:
        wire.send(intruder.hello(), EnvelopeFrame(corrupted))
        error = wire.refusal()
    assert error.code == RejectCode.BAD_SIGNATURE
    assert_refused(tr, RejectCode.BAD_SIGNATURE)
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


# --- 3. Replays ----------------------------------------------------------------------------------


def test_replayed_envelope_is_stored_once_and_answered_with_the_stored_receipt(target: Target) -> None:
    tr, sy, intruder = target
    # A genuine envelope: SY's operator queued it (SY's serve is stopped); the intruder copies it.
    message = sy.send("genuine message, to be replayed", "TR")
    store = Home(sy.home).open_store()
    try:
        (envelope,) = store.outgoing_after(intruder.target_id, 0, 10)
    finally:
        store.close()
    assert envelope.id == message and envelope.seq == 1
    captured = encode_frame(EnvelopeFrame(envelope))
    tr_key = Verifier.from_json(Home(tr.home).card()["signing_key"])

    with intruder.connect() as wire:
        wire.send(intruder.hello())
        wire.send_raw(captured)
        first = wire.expect(ReceiptFrame)
    first.receipt.verify({tr_key.kid: tr_key})
    assert (first.ack, first.receipt.message_id, first.receipt.envelope_hash) == (1, envelope.id, envelope.hash)
    tr.wait_log(r"message\.received party=SY seq=1 ", since_run=True)
    assert inbox_ids(tr) == [message]

    with intruder.connect() as wire:  # the same bytes again, on a new connection
        wire.send(intruder.hello())
        wire.send_raw(captured)
        again = wire.expect(ReceiptFrame)
    assert again.ack == 1
    assert again.receipt == first.receipt, "a duplicate must be answered with the stored receipt"
    tr.wait_log(r"DEBUG +message\.duplicate party=SY seq=1\b", since_run=True)
    assert count_log(tr, r"message\.received ") == 1
    assert count_log(tr, r"frame\.refused") == 0
    assert inbox_ids(tr) == [message]

    # The real SY, which never saw a receipt, resends the same envelope: receipted, not stored again.
    assert_peer_still_served(tr, sy, [message])
    assert [m["state"] for m in sy.messages("outbox")] == ["delivered", "delivered"]


def test_replayed_sequence_number_with_other_content_is_refused_and_replaces_nothing(target: Target) -> None:
    tr, sy, intruder = target
    sy.start()
    message = sy.send("the genuine message number 1", "TR", "flash")
    wait_until(lambda: sy.messages("outbox")[0]["state"] == "delivered", 20, what="message 1 delivered")
    assert sy.stop() == 0
    (stored,) = tr.messages("inbox")

    impostor = intruder.envelope(seq=1, text="a different message under number 1")
    assert impostor.prev == GENESIS_HASH and impostor.sig_kid == intruder.signer.kid
    with intruder.connect() as wire:
        wire.send(intruder.hello(), EnvelopeFrame(impostor))
        error = wire.refusal()
    assert error.code == RejectCode.CONFLICTING_ENVELOPE
    tr.wait_log(r"frame\.refused party=SY code=conflicting-envelope ", since_run=True)
    assert tr.messages("inbox") == [stored], "the stored message was changed"
    assert stored["id"] == message and stored["body"]["text"] == "the genuine message number 1"
    assert_peer_still_served(tr, sy, [message])


# --- 4. The hash chain -----------------------------------------------------------------------------


def test_first_envelope_whose_prev_is_not_genesis_is_refused_broken_chain(target: Target) -> None:
    tr, sy, intruder = target
    orphan = intruder.envelope(seq=1, prev="ab" * 32, text="claims a predecessor that never was")
    with intruder.connect() as wire:
        wire.send(intruder.hello(), EnvelopeFrame(orphan))
        error = wire.refusal()
    assert error.code == RejectCode.BROKEN_CHAIN
    assert_refused(tr, RejectCode.BROKEN_CHAIN)
    assert inbox_ids(tr) == []
    # TR's receiving position did not move: SY's real number 1 (prev = genesis) is accepted.
    assert_peer_still_served(tr, sy, [])


# --- 5. Frame size ---------------------------------------------------------------------------------


def test_frame_over_the_size_limit_is_refused_on_its_header(target: Target) -> None:
    tr, sy, intruder = target
    with intruder.connect() as wire:
        wire.send(intruder.hello())
        wire.expect(Hello)
        wire.send_raw(struct.pack(">I", DEFAULT_MAX_FRAME + 1))  # the header only: no payload follows
        # Had TR waited for the payload, it would have closed after 3 s of silence (dead_after)
        # with no error frame at all.
        error = wire.refusal(timeout=5)
    assert error.code == RejectCode.FRAME_TOO_LARGE
    assert str(DEFAULT_MAX_FRAME + 1) in error.detail
    assert_refused(tr, RejectCode.FRAME_TOO_LARGE)
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


# --- 6. Garbage ------------------------------------------------------------------------------------


def test_garbage_inside_tls_is_refused_before_and_after_hello(target: Target) -> None:
    tr, sy, intruder = target
    rng = random.Random(20261126)
    garbage = bytearray(rng.randbytes(200))
    garbage[0] |= 0x01  # a header of at least 16 MiB: refused without waiting for more

    with intruder.connect() as wire:  # before hello
        wire.send_raw(bytes(garbage))
        error = wire.refusal()
    assert error.code == RejectCode.FRAME_TOO_LARGE
    assert_refused(tr, RejectCode.FRAME_TOO_LARGE)

    with intruder.connect() as wire:  # after hello: a well-framed payload of random bytes
        payload = b"\xff" + rng.randbytes(99)
        wire.send(intruder.hello())
        wire.expect(Hello)
        wire.send_raw(struct.pack(">I", len(payload)) + payload)
        error = wire.refusal()
    assert error.code == RejectCode.MALFORMED_FRAME
    assert_refused(tr, RejectCode.MALFORMED_FRAME)

    with intruder.connect() as wire:  # a frame of length zero
        wire.send_raw(b"\x00\x00\x00\x00")
        error = wire.refusal()
    assert error.code == RejectCode.MALFORMED_FRAME
    assert_refused(tr, RejectCode.MALFORMED_FRAME, count=2)

    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


def test_garbage_on_the_plain_tcp_port_is_refused_at_the_tls_handshake(target: Target) -> None:
    tr, sy, intruder = target
    rng = random.Random(7)
    answers = [
        raw_garbage(intruder.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        raw_garbage(intruder.port, bytes([0x42]) + rng.randbytes(300)),
        raw_garbage(intruder.port, encode_frame(intruder.hello())),  # détente without TLS
    ]
    for answer in answers:  # nothing but, at most, a TLS alert record (content type 21)
        assert answer == b"" or answer[0] == 0x15, answer[:40]
    wait_log_count(tr, r"WARNING +connection\.refused reason=\"[^\"\n]*TLS handshake", len(answers))
    log = tr.log(since_run=True)
    assert "connection.open" not in log and "frame.refused" not in log
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


# --- 7, 8. Hello -------------------------------------------------------------------------------------


def test_hello_with_only_an_unknown_protocol_version_is_refused(target: Target) -> None:
    tr, sy, intruder = target
    with intruder.connect() as wire:
        wire.send(intruder.hello(versions=(99,)))
        hello = wire.expect(Hello)
        error = wire.refusal()
    assert hello.station == intruder.target_id
    assert error.code == RejectCode.UNSUPPORTED_VERSION
    assert "99" in error.detail
    assert_refused(tr, RejectCode.UNSUPPORTED_VERSION)
    assert "link.up" not in tr.log(since_run=True)
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])


@pytest.mark.parametrize("who", ["stranger", "target itself"])
def test_hello_naming_another_station_is_refused(target: Target, who: str) -> None:
    tr, sy, intruder = target
    station = "XX-0123456789ab" if who == "stranger" else intruder.target_id
    with intruder.connect() as wire:
        wire.send(intruder.hello(station=station), EnvelopeFrame(intruder.envelope()))
        error = wire.refusal()
    assert error.code == RejectCode.UNEXPECTED_STATION
    assert station in error.detail
    assert_refused(tr, RejectCode.UNEXPECTED_STATION)
    log = tr.log(since_run=True)
    assert "link.up" not in log and "message.received" not in log
    assert inbox_ids(tr) == []
    if who == "stranger":
        assert_peer_still_served(tr, sy, [])


# --- 9. Nothing weaker than TLS 1.3 ---------------------------------------------------------------


def test_a_client_offering_only_tls_1_2_is_refused_even_with_the_pinned_certificate(target: Target) -> None:
    tr, sy, intruder = target
    context = intruder.context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises((ssl.SSLError, ConnectionError)):
        intruder.connect(context)
    tr.wait_log(r'WARNING +connection\.refused reason="[^"\n]*: TLS handshake refused', since_run=True)
    log = tr.log(since_run=True)
    assert "link.up" not in log, "a TLS 1.2 client reached the link"
    assert inbox_ids(tr) == []
    assert_peer_still_served(tr, sy, [])
