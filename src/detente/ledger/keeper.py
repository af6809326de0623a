"""The ledger of one line, as one station keeps it: checkpoints out, checkpoints in, alarms.

As an *author*, the station signs checkpoints of its own log of the line (at least every
``entries`` entries or ``seconds`` seconds while anything is uncovered) and sends each with
the leaves the peer has not co-signed yet and a consistency proof; the peer's cosignature
makes it a co-signed checkpoint.

As a *witness*, it checks the peer's checkpoints before co-signing: both signatures; no other
checkpoint of the same size with another root (equivocation); the revealed leaves continue the
ones revealed before and give the claimed root (no history rewriting; RFC 9162 consistency
proof); every leaf that stands for an envelope or receipt this station also holds hashes to its
own copy, and none claims a message this station never sent or receipted; and everything this
station has received from the peer so far is covered. Anything wrong raises an alarm, which
is itself signed and entered in this station's log, and the cosignature is refused.

The keeper holds no connection and reads no clock: the station passes ``now`` and sends the
frames it returns.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..config import LedgerSettings
from ..errors import StoreError
from ..identity import Card
from ..protocol.frames import MAX_LEAVES, CheckpointFrame, CosignatureFrame, CosignatureRefusedFrame
from ..protocol.ids import uuid7
from ..protocol.signing import Signer
from ..protocol.timestamps import format_time
from ..store import CheckpointRecord, Store
from .checkpoint import Checkpoint, line_origin
from .merkle import NodeSource, consistency_proof, leaf_hash, node_hash, range_hash, root_hash, verify_consistency
from .note import KeyKind, NoteError, NoteSigner, SignedNote, parse_note
from .records import seal_record

__all__ = ["AlarmRaised", "LineLedger"]

# What the peer calls a leaf, as this station names the same object.
_MIRROR = {
    "envelope-out": "envelope-in",
    "envelope-in": "envelope-out",
    "receipt-out": "receipt-in",
    "receipt-in": "receipt-out",
}


@dataclass(frozen=True)
class AlarmRaised:
    """Something in the record is wrong; it is stored, signed and logged."""

    kind: str
    detail: str


class _Overlay:
    """The peer's stored log extended by leaves not stored yet (a NodeSource)."""

    def __init__(self, base: NodeSource, extra: list[bytes]) -> None:
        self._base = base
        self._held = base.size()
        self._extra = extra
        self._memo: dict[tuple[int, int], bytes] = {}

    def size(self) -> int:
        return self._held + len(self._extra)

    def perfect(self, level: int, index: int) -> bytes:
        if (index + 1) << level <= self._held:
            return self._base.perfect(level, index)
        if level == 0:
            return self._extra[index - self._held]
        key = (level, index)
        if key not in self._memo:
            self._memo[key] = node_hash(self.perfect(level - 1, 2 * index), self.perfect(level - 1, 2 * index + 1))
        return self._memo[key]


