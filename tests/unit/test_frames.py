"""Frames: length-prefixed canonical JSON, the decoder that splits a stream, and frame parsing."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import EnvelopeError, RemoteProtocolError
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.codes import RejectCode
from detente.protocol.envelope import Precedence, seal_envelope, seal_receipt
from detente.protocol.frames import (
    DEFAULT_MAX_FRAME,
    PROTOCOL_NAME,
    Bye,
    EnvelopeFrame,
    ErrorFrame,
    Frame,
    FrameDecoder,
    Hello,
    Ping,
    Pong,
    ReceiptFrame,
    encode_frame,
    envelope_frame_size,
    parse_frame,
)
from detente.protocol.timestamps import format_time
from pairs import T0, Durable, signer_for

ALPHA = Durable("alpha", signer_for("alpha"))
ENVELOPE = ALPHA.queue("bravo", T0, "Artillery fire observed near the crossing; please clarify.")
RECEIPT = seal_receipt(signer_for("bravo"), ENVELOPE, format_time(T0 + 0.25))

FRAMES: list[Frame] = [
    Hello((1, 2), "alpha", 1, 1_790_000_000_000_000),
    Hello((1,), "b" * 64, 2**53 - 1, 0),
    EnvelopeFrame(ENVELOPE),
    ReceiptFrame(1, RECEIPT),
    ReceiptFrame(0, RECEIPT),
    Ping(1, 1_790_000_000_250_000, 0),
    Ping(2**53 - 1, 0, 2**53 - 1),
    Pong(1, 1_790_000_000_250_000, 1_790_000_000_300_000),
    ErrorFrame("broken-chain", "envelope 2 says the previous hash is …"),
    ErrorFrame("", ""),
    Bye("shutdown"),
]

MALFORMED, UNEXPECTED = RejectCode.MALFORMED_FRAME, RejectCode.UNEXPECTED_FRAME


def payload(obj: Any) -> bytes:
    return canonical_json(obj)


def framed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def frame_json(frame: Frame) -> dict[str, Any]:
    data: dict[str, Any] = parse_json(encode_frame(frame)[4:])
    return data


def refusal(data: bytes) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as info:
        parse_frame(data)
    return info.value


# --- encoding and round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("frame", FRAMES, ids=lambda f: type(f).__name__)
def test_round_trip(frame: Frame) -> None:
    data = encode_frame(frame)
    (length,) = struct.unpack(">I", data[:4])
    assert length == len(data) - 4
    body = data[4:]
    assert canonical_json(parse_json(body)) == body  # the payload is in canonical form
    assert parse_frame(body) == frame


def test_wire_form_of_each_frame() -> None:
    assert frame_json(FRAMES[0]) == {
        "t": "hello",
        "protocol": PROTOCOL_NAME,
        "versions": [1, 2],
        "station": "alpha",
        "next": 1,
        "time_us": 1_790_000_000_000_000,
    }
    assert encode_frame(Ping(3, 4, 5)) == framed(b'{"ack":5,"n":3,"t":"ping","time_us":4}')
    assert encode_frame(Pong(3, 4, 5)) == framed(b'{"echo_us":4,"n":3,"t":"pong","time_us":5}')
    assert encode_frame(Bye("shutdown")) == framed(b'{"reason":"shutdown","t":"bye"}')
    assert encode_frame(ErrorFrame("x", "y")) == framed(b'{"code":"x","detail":"y","t":"error"}')
    assert frame_json(EnvelopeFrame(ENVELOPE)) == {"t": "env", "env": ENVELOPE.to_json()}
    assert frame_json(ReceiptFrame(7, RECEIPT)) == {"t": "rcpt", "ack": 7, "rcpt": RECEIPT.to_json()}


def test_message_frames_are_the_canonical_form_of_the_frame_object() -> None:
    # Envelope and receipt frames are written around the objects' canonical bytes, not
    # canonicalized again: the bytes must be exactly what canonicalizing the whole frame gives.
    assert encode_frame(EnvelopeFrame(ENVELOPE))[4:] == canonical_json({"t": "env", "env": ENVELOPE.to_json()})
    for ack in (0, 7, 2**53 - 1):
        expected = canonical_json({"t": "rcpt", "ack": ack, "rcpt": RECEIPT.to_json()})
        assert encode_frame(ReceiptFrame(ack, RECEIPT))[4:] == expected


def test_envelope_and_receipt_survive_framing_with_their_hash() -> None:
    env = parse_frame(encode_frame(EnvelopeFrame(ENVELOPE))[4:])
    rcpt = parse_frame(encode_frame(ReceiptFrame(1, RECEIPT))[4:])
    assert isinstance(env, EnvelopeFrame) and env.envelope.hash == ENVELOPE.hash
    assert isinstance(rcpt, ReceiptFrame) and rcpt.receipt.hash == RECEIPT.hash


def test_envelope_frame_size() -> None:
    assert envelope_frame_size(ENVELOPE) == len(encode_frame(EnvelopeFrame(ENVELOPE)))


def test_encode_refuses_what_is_not_a_frame() -> None:
    with pytest.raises(TypeError):
        encode_frame("hello")  # type: ignore[arg-type]


# --- the decoder ------------------------------------------------------------------------------------

STREAM = b"".join(encode_frame(f) for f in FRAMES)
PAYLOADS = [encode_frame(f)[4:] for f in FRAMES]


def test_decoder_fed_byte_by_byte() -> None:
    decoder = FrameDecoder()
    out: list[bytes] = []
    boundaries = []
    for index in range(len(STREAM)):
        got = decoder.feed(STREAM[index : index + 1])
        if got:
            boundaries.append(index + 1)
        out += got
        assert decoder.buffered == (index + 1) - (boundaries[-1] if boundaries else 0)
    assert out == PAYLOADS
    assert decoder.buffered == 0
    assert [parse_frame(p) for p in out] == FRAMES


def test_decoder_returns_every_frame_of_one_chunk() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(STREAM + STREAM[:3]) == PAYLOADS
    assert decoder.buffered == 3
    assert decoder.feed(STREAM[3:]) == PAYLOADS
    assert decoder.feed(b"") == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, len(STREAM)), max_size=30))
def test_decoder_any_chunking(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(STREAM)]
    decoder = FrameDecoder()
    out: list[bytes] = []
    for start, end in zip(points, points[1:], strict=False):
        out += decoder.feed(STREAM[start:end])
    assert out == PAYLOADS and decoder.buffered == 0


def test_decoder_zero_length() -> None:
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError) as info:
        decoder.feed(b"\x00\x00\x00\x00")
    assert info.value.code == MALFORMED
    # Also when it follows a good frame in the same chunk: that frame was complete, the rest is not.
    with pytest.raises(RemoteProtocolError):
        FrameDecoder().feed(encode_frame(Bye("x")) + b"\x00\x00\x00\x00")


def test_decoder_refuses_oversize_as_soon_as_the_header_arrives() -> None:
    decoder = FrameDecoder(max_frame=1000)
    header = struct.pack(">I", 1001)
    for byte in header[:3]:
        assert decoder.feed(bytes([byte])) == []
    with pytest.raises(RemoteProtocolError) as info:
        decoder.feed(header[3:])
    assert info.value.code == RejectCode.FRAME_TOO_LARGE == "frame-too-large"
    assert "1001" in info.value.detail and "1000" in info.value.detail
    assert decoder.buffered == 4  # the header only: it never waited for, or kept, the body


def test_decoder_refuses_a_4_gib_announcement_without_waiting() -> None:
    decoder = FrameDecoder()
    with pytest.raises(RemoteProtocolError) as info:
        decoder.feed(b"\xff\xff\xff\xff")
    assert info.value.code == RejectCode.FRAME_TOO_LARGE


def test_decoder_accepts_exactly_the_limit() -> None:
    body = b'{"reason":"' + b"x" * 41 + b'","t":"bye"}'
    assert len(body) == 64
    assert FrameDecoder(max_frame=64).feed(framed(body)) == [body]
    with pytest.raises(RemoteProtocolError) as info:
        FrameDecoder(max_frame=64).feed(framed(body + b" "))
    assert info.value.code == RejectCode.FRAME_TOO_LARGE


def test_decoder_limits() -> None:
    assert FrameDecoder().max_frame == DEFAULT_MAX_FRAME == 1 << 20
    with pytest.raises(ValueError):
        FrameDecoder(max_frame=63)


# --- parse_frame: refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00",
        b"not json",
        b'{"t":"bye","reason":"x"',
        b"[]",
        b'"bye"',
        b"{}",
        b'{"t":1}',
        b'{"t":null,"reason":"x"}',
        b'{"t":"bye","reason":"x","reason":"y"}',
        b'{"t":"ping","n":NaN,"time_us":0,"ack":0}',
        b'{"t":"ping","n":1e400,"time_us":0,"ack":0}',
        b"[" * 5000,
    ],
)
def test_garbage_is_malformed(data: bytes) -> None:
    assert refusal(data).code == MALFORMED


@pytest.mark.parametrize("kind", ["HELLO", "envelope", "receipt", "ack", "", "x" * 100])
def test_unknown_frame_type(kind: str) -> None:
    error = refusal(payload({"t": kind}))
    assert error.code == UNEXPECTED
    assert len(error.detail) < 80  # the peer's text is truncated in the detail


@pytest.mark.parametrize("frame", FRAMES, ids=lambda f: type(f).__name__)
def test_extra_member(frame: Frame) -> None:
    data = frame_json(frame) | {"extra": 1}
    assert refusal(payload(data)).code == MALFORMED


@pytest.mark.parametrize("frame", FRAMES, ids=lambda f: type(f).__name__)
def test_missing_members(frame: Frame) -> None:
    for member in frame_json(frame):
        if member == "t":
            continue
        data = frame_json(frame)
        del data[member]
        assert refusal(payload(data)).code == MALFORMED


HELLO = frame_json(FRAMES[0])


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("protocol", "detente2"),
        ("protocol", None),
        ("versions", []),
        ("versions", 1),
        ("versions", [1, -1]),
        ("versions", [True]),
        ("versions", [1.5]),
        ("versions", [2.0**53]),
        ("versions", ["1"]),
        ("station", ""),
        ("station", "s" * 65),
        ("station", 5),
        ("next", 0),
        ("next", -1),
        ("next", True),
        ("next", 2.5),
        ("time_us", -1),
        ("time_us", None),
        ("time_us", 2.0**53),
    ],
)
def test_bad_hello(member: str, value: Any) -> None:
    assert refusal(payload(HELLO | {member: value})).code == MALFORMED


@pytest.mark.parametrize(
    "data",
    [
        {"t": "ping", "n": -1, "time_us": 0, "ack": 0},
        {"t": "ping", "n": 0, "time_us": 0, "ack": False},
        {"t": "pong", "n": 0, "echo_us": "0", "time_us": 0},
        {"t": "rcpt", "ack": -1, "rcpt": RECEIPT.to_json()},
        {"t": "error", "code": "c" * 65, "detail": ""},
        {"t": "error", "code": "x", "detail": "d" * 2001},
        {"t": "error", "code": 4, "detail": ""},
        {"t": "bye", "reason": "r" * 201},
        {"t": "bye", "reason": None},
    ],
)
def test_bad_members(data: dict[str, Any]) -> None:
    assert refusal(payload(data)).code == MALFORMED


def test_text_limits_are_inclusive() -> None:
    assert parse_frame(payload({"t": "error", "code": "c" * 64, "detail": "d" * 2000})) == ErrorFrame(
        "c" * 64, "d" * 2000
    )
    assert parse_frame(payload({"t": "bye", "reason": "r" * 200})) == Bye("r" * 200)


def test_bad_envelope_or_receipt_inside_a_frame() -> None:
    env = ENVELOPE.to_json()
    env["seq"] = 0
    with pytest.raises(EnvelopeError) as info:
        parse_frame(payload({"t": "env", "env": env}))
    assert info.value.code == RejectCode.MALFORMED_ENVELOPE
    assert isinstance(info.value, RemoteProtocolError)
    with pytest.raises(EnvelopeError) as info:
        parse_frame(payload({"t": "rcpt", "ack": 1, "rcpt": ENVELOPE.to_json()}))
    assert info.value.code == RejectCode.MALFORMED_RECEIPT
    with pytest.raises(EnvelopeError) as info:
        parse_frame(payload({"t": "env", "env": "envelope"}))
    assert info.value.code == RejectCode.MALFORMED_ENVELOPE


def test_deeply_nested_body_is_refused_not_a_crash() -> None:
    # Before the nesting limit, ~1000 brackets raised RecursionError out of the core.
    body = b'{"x":' + b"[" * 990 + b"]" * 990 + b"}"
    text = canonical_json(ENVELOPE.to_json()).replace(b'"body":{', b'"body":{"deep":' + body + b",", 1)
    assert refusal(b'{"env":' + text + b',"t":"env"}').code == MALFORMED


# --- the actual contract on canonical form ----------------------------------------------------------


def test_valid_json_that_is_not_canonical_is_accepted() -> None:
    """Frames are sent in canonical form, but the receiver does not insist on it (PROTOCOL.md
    §3.2): it never uses the received bytes as such. It recomputes the canonical form of what it
    parsed, so the hash and the signature check are those of the canonical envelope."""
    env_json = canonical_json(ENVELOPE.to_json()).decode()
    loose = (
        '{ "t" : "env" ,\n  "env" : ' + env_json.replace('"seq":1', '"seq" : 1').replace(":", ": ", 3) + "  }"
    ).encode()
    assert canonical_json(parse_json(loose)) != loose
    frame = parse_frame(loose)
    assert isinstance(frame, EnvelopeFrame)
    assert frame.envelope == ENVELOPE and frame.envelope.hash == ENVELOPE.hash
    frame.envelope.verify({ALPHA.signer.kid: ALPHA.signer.verifier})
    # Unsorted members and needless escapes too.
    assert parse_frame(b'{"time_us":5,"t":"ping","ack":0,"n":1}') == Ping(1, 5, 0)
    assert parse_frame(b'{"t":"bye","reason":"\\u0073hutdown"}') == Bye("shutdown")


@pytest.mark.parametrize("number", [b"1.5", b"1.0", b"1e0", b"9007199254740992", b"-0.0"])
def test_a_number_that_is_not_an_integer_literal_is_refused_where_an_integer_belongs(number: bytes) -> None:
    assert refusal(b'{"t":"ping","n":' + number + b',"time_us":0,"ack":0}').code == MALFORMED


def test_frames_are_built_from_the_sealed_objects() -> None:
    # A frame carries the very envelope sealed: same canonical bytes, hence same hash.
    envelope = seal_envelope(
        ALPHA.signer,
        id=ENVELOPE.id,
        sender="alpha",
        recipient="bravo",
        seq=1,
        prev=ENVELOPE.prev,
        created=ENVELOPE.created,
        kind="free-text",
        precedence=Precedence.ROUTINE,
        body=dict(ENVELOPE.body),
    )
    assert envelope == ENVELOPE
    assert encode_frame(EnvelopeFrame(envelope)) == encode_frame(EnvelopeFrame(ENVELOPE))
