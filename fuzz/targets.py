"""The fuzz targets: each feeds untrusted bytes to one of détente's readers and lets through only the
errors that reader documents; any other exception, a hang or a memory blow-up is a finding.

``python fuzz/run.py NAME [libFuzzer options] [corpus folders]`` runs one under atheris; ``make fuzz``
runs them all; tests/fuzz/test_fuzz_targets.py runs each briefly on its seed corpus (fuzz/corpus/NAME,
made by fuzz/make_corpus.py with the real code). The keys are fixed, so that a seed's signature verifies
and the mutations reach the checks after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from detente.courier.bundle import parse_courier, sealing_info
from detente.errors import EnvelopeError, PeerError, RemoteProtocolError
from detente.identity import parse_card
from detente.ledger.records import Record
from detente.lines.charter import Charter, LineRefused
from detente.notifications.cap_import import from_cap
from detente.notifications.errors import CapImportError
from detente.notifications.validation import validate
from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.envelope import Envelope, Receipt
from detente.protocol.frames import FrameDecoder, parse_frame
from detente.protocol.signing import Signer
from detente.sealing import Sealer

TR = Signer(bytes(range(32)))
"""The sending station's signing key (TR-0123456789ab)."""
SY = Signer(bytes(range(32, 64)))
"""The receiving station's signing key (SY-0123456789ab)."""
TR_ID, SY_ID = "TR-0123456789ab", "SY-0123456789ab"
SY_SEALER = Sealer(bytes(range(64, 160)))
"""The receiving station's sealing key: what opens the items of a courier file addressed to it."""
VERIFIERS = {TR_ID: TR.verifier, SY_ID: SY.verifier}
MAX_FRAME = 64 * 1024


def frames(data: bytes) -> None:
    """The link's frame decoder and parser, on a byte stream from the peer (RemoteProtocolError)."""
    try:
        decoder = FrameDecoder(MAX_FRAME)
        for payload in decoder.feed(data[: len(data) // 2]) + decoder.feed(data[len(data) // 2 :]):
            parse_frame(payload)
    except RemoteProtocolError:
        pass
    try:
        parse_frame(data)
    except RemoteProtocolError:
        pass


def canonical(data: bytes) -> None:
    """The strict JSON parser (ValueError); what it accepts is written canonically, and reads back the same."""
    try:
        value = parse_json(data)
    except ValueError:
        return
    try:
        encoded = canonical_json(value)
    except ValueError:
        return  # e.g. a lone surrogate: JSON can carry it, canonical JSON refuses it
    if canonical_json(parse_json(encoded)) != encoded:
        raise AssertionError(f"canonical JSON does not read back as itself: {encoded[:200]!r}")


def envelope(data: bytes) -> None:
    """Envelopes and receipts from the peer: their form, then their signatures (EnvelopeError, ValueError)."""
    try:
        obj = parse_json(data)
    except ValueError:
        return
    for kind in (Envelope, Receipt):
        try:
            item = kind.from_json(obj)
            item.verify(VERIFIERS)
        except (EnvelopeError, ValueError):
            pass


def record(data: bytes) -> None:
    """A signed record of the log, as an evidence bundle carries it (ValueError; verify says yes or no)."""
    try:
        item = Record.from_bytes(data)
    except ValueError:
        return
    if not isinstance(item.verify(TR.verifier), bool):
        raise AssertionError("Record.verify answers yes or no")


def courier(data: bytes) -> None:
    """A courier file addressed to SY (PeerError), and the sealed items in it."""
    try:
        document = parse_courier(data, "courier.json", dict(VERIFIERS), (SY_ID, "SY"))
    except PeerError:
        return
    for what, items in (("envelope", document.envelopes), ("receipt", document.receipts)):
        for item in items:
            try:
                SY_SEALER.open(item.sealed, sealing_info(document.sender, document.recipient, what, item.message_id))
            except PeerError:
                pass


def cap(data: bytes) -> None:
    """A CAP 1.2 alert to import (CapImportError)."""
    try:
        from_cap(data)
    except CapImportError:
        pass


def charter(data: bytes) -> None:
    """A line charter as an envelope carries it (ValueError from the JSON, LineRefused from the charter)."""
    try:
        Charter.from_json(parse_json(data))
    except (ValueError, LineRefused):
        pass


def card(data: bytes) -> None:
    """A station card, as a file read by `detente peer add` (ValueError from the JSON, PeerError from the card)."""
    try:
        obj = parse_json(data)
    except ValueError:
        return
    try:
        parse_card(obj, "peer.card")
    except PeerError:
        pass


def _request_models() -> list[type[Any]]:
    from detente.web import models

    return [getattr(models, name) for name in sorted(models.__all__) if name.endswith("Request")]


def api(data: bytes) -> None:
    """The console's JSON request bodies (pydantic's ValidationError); the first byte picks the model. A valid
    send or preview body goes on to the notification's validation, which answers with problems, never raises."""
    from pydantic import ValidationError

    from detente.web.models import SendRequest

    if not data:
        return
    chosen = _MODELS[data[0] % len(_MODELS)]
    try:
        body = chosen.model_validate_json(data[1:])
    except ValidationError:
        return
    if isinstance(body, SendRequest):
        validate(body.kind, body.body, lang="en")


_MODELS = _request_models()

TARGETS: dict[str, Callable[[bytes], None]] = {
    "frames": frames,
    "canonical": canonical,
    "envelope": envelope,
    "record": record,
    "courier": courier,
    "cap": cap,
    "charter": charter,
    "card": card,
    "api": api,
}
"""Every target, by the name of its corpus folder."""