class LineLedger:
    """The ledger of the line between ``station`` and one peer."""

    def __init__(
        self,
        store: Store,
        *,
        station: str,
        signer: Signer,
        note_signer: NoteSigner,
        peer: Card,
        policy: LedgerSettings | None = None,
        on_alarm: Callable[[AlarmRaised], None] | None = None,
        single_path: bool = True,
    ) -> None:
        """``single_path``: the line has one path, so the peer's frames arrive in the order it
        sent them, and a checkpoint of its whole log must hold everything received before it."""
        self.store = store
        self.single_path = single_path
        self.station = station
        self.signer = signer
        self.note_signer = note_signer
        self.peer = peer
        self.policy = policy or LedgerSettings()
        self.on_alarm = on_alarm
        own = store.scan_checkpoints("own", peer.station_id)  # one at a time: there are many, each ~10 kB
        self.cosigned_size = max((c.size for c in own if c.cosigned_at), default=0)
        self._outstanding: tuple[int, float] | None = None
        self._refused_at: float | None = None
        self._uncovered_since: float | None = None
        self._counts: tuple[int, dict[str, int]] | None = None
        """(size of the peer's log, its leaves counted by kind): see :meth:`_peer_log_counts`."""
        self._raised: set[tuple[str, int, bytes]] = set()

    # --- author ----------------------------------------------------------------------------------

    def due_checkpoint(self, now: float, clock_offset: float | None = None) -> CheckpointFrame | None:
        """The checkpoint to send now, or None. Call it often; it decides by the policy."""
        peer = self.peer.station_id
        size = self.store.log_size("own", peer)
        covered = max(self.cosigned_size, self._outstanding[0] if self._outstanding else 0)
        if size <= self.cosigned_size:
            self._uncovered_since = None
            return None
        if self._uncovered_since is None:
            self._uncovered_since = now
        if self._refused_at is not None and now - self._refused_at < self.policy.cosign_timeout:
            return None  # the peer refused the last one: ask again later, not at once (and again, and again)
        if self._outstanding and now - self._outstanding[1] < self.policy.cosign_timeout:
            if size <= covered or min(size, self.cosigned_size + MAX_LEAVES) <= self._outstanding[0]:
                return None  # (the next piece of a backlog waits for this one's cosignature)
            if (
                size - covered < self.policy.checkpoint_entries
                and now - self._uncovered_since < self.policy.checkpoint_seconds
            ):
                return None
        elif (
            size - self.cosigned_size < self.policy.checkpoint_entries
            and now - self._uncovered_since < self.policy.checkpoint_seconds
        ):
            return None
        start = self.cosigned_size
        target = min(size, start + MAX_LEAVES)
        nodes = self.store.log_nodes("own", peer)
        existing = self.store.checkpoint("own", peer, target)
        if existing is not None:
            note = existing.note
        else:
            checkpoint = Checkpoint(
                origin=line_origin(self.station, peer),
                size=target,
                root=root_hash(nodes, target),
                time=format_time(now),
                clock_offset_ms=None if clock_offset is None else round(clock_offset * 1000, 3),
            )
            text = checkpoint.text()
            note = str(SignedNote(text, tuple(self.note_signer.sign_note(text))))
            self.store.save_checkpoint(
                CheckpointRecord("own", peer, target, checkpoint.root, note, format_time(now), None)
            )
        leaves = self.store.ledger_leaves(peer, start, target)
        self._outstanding = (target, now)
        self._uncovered_since = now if target < size else None
        return CheckpointFrame(
            note=note,
            total=size,
            start=start,
            leaves=tuple((leaf.kind, leaf.ref, leaf.leaf) for leaf in leaves),
            consistency=tuple(consistency_proof(nodes, start, target)) if start else (),
        )

    def on_cosignature(self, frame: CosignatureFrame, now: float) -> None:
        peer = self.peer.station_id
        record = self.store.checkpoint("own", peer, frame.size)
        if record is None or record.root != frame.root:
            self._alarm(
                "cosignature.unknown",
                frame.size,
                frame.root,
                f"the peer co-signed a checkpoint of size {frame.size} that this station never made",
                now,
            )
            return
        try:
            lines = [parse_note(record.note).text + "\n" + line + "\n" for line in frame.signatures]
            signatures = [parse_note(line).signatures[0] for line in lines]
        except NoteError as exc:
            self._alarm(
                "cosignature.invalid", frame.size, frame.root, f"the peer's cosignature is malformed: {exc}", now
            )
            return
        note = parse_note(record.note).with_signatures(signatures)
        wanted = (self.peer.note_keys[KeyKind.COSIG_ED25519], self.peer.note_keys[KeyKind.COSIG_MLDSA65])
        if not all(note.verify(key) for key in wanted):
            self._alarm(
                "cosignature.invalid",
                frame.size,
                frame.root,
                f"the peer's cosignature of checkpoint {frame.size} does not verify with its pinned keys",
                now,
            )
            return
        self.store.save_checkpoint(
            CheckpointRecord("own", peer, frame.size, frame.root, str(note), record.created_at, format_time(now))
        )
        self.cosigned_size = max(self.cosigned_size, frame.size)
        self._refused_at = None
        if self._outstanding and self._outstanding[0] <= frame.size:
            self._outstanding = None

    def on_refusal(self, frame: CosignatureRefusedFrame, now: float) -> None:
        root = bytes(32)
        self._alarm(
            "checkpoint.refused",
            frame.size,
            root,
            f"the peer refused to co-sign this station's checkpoint of size {frame.size}: {frame.reason}",
            now,
        )
        self._outstanding = None
        self._refused_at = now

    # --- witness ---------------------------------------------------------------------------------

    def on_checkpoint(self, frame: CheckpointFrame, now: float) -> CosignatureFrame | CosignatureRefusedFrame:
        """Check the peer's checkpoint; co-sign it, or refuse (with an alarm when it is foul)."""
        try:
            note = parse_note(frame.note)
            checkpoint = Checkpoint.from_text(note.text)
        except NoteError as exc:
            return CosignatureRefusedFrame(0, f"malformed checkpoint: {exc}")
        size, root = checkpoint.size, checkpoint.root
        expected_origin = line_origin(self.peer.station_id, self.station)
        if checkpoint.origin != expected_origin:
            return CosignatureRefusedFrame(size, f"checkpoint origin {checkpoint.origin} is not {expected_origin}")
        keys = (self.peer.note_keys[KeyKind.NOTE_ED25519], self.peer.note_keys[KeyKind.NOTE_MLDSA65])
        if not all(note.verify(key) for key in keys):
            return self._refuse(
                "checkpoint.forged",
                size,
                root,
                now,
                "the checkpoint is not signed by both of the peer's pinned checkpoint keys",
            )
        if size != frame.start + len(frame.leaves):
            return CosignatureRefusedFrame(size, f"{len(frame.leaves)} leaves from {frame.start} do not make {size}")
        problem = self._check_history(frame, checkpoint, now)
        if problem is not None:
            return problem
        problem = self._check_contents(frame, checkpoint, now)
        if problem is not None:
            return problem
        held = self.store.log_size("peer", self.peer.station_id)
        if size > held:
            added = list(frame.leaves[held - frame.start :])
            self.store.append_peer_log(self.peer.station_id, held, added)
            if self._counts is not None and self._counts[0] == held:
                counts = dict(self._counts[1])
                for kind, _, _ in added:
                    counts[kind] = counts.get(kind, 0) + 1
                self._counts = (size, counts)
        signatures = self.note_signer.cosign(note.text, int(now))
        cosigned = note.with_signatures(signatures)
        self.store.save_checkpoint(
            CheckpointRecord(
                "peer", self.peer.station_id, size, root, str(cosigned), format_time(now), format_time(now)
            )
        )
        return CosignatureFrame(size, root, tuple(s.line().rstrip("\n") for s in signatures))

    def _check_history(
        self, frame: CheckpointFrame, checkpoint: Checkpoint, now: float
    ) -> CosignatureRefusedFrame | None:
        peer = self.peer.station_id
        size, root = checkpoint.size, checkpoint.root
        earlier = self.store.checkpoint("peer", peer, size)  # one lookup, not every checkpoint ever held
        if earlier is not None and earlier.root != root:
            return self._refuse(
                "alarm.equivocation",
                size,
                root,
                now,
                f"the peer signed two different checkpoints of size {size} (roots {earlier.root.hex()[:16]}… "
                f"and {root.hex()[:16]}…): it shows different histories of the same line",
                evidence={"held": earlier.note, "received": frame.note},
            )
        base = self.store.log_nodes("peer", peer)
        held = base.size()
        if frame.start > held:
            return CosignatureRefusedFrame(size, f"leaves start at {frame.start}, but only {held} are held here")
        revealed = self.store.ledger_leaves(peer, frame.start, min(held, size), log="peer")
        for old, (kind, ref, leaf) in zip(revealed, frame.leaves, strict=False):
            if (old.kind, old.ref, old.leaf) != (kind, ref, leaf):
                return self._refuse(
                    "alarm.history_rewritten",
                    size,
                    root,
                    now,
                    f"leaf {old.idx} of the peer's log is now {kind} {ref}, but it was {old.kind} {old.ref} in a "
                    "checkpoint this station co-signed: the peer has rewritten its history",
                    evidence={"received": frame.note, "index": old.idx},
                )
        extra = [leaf for _, _, leaf in frame.leaves[held - frame.start :]] if size > held else []
        overlay = _Overlay(base, extra)
        if size > overlay.size() or (size and range_hash(overlay, 0, size) != root) or (not size and any(root)):
            return self._refuse(
                "alarm.history_rewritten",
                size,
                root,
                now,
                f"the peer's checkpoint of size {size} does not match the leaves it revealed",
                evidence={"received": frame.note},
            )
        if frame.start and not verify_consistency(
            frame.start, size, root_hash(overlay, frame.start), root, list(frame.consistency)
        ):
            return self._refuse(
                "alarm.history_rewritten",
                size,
                root,
                now,
                f"the consistency proof from size {frame.start} to {size} does not verify",
                evidence={"received": frame.note},
            )
        latest = self.store.checkpoint("peer", peer, held)  # the last co-signed covers all that is held
        if latest is not None and latest.size and range_hash(overlay, 0, latest.size) != latest.root:
            return self._refuse(
                "alarm.history_rewritten",
                size,
                root,
                now,
                f"the checkpoint of size {size} is inconsistent with the co-signed checkpoint of size {latest.size}",
                evidence={"held": latest.note, "received": frame.note},
            )
        return None

    def _check_contents(
        self, frame: CheckpointFrame, checkpoint: Checkpoint, now: float
    ) -> CosignatureRefusedFrame | None:
        peer = self.peer.station_id
        size, root = checkpoint.size, checkpoint.root
        refs: dict[str, list[str]] = {}
        for kind, ref, _ in frame.leaves:
            if kind != "record":
                refs.setdefault(kind, []).append(ref)
        copies = {kind: self.store.entries_for(peer, _MIRROR[kind], named) for kind, named in refs.items()}
        for offset, (kind, ref, leaf) in enumerate(frame.leaves):
            if kind == "record":
                continue
            mine = copies[kind].get(ref)
            index = frame.start + offset
            if mine is None:
                if kind in ("envelope-in", "receipt-in"):
                    return self._refuse(
                        "alarm.false_entry",
                        size,
                        root,
                        now,
                        f"leaf {index} of the peer's log says it received {kind[:-3]} {ref} from this station, "
                        "which this station never sent",
                        evidence={"received": frame.note, "index": index},
                    )
                continue
            if leaf_hash(mine) != leaf:
                return self._refuse(
                    "alarm.altered_entry",
                    size,
                    root,
                    now,
                    f"leaf {index} of the peer's log ({kind} {ref}) differs from this station's copy",
                    evidence={"received": frame.note, "index": index},
                )
        held = self.store.log_size("peer", peer)
        if size < held or size < frame.total:
            return None  # older than what is held, or part of a backlog: coverage is checked on the whole log
        counts = dict(self._peer_log_counts(held))
        for kind, _, _ in frame.leaves[held - frame.start :]:
            counts[kind] = counts.get(kind, 0) + 1
        seen = self.store.exchange_counts(peer)
        new_refs: dict[str, list[str]] = {}
        for kind, ref, _ in frame.leaves[held - frame.start :]:
            new_refs.setdefault(kind, []).append(ref)
        for kind, held_here, what in (
            ("envelope-out", seen.received, "messages it sent to this station"),
            ("receipt-out", seen.delivered, "receipts it signed for this station's messages"),
            ("envelope-in", seen.delivered, "messages of this station it receipted"),
        ):
            if not self.single_path:
                # With several paths a checkpoint can overtake, on a faster path, what the peer
                # sent after it on another: only what comes before the last message the log
                # names (its numbers are logged in order) must be in it.
                _, held_here = self.store.held_through(peer, kind, new_refs.get(kind, []))
            if counts.get(kind, 0) < held_here:
                return self._refuse(
                    "alarm.omission",
                    size,
                    root,
                    now,
                    f"the peer's log of size {size} holds {counts.get(kind, 0)} {what}, but this station holds "
                    f"{held_here}: the log leaves some out",
                    evidence={"received": frame.note},
                )
        return None

    def _peer_log_counts(self, held: int) -> dict[str, int]:
        """How many leaves of each kind the first ``held`` leaves of the peer's log hold: counted
        in the store once, then kept up to date as this keeper appends (the log only grows, so
        its size says whether the count is still the store's; another process that appended,
        a courier import, makes it count again)."""
        if self._counts is None or self._counts[0] != held:
            self._counts = (held, self.store.peer_log_counts(self.peer.station_id))
        return self._counts[1]

    # --- alarms ----------------------------------------------------------------------------------

    def _refuse(
        self, kind: str, size: int, root: bytes, now: float, detail: str, evidence: dict[str, object] | None = None
    ) -> CosignatureRefusedFrame:
        self._alarm(kind, size, root, detail, now, evidence)
        return CosignatureRefusedFrame(size, detail)

    def _alarm(
        self, kind: str, size: int, root: bytes, detail: str, now: float, evidence: dict[str, object] | None = None
    ) -> None:
        if (kind, size, root) in self._raised:
            return
        self._raised.add((kind, size, root))
        at = format_time(now)
        record = seal_record(
            self.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            station=self.station,
            peer=self.peer.station_id,
            event=kind,
            at=at,
            detail=detail,
            evidence=evidence,
        )
        try:
            self.store.add_alarm(self.peer.station_id, kind, detail, at, (record.id, record.canonical))
        except StoreError:
            self._raised.discard((kind, size, root))  # stored on the next occurrence; the station logs it now
        if self.on_alarm is not None:
            self.on_alarm(AlarmRaised(kind, detail))
