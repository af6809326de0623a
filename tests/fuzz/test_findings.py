"""What the fuzz targets found, each kept as a case: inputs that raised an error its reader does not
document (a traceback for the operator, or the offline verifier stopping) are refused by name instead."""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

import pytest

from detente.errors import PeerError
from detente.ledger.note import NoteError, NoteKey
from detente.ledger.records import Record, seal_record
from detente.notifications.cap_import import from_cap
from detente.notifications.errors import CapImportError
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.signing import Signer

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
CAP = Path(__file__).resolve().parents[1] / "notifications" / "data" / "cap"
SIGNER = Signer(bytes(range(32)))


def test_a_record_without_a_signature_is_refused_not_a_key_error() -> None:
    record = seal_record(
        SIGNER, id="r1", station="TR-1", peer="SY-1", event="acknowledged", at="2026-11-26T09:00:00Z", detail="d"
    )
    assert record.verify(SIGNER.verifier)
    for sig in (None, "x", {"alg": "ed25519", "kid": "k"}, {"alg": 1, "kid": "k", "value": "v"}):
        obj = parse_json(record.canonical)
        if sig is None:
            del obj["sig"]
        else:
            obj["sig"] = sig
        with pytest.raises(ValueError, match="a record needs a signature"):
            Record.from_bytes(canonical_json(obj))


def test_a_verifier_key_with_a_character_outside_ascii_is_a_note_error() -> None:
    key = "TR-0123456789ab+01020304+" + base64.b64encode(b"\x01" + bytes(32)).decode() + "é"
    with pytest.raises(NoteError, match="the key is not base64"):
        NoteKey.from_vkey(key)


def test_a_card_with_such_a_key_is_a_peer_error() -> None:
    sys.path.insert(0, str(FUZZ))
    from detente.identity import parse_card

    card = parse_json(next((FUZZ / "corpus" / "card").iterdir()).read_bytes())
    card["note_keys"][0] = card["note_keys"][0][:-2] + "é="
    with pytest.raises(PeerError, match="note_keys: verifier key"):
        parse_card(card, "peer.card")


@pytest.mark.parametrize("encoding", ["UTF-6", "UTF-16-not", "cp932"])
def test_a_cap_alert_in_an_encoding_that_cannot_be_read_is_refused(encoding: str) -> None:
    alert = (CAP / "earthquake-tr-en-circle.xml").read_bytes()
    declared = alert.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)
    if declared == alert:
        declared = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode() + alert
    with pytest.raises(CapImportError, match="CAP document"):
        from_cap(declared)


def test_a_cap_alert_whose_polygons_cannot_be_joined_is_refused() -> None:
    """The fuzzer's input (a mutation of border-closure-update-en-polygons.xml): GEOS's TopologyException."""
    alert = (Path(__file__).parent / "data" / "cap-polygons-that-cannot-be-joined.xml").read_bytes()
    with pytest.raises(CapImportError, match="polygons cannot be joined into one area"):
        from_cap(alert)


def test_a_card_whose_certificate_has_an_unknown_x509_version_is_a_peer_error() -> None:
    """The fuzzer's input (a mutation of the card corpus): cryptography's own InvalidVersion escaped."""
    from detente.identity import parse_card

    card = parse_json((Path(__file__).parent / "data" / "card-x509-version.bin").read_bytes())
    with pytest.raises(PeerError, match="X.509"):
        parse_card(card, "peer.card")


def test_a_cap_polygon_of_fewer_than_four_points_is_refused() -> None:
    """The fuzzer's input (a mutation of a CAP example with two polygons): shapely's ValueError escaped."""
    alert = (Path(__file__).parent / "data" / "cap-polygon-of-three-points.xml").read_bytes()
    with pytest.raises(CapImportError, match="CAP 1.2 needs at least 4, the first repeated as the last"):
        from_cap(alert)


def test_a_cap_coordinate_off_the_earth_is_refused_with_it_in_the_reason() -> None:
    """The fuzzer's inputs: a longitude of 10^84 made the problem's number formatting raise (decimal's
    InvalidOperation), a circle's centre at latitude 93.65 a pydantic error; both are refused by name."""
    alert = (Path(__file__).parent / "data" / "cap-absurd-number.xml").read_bytes()
    with pytest.raises(CapImportError, match="is not a latitude and longitude on the Earth"):
        from_cap(alert)
    circle = (CAP / "earthquake-tr-en-circle.xml").read_bytes()
    centre = re.search(rb"<circle>([-0-9.]+),", circle)
    assert centre is not None
    moved = circle.replace(b"<circle>" + centre.group(1) + b",", b"<circle>93.65,", 1)
    with pytest.raises(CapImportError, match="'93.65,.*' is not a latitude and longitude on the Earth"):
        from_cap(moved)


def test_an_absurd_number_is_said_as_it_is() -> None:
    from detente.notifications.formatting import Formatter

    assert Formatter("en").number(3.75556e84, digits=5) == Formatter("en").ltr("3.75556e+84")
    assert Formatter("ar").number(float("nan")) == Formatter("ar").ltr("nan")
