"""A synthetic line, written straight through the store API: two real stations (``init``'s keys,
pinned to each other) and, in the first one's database, envelopes both ways with their signed
receipts, co-signed checkpoints of both logs, and the peer's log as it would have revealed it.

Everything is really signed, so that ``verify_ledger(full=True)`` passes too. Envelopes and
receipts are serialised with ``json.dumps`` (the same bytes as RFC 8785 for the ASCII content
used here, which a test checks) rather than through ``seal_envelope``, whose validation would
make a million entries take many minutes. Used by the verification tests and by
``benchmarks/ledger_verify.py`` (a million entries).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from detente.home import Home, create_station
from detente.ledger.checkpoint import Checkpoint, line_origin
from detente.ledger.merkle import root_hash
from detente.ledger.note import SignedNote
from detente.peers import pin_peer
from detente.protocol.envelope import ENVELOPE_DOMAIN, GENESIS_HASH, RECEIPT_DOMAIN, Envelope, Precedence, Receipt
from detente.protocol.ids import uuid7
from detente.protocol.signing import Signer, b64encode
from detente.protocol.timestamps import format_time
from detente.store import CheckpointRecord, Store

T0 = 1_790_000_000.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_pair(folder: Path) -> tuple[Home, Home]:
    """Ankara (TR) and Damascus (SY), made by ``init`` and pinned to each other (not running)."""
    tr = create_station(
        folder / "tr", name="Ankara Operations Centre", party="TR", listen=f"127.0.0.1:{free_port()}", language="tr"
    )
    sy = create_station(
        folder / "sy", name="Damascus Operations Centre", party="SY", listen=f"127.0.0.1:{free_port()}", language="ar"
    )
    for home, other in ((tr, sy), (sy, tr)):
        store = home.open_store()
        try:
            pin_peer(home, store, other.card(), source="card", now=time.time())
        finally:
            store.close()
    return tr, sy


def _jcs(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fast_envelope(
    signer: Signer, *, sender: str, recipient: str, seq: int, prev: str, at: float, text: str
) -> Envelope:
    """A signed free-text envelope, made without ``seal_envelope``'s validation round trip."""
    message_id = uuid7(int(at * 1000), os.urandom(10))
    created = format_time(at)
    draft: dict[str, object] = {
        "v": 1,
        "type": "envelope",
        "id": message_id,
        "from": sender,
        "to": recipient,
        "seq": seq,
        "prev": prev,
        "created": created,
        "kind": "free-text",
        "precedence": "routine",
        "body": {"lang": "en", "text": text},
        "sig": {"alg": signer.alg, "kid": signer.kid},
    }
    signature = signer.sign(ENVELOPE_DOMAIN + _jcs(draft))
    draft["sig"] = {"alg": signer.alg, "kid": signer.kid, "value": b64encode(signature)}
    return Envelope(
        sig_alg=signer.alg,
        sig_kid=signer.kid,
        signature=signature,
        canonical=_jcs(draft),
        id=message_id,
        sender=sender,
        recipient=recipient,
        seq=seq,
        prev=prev,
        created=created,
        kind="free-text",
        precedence=Precedence.ROUTINE,
        body={"lang": "en", "text": text},
    )


def fast_receipt(signer: Signer, envelope: Envelope, at: float) -> Receipt:
    received = format_time(at)
    draft: dict[str, object] = {
        "v": 1,
        "type": "receipt",
        "id": envelope.id,
        "envelope": envelope.hash,
        "seq": envelope.seq,
        "from": envelope.recipient,
        "to": envelope.sender,
        "received": received,
        "sig": {"alg": signer.alg, "kid": signer.kid},
    }
    signature = signer.sign(RECEIPT_DOMAIN + _jcs(draft))
    draft["sig"] = {"alg": signer.alg, "kid": signer.kid, "value": b64encode(signature)}
    return Receipt(
        sig_alg=signer.alg,
        sig_kid=signer.kid,
        signature=signature,
        canonical=_jcs(draft),
        message_id=envelope.id,
        envelope_hash=envelope.hash,
        seq=envelope.seq,
        sender=envelope.recipient,
        recipient=envelope.sender,
        received=received,
    )


_MIRROR = {"envelope-out": "envelope-in", "envelope-in": "envelope-out", "receipt-in": "receipt-out"}
_MIRROR["receipt-out"] = "receipt-in"
_MIRROR["record"] = "record"


