"""What a verified evidence bundle proves: the facts :func:`~detente.ledger.evidence.verify_bundle`
reports, as frozen dataclasses (rendered by statements.py, and as JSON by absence.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

__all__ = [
    "AcknowledgementFacts",
    "BundleReport",
    "CheckpointFacts",
    "MessageFacts",
    "ReceiptFacts",
    "RecordFacts",
    "StationFacts",
]


@dataclass(frozen=True)
class StationFacts:
    station_id: str
    party: str
    name: str
    fingerprint: str


@dataclass(frozen=True)
class CheckpointFacts:
    size: int
    root: bytes
    time: str
    """When the exporter signed it, by its own clock."""
    clock_offset_ms: float | None
    """The peer's clock minus the exporter's, as recorded in the checkpoint."""
    cosigned_at: str
    """When the peer co-signed it, by the peer's clock, in whole seconds (``…T09:14:03Z``)."""

    @property
    def root_base64(self) -> str:
        return base64.b64encode(self.root).decode()


@dataclass(frozen=True)
class ReceiptFacts:
    signer: str
    received: str
    index: int


@dataclass(frozen=True)
class AcknowledgementFacts:
    """An envelope that names the message in ``"acknowledges"``: a person's acknowledgement, or
    an answer (such as a clarification response) that acknowledges it."""

    id: str
    kind: str
    station: str
    at: str
    operator: str | None
    note: str | None
    late_by_s: float | None
    index: int
    receipt: ReceiptFacts | None


@dataclass(frozen=True)
class MessageFacts:
    id: str
    sender: str
    recipient: str
    seq: int
    kind: str
    precedence: str
    created: str
    hash: str
    index: int
    checkpoint: CheckpointFacts
    """The first checkpoint in the bundle that includes the envelope."""
    receipt: ReceiptFacts | None
    acknowledgements: tuple[AcknowledgementFacts, ...]


@dataclass(frozen=True)
class RecordFacts:
    """A fact the exporter recorded on its own (an alarm, an escalation step, a late notice)."""

    id: str
    station: str
    event: str
    at: str
    detail: str
    message: str | None
    """The message it concerns (``evidence.message``), if any."""
    index: int


@dataclass(frozen=True)
class BundleReport:
    """Everything a bundle proves, once :func:`verify_bundle` has checked it."""

    sha256: str
    exporter: StationFacts
    peer: StationFacts
    exported_at: str
    selected_messages: tuple[str, ...]
    selected_from: str | None
    selected_to: str | None
    checkpoint: CheckpointFacts
    """The last checkpoint: every entry's inclusion proof leads to its root."""
    checkpoints: tuple[CheckpointFacts, ...]
    messages: tuple[MessageFacts, ...]
    records: tuple[RecordFacts, ...]
    entries: int
    complete: bool = False
    """The bundle reveals the whole log up to the head (``"log"``): what it lacks is proven absent."""
