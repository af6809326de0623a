"""Courier files and sealing, without stations: what opens where, and how a file's envelopes
must continue the line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from detente.courier.bundle import build_courier, parse_courier, sealing_info
from detente.courier.exchange import plan_intake
from detente.errors import PeerError
from detente.protocol.envelope import GENESIS_HASH, Envelope, Precedence, seal_envelope
from detente.protocol.ids import uuid7
from detente.protocol.link import ReceiveCursor
from detente.protocol.signing import Signer
from detente.protocol.timestamps import format_time
from detente.sealing import Sealer, SealingKey, generate_sealing_key, seal

T0 = 1_790_000_000.0
TR, SY = Signer(b"t" * 32), Signer(b"s" * 32)


def _sealer(tmp_path: Path, name: str) -> Sealer:
    path = tmp_path / f"{name}.key"
    generate_sealing_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    return Sealer(path.read_bytes())


def _chain(count: int, start: int = 1, prev: str = GENESIS_HASH) -> list[Envelope]:
    envelopes = []
    for seq in range(start, start + count):
        envelope = seal_envelope(
            TR,
            id=uuid7(int(T0 * 1000) + seq, seq.to_bytes(10, "big")),
            sender="TR-1",
            recipient="SY-1",
            seq=seq,
            prev=prev,
            created=format_time(T0),
            kind="free-text",
            precedence=Precedence.ROUTINE,
            body={"text": f"m{seq}"},
        )
        envelopes.append(envelope)
        prev = envelope.hash
    return envelopes


def test_a_sealed_item_opens_only_for_its_station_and_its_context(tmp_path: Path) -> None:
    sy, other = _sealer(tmp_path, "sy"), _sealer(tmp_path, "other")
    assert SealingKey.from_json(sy.public.to_json()) == sy.public
    info = sealing_info("TR-1", "SY-1", "envelope", "m1")
    sealed = seal(b"the envelope", sy.public, info)
    assert b"the envelope" not in sealed
    assert sy.open(sealed, info) == b"the envelope"
    with pytest.raises(PeerError, match="does not open with this station's sealing key"):
        other.open(sealed, info)
    with pytest.raises(PeerError, match="another context"):
        sy.open(sealed, sealing_info("TR-1", "SY-1", "receipt", "m1"))
    with pytest.raises(PeerError):
        sy.open(sealed[:-1] + bytes([sealed[-1] ^ 1]), info)


def test_a_sealing_key_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="1216 bytes"):
        SealingKey.from_json({"alg": "mlkem768-x25519", "public": "AAAA"})
    with pytest.raises(ValueError):
        SealingKey.from_json({"alg": "x25519", "public": "AAAA"})


def test_a_courier_file_names_its_addressee_and_its_signer(tmp_path: Path) -> None:
    sy = _sealer(tmp_path, "sy")
    [envelope] = _chain(1)
    data = build_courier(
        TR,
        file_id=uuid7(int(T0 * 1000), os.urandom(10)),
        sender=("TR-1", "TR"),
        recipient=("SY-1", "SY"),
        recipient_key=sy.public,
        created=format_time(T0),
        envelopes=[(1, envelope.id, envelope.canonical)],
        receipts=[],
    )
    courier = parse_courier(data, "f", {"TR-1": TR.verifier}, ("SY-1", "SY"))
    assert courier.open_envelope(courier.envelopes[0], sy) == envelope.canonical
    with pytest.raises(PeerError, match="is for SY .* not this station \\(RU, RU-1\\)"):
        parse_courier(data, "f", {"TR-1": TR.verifier}, ("RU-1", "RU"))
    with pytest.raises(PeerError, match="not pinned here"):
        parse_courier(data, "f", {}, ("SY-1", "SY"))
    with pytest.raises(PeerError, match="does not verify with the pinned key"):
        parse_courier(data, "f", {"TR-1": SY.verifier}, ("SY-1", "SY"))
    with pytest.raises(PeerError, match="not a détente courier file"):
        parse_courier(b'{"hello": 1}', "f", {}, ("SY-1", "SY"))
    with pytest.raises(PeerError, match="not JSON"):
        parse_courier(b"\x00garbage", "f", {}, ("SY-1", "SY"))


def test_a_file_must_continue_the_line_where_it_stands() -> None:
    chain = _chain(6)
    fresh, held = plan_intake(list(reversed(chain[:4])), ReceiveCursor(), "f")  # any order in the file
    assert [e.seq for e in fresh] == [1, 2, 3, 4] and held == []
    at_three = ReceiveCursor(3, chain[1].hash)
    fresh, held = plan_intake(chain, at_three, "f")
    assert [e.seq for e in held] == [1, 2] and [e.seq for e in fresh] == [3, 4, 5, 6]
    with pytest.raises(PeerError, match="messages 3 to 4 are missing: import the earlier courier file"):
        plan_intake(chain[4:], at_three, "f")
    forked = _chain(2, start=3, prev=chain[0].hash)  # seq 3 claiming to follow seq 1
    with pytest.raises(PeerError, match="does not follow the last message held here"):
        plan_intake(forked, at_three, "f")