@dataclass
class SyntheticLine:
    """Writes a line's traffic into ``home``'s database (``store``), as seen from ``home``."""

    home: Home
    peer: Home
    store: Store
    clock: float = T0
    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    _in_chain: tuple[int, str] = (0, GENESIS_HASH)

    @property
    def peer_id(self) -> str:
        return self.peer.config.station_id

    def tick(self) -> float:
        self.clock += 0.001
        return self.clock

    def receive(self, count: int) -> None:
        """``count`` envelopes from the peer, stored with this station's receipts (one transaction)."""
        items = []
        seq, prev = self._in_chain
        for _ in range(count):
            envelope = fast_envelope(
                self.peer.signer,
                sender=self.peer_id,
                recipient=self.home.config.station_id,
                seq=seq + 1,
                prev=prev,
                at=self.tick(),
                text=f"incoming message {seq + 1}: aircraft near the border, please confirm",
            )
            items.append((envelope, fast_receipt(self.home.signer, envelope, self.tick())))
            seq, prev = envelope.seq, envelope.hash
            self.received.append(envelope.id)
        self.store.store_incoming(items, format_time(self.clock))
        self._in_chain = (seq, prev)

    def send(self, count: int) -> None:
        """``count`` envelopes to the peer (one transaction each), then the peer's receipts."""
        envelopes = []
        for _ in range(count):
            at = self.tick()

            def build(seq: int, prev: str, at: float = at) -> Envelope:
                return fast_envelope(
                    self.home.signer,
                    sender=self.home.config.station_id,
                    recipient=self.peer_id,
                    seq=seq,
                    prev=prev,
                    at=at,
                    text=f"outgoing message {seq}: noted, investigating",
                )

            envelopes.append(self.store.append_outgoing(self.peer_id, build, format_time(at)))
            self.sent.append(envelopes[-1].id)
        self.store.store_receipts(
            [fast_receipt(self.peer.signer, e, self.tick()) for e in envelopes], format_time(self.clock)
        )

    def checkpoint(self, *, cosigned: bool = True) -> int:
        """Sign a checkpoint of the whole own log (co-signed by the peer), reveal the same
        entries as the peer's log and store the peer's co-signed checkpoint of it; the size."""
        size = self.store.log_size("own", self.peer_id)
        root = root_hash(self.store.log_nodes("own", self.peer_id), size)
        at = format_time(self.clock)
        checkpoint = Checkpoint(line_origin(self.home.config.station_id, self.peer_id), size, root, at, 1.5)
        note = SignedNote(checkpoint.text(), tuple(self.home.note_signer.sign_note(checkpoint.text())))
        if cosigned:
            note = note.with_signatures(self.peer.note_signer.cosign(note.text, int(self.clock)))
        self.store.save_checkpoint(
            CheckpointRecord("own", self.peer_id, size, root, str(note), at, at if cosigned else None)
        )
        held = self.store.log_size("peer", self.peer_id)
        leaves = self.store.ledger_leaves(self.peer_id, held, size)
        self.store.append_peer_log(self.peer_id, held, [(_MIRROR[x.kind], x.ref, x.leaf) for x in leaves])
        theirs = Checkpoint(line_origin(self.peer_id, self.home.config.station_id), size, root, at, -1.5)
        note = SignedNote(theirs.text(), tuple(self.peer.note_signer.sign_note(theirs.text())))
        note = note.with_signatures(self.home.note_signer.cosign(note.text, int(self.clock)))
        self.store.save_checkpoint(CheckpointRecord("peer", self.peer_id, size, root, str(note), at, at))
        return size


def build_line(
    home: Home,
    peer: Home,
    store: Store,
    *,
    entries: int,
    checkpoint_every: int = 1024,
    batch: int = 500,
    outgoing_every: int = 10,
    tail: int = 0,
    progress: Callable[[int], None] | None = None,
) -> SyntheticLine:
    """About ``entries`` log entries (a multiple of two: each message brings its receipt), in
    batches of ``batch`` received messages and one sent message per ``outgoing_every``
    received; a co-signed checkpoint whenever ``checkpoint_every`` more entries are logged, and
    one at the end, after which ``tail`` more entries are logged without a checkpoint."""
    line = SyntheticLine(home, peer, store)
    target = entries - tail
    size = next_checkpoint = 0
    while size < target:
        messages = min(batch, (target - size) // 2)
        sending = max(1, messages // outgoing_every) if messages > 1 else 0
        if messages > sending:
            line.receive(messages - sending)
        if sending:
            line.send(sending)
        size = store.log_size("own", line.peer_id)
        if size - next_checkpoint >= checkpoint_every or size >= target:
            line.checkpoint()
            next_checkpoint = size
        if progress is not None:
            progress(size)
        if messages == 0:
            break
    while store.log_size("own", line.peer_id) < entries:
        line.receive(1)
    return line
