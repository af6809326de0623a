"""The checks of one line's two logs, for ``ledger verify`` (verify.py says what is checked,
which signatures are verified and why that is enough).

Everything is read in one pass per table, in order: the log's leaves by index, the messages and
records in the order they were stored (which is, but for a few receipts, the order the log names
them: see scan.HeldRows), the stored tree by level, the checkpoints by size. The tree is rebuilt
level by level in memory with hashlib and compared with the stored one level by level.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import EnvelopeError
from ..home import Home
from ..peers import peer_card
from ..protocol.canonical import parse_json
from ..protocol.envelope import GENESIS_HASH, Envelope, Receipt
from ..protocol.signing import Verifier
from ..store import CheckpointRecord, LogName, MessageRow, PeerRecord, Store
from .checkpoint import Checkpoint, line_origin
from .note import KeyKind, NoteError, NoteKey, parse_note
from .problems import DAMAGE_ACCEPTED, MAX_PROBLEMS, PROBLEMS, LineReport, Problem, ProblemKey, ordered
from .records import Record
from .scan import HeldRows, RebuiltTree, as_hash, held_data

__all__ = ["LineCheck"]

_ALARM_PREFIXES = ("alarm.", "checkpoint.", "cosignature.", "ledger.")
_SENDS = {"envelope-out": "us", "envelope-in": "peer", "receipt-in": "peer", "receipt-out": "us", "record": "us"}
_Chains = dict[str, tuple[int, str] | None]


@dataclass
class _Head:
    """One checkpoint as its signed note states it, and what was found out about it."""

    size: int
    root: bytes
    cosigned: bool
    record: CheckpointRecord | None = None
    """The full record, kept for the checkpoints whose signatures are checked in any case."""
    signed: bool | None = None
    """Its author's signatures verify (None: not checked)."""
    countersigned: bool | None = None
    """The other station's cosignatures verify (None: not checked)."""


class LineCheck:
    """Check one line's two logs; :meth:`run` says what was found."""

    def __init__(self, home: Home, store: Store, record: PeerRecord, *, full: bool, alarm_records: set[str]) -> None:
        self.store = store
        self.full = full
        self.alarm_records = alarm_records
        self.us = home.config.station_id
        self.record = record
        self.peer = record.station_id
        card = peer_card(record)
        own = home.note_signer.keys
        self.verifiers: dict[str, Verifier] = {"us": home.signer.verifier, "peer": card.signing_key}
        self.note_keys: dict[LogName, tuple[NoteKey, NoteKey]] = {
            "own": (own[KeyKind.NOTE_ED25519], own[KeyKind.NOTE_MLDSA65]),
            "peer": (card.note_keys[KeyKind.NOTE_ED25519], card.note_keys[KeyKind.NOTE_MLDSA65]),
        }
        self.cosig_keys: dict[LogName, tuple[NoteKey, NoteKey]] = {
            "own": (card.note_keys[KeyKind.COSIG_ED25519], card.note_keys[KeyKind.COSIG_MLDSA65]),
            "peer": (own[KeyKind.COSIG_ED25519], own[KeyKind.COSIG_MLDSA65]),
        }
        self.problems: list[Problem] = []
        self.count = 0
        self.signatures = 0
        self.accepted: set[ProblemKey] = set()
        self.accepted_count = 0

    def add(
        self, log: LogName, index: int | None, code: str, kind: str | None = None, ref: str | None = None, **facts: Any
    ) -> None:
        if kind is not None:
            facts.setdefault("noun", _noun(kind))
        self.count += 1
        self.problems.append(Problem(log, index, kind, ref, code, PROBLEMS[code].format(**facts)))
        if len(self.problems) > 4 * MAX_PROBLEMS:
            self.problems = ordered(self.problems)[:MAX_PROBLEMS]

    def run(self) -> LineReport:
        size, covered, cosigned, own_checkpoints = self._own_log()
        peer_size, peer_covered, peer_checkpoints = self._peer_log()
        problems = self._name_entries(ordered(self.problems)[:MAX_PROBLEMS])
        accepted = (
            bool(problems) and self.count <= self.accepted_count and all(p.key in self.accepted for p in problems)
        )
        return LineReport(
            peer=self.peer,
            party=self.record.party,
            size=size,
            covered=covered,
            cosigned=cosigned,
            peer_size=peer_size,
            peer_covered=peer_covered,
            checkpoints=own_checkpoints + peer_checkpoints,
            signatures=self.signatures,
            problems=tuple(problems),
            problem_count=self.count,
            accepted=accepted,
        )

    # --- this station's own log ------------------------------------------------------------------

    def _own_log(self) -> tuple[int, int, int, int]:
        heads = self._heads("own")
        anchor = self._anchor("own", heads)  # (if entries were removed, it is beyond them: see below)
        leaves, size = self._entries(0 if self.full or anchor is None else anchor.size)
        tree = RebuiltTree(leaves)
        self._nodes("own", tree, size)
        self._roots("own", heads, tree, size)
        if not self.full and anchor is not None and not self._matches(anchor, tree):
            # Entries were rewritten together with their hashes: find which by their signatures,
            # from the largest checkpoint that still holds to the smallest that no longer does.
            broken = min(h.size for h in heads if not self._matches(h, tree))
            lower = self._anchor("own", [h for h in heads if h.size < broken and self._matches(h, tree)])
            self._signatures(0 if lower is None else lower.size, broken)
        covered = max((h.size for h in heads if h.signed and self._matches(h, tree)), default=0)
        return size, covered, self._cosigned("own", heads, tree), len(heads)

    def _scan(self, held: HeldRows) -> Iterator[tuple[int, str, str, bytes, bytes | None, MessageRow | None]]:
        """Each entry of the own log with the bytes it names and (for a message) its row."""
        for batch in self.store.scan_log("own", self.peer):
            for idx, kind, ref, leaf in batch:
                row, data = held_data(held, kind, ref)
                yield idx, kind, ref, leaf, data, row

    def _entries(self, careful_from: int) -> tuple[list[bytes], int]:
        """Scan the own log. From ``careful_from`` on, each entry is parsed, checked field by field
        and its signature verified; before it (what the anchor pins) hashes are compared, and an
        entry where they disagree is then looked at closely. Returns the true leaves up to the
        first missing entry, and the log's size."""
        leaves: list[bytes] = []
        expected = 0
        broken = False
        chains: _Chains = {"envelope-out": (0, GENESIS_HASH), "envelope-in": (0, GENESIS_HASH)}
        sha256 = hashlib.sha256
        held = HeldRows(self.store, self.peer)
        envelope, receipt = held.envelope, held.receipt
        for idx, kind, ref, leaf in itertools.chain.from_iterable(self.store.scan_log("own", self.peer)):
            if kind == "envelope-in":  # the commonest first, inline: this loop is the whole cost
                row = envelope("in", ref)
                data = None if row is None else row[6]
            elif kind == "receipt-out":
                row = receipt("in", ref)
                data = None if row is None else row[8]
            elif kind in _SENDS:
                row, data = held_data(held, kind, ref)
            else:  # SQLite keeps whatever was written, whatever the CHECK constraints say
                row, data = None, b""
            if idx != expected:
                if type(idx) is not int:
                    self.add("own", expected, "wrong-data", what="an entry at a position (its index was edited)")
                    broken = True
                    continue
                span = f"entry {expected} is" if idx == expected + 1 else f"entries {expected} to {idx - 1} are"
                self.add("own", expected, "missing-entry", span=span, held="")
                broken, expected = True, idx
            expected += 1
            if kind not in _SENDS:
                self.add("own", idx, "wrong-data", what=f"an entry of one of the kinds {', '.join(_SENDS)}")
                leaf = as_hash(leaf)
            elif data is None:
                what = "its row in records" if kind == "record" else "its message row (or the receipt in it)"
                self.add("own", idx, "missing-data", kind, ref, row=what)
                chains[kind] = None
                leaf = as_hash(leaf)
            elif type(data) is not bytes:
                self.add("own", idx, "changed-data", kind, ref, wrong="they are stored as something else than bytes")
                chains[kind] = None
                leaf = as_hash(leaf)
            elif (digest := sha256(b"\x00" + data).digest()) != leaf:
                wrong = self._authentic(kind, ref, data)
                if wrong is None:
                    leaf = digest  # the bytes are what was logged: the leaf column is what changed
                    self.add("own", idx, "changed-leaf", kind, ref)
                else:
                    self.add("own", idx, "changed-data", kind, ref, wrong=wrong)
                    chains[kind] = None
                    leaf = as_hash(leaf)
            elif idx >= careful_from or row is None:
                self._careful(idx, kind, ref, data, row, chains, signature=idx >= careful_from)
            elif kind[0] == "e":  # an envelope: does its row continue the chain, number and hash?
                chain, hexdigest = chains[kind], sha256(data).hexdigest()
                if chain is None or row[2] != chain[0] + 1 or row[7] != hexdigest:
                    self._careful(idx, kind, ref, data, row, chains, signature=False)
                else:
                    chains[kind] = (chain[0] + 1, hexdigest)
            if not broken:
                leaves.append(leaf)
        self._unlogged(held)
        return leaves, expected

    def _unlogged(self, held: HeldRows) -> None:
        """Rows that no entry names; and, for the entries missing from the log, which they held."""
        lost = list(itertools.islice(held.leftovers(), MAX_PROBLEMS))
        for kind, ref in lost:
            self.add("own", None, "unlogged", kind, ref)
        if not lost:
            return
        names = ", ".join(f"{kind} {ref}" for kind, ref in lost[:3])
        for i, problem in enumerate(self.problems):
            if problem.code == "missing-entry" and problem.log == "own":
                one = len(lost) == 1 and " is " in problem.detail  # one entry missing, one row unnamed: that one
                detail = f"{problem.detail}; held but named by no entry: {names}"
                self.problems[i] = replace(
                    problem, kind=lost[0][0] if one else None, ref=lost[0][1] if one else None, detail=detail
                )

    def _signatures(self, start: int, end: int) -> None:
        """Verify the signatures of the entries in [start, end)."""
        for idx, kind, ref, _, data, _ in self._scan(HeldRows(self.store, self.peer)):
            if idx >= end:
                break
            if idx >= start and data is not None:
                self._signature(idx, kind, ref, data)

    def _careful(
        self, idx: int, kind: str, ref: str, data: bytes, row: MessageRow | None, chains: _Chains, *, signature: bool
    ) -> None:
        """Every check of an entry whose bytes hash to its leaf: what they are, the chain, the
        message row's columns, and (``signature``) the signature."""
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        sender, recipient = (self.us, self.peer) if _SENDS[kind] == "us" else (self.peer, self.us)
        if kind == "record":
            found = (
                (obj.get("type"), obj.get("id"), obj.get("station"), obj.get("peer")) if isinstance(obj, dict) else ()
            )
            if found != ("record", ref, self.us, self.peer) or not isinstance(obj, dict):
                self.add("own", idx, "wrong-data", kind, ref, what="this station's record of this line with this id")
                return
            self._record(idx, ref, obj, data)
        else:
            wanted = "envelope" if kind.startswith("envelope") else "receipt"
            found = (obj.get("type"), obj.get("id"), obj.get("from"), obj.get("to")) if isinstance(obj, dict) else ()
            if found != (wanted, ref, sender, recipient) or not isinstance(obj, dict) or row is None:
                what = f"a {wanted} of message {ref} from {sender} to {recipient}"
                self.add("own", idx, "wrong-data", kind, ref, what=what)
                return
            seq = obj.get("seq")
            if wanted == "receipt":
                if (row[2], row[7], row[9]) != (seq, obj.get("envelope"), obj.get("received")):
                    self.add("own", idx, "row-mismatch", kind, ref, columns="seq, envelope hash or receipt time")
            else:
                digest = hashlib.sha256(data).hexdigest()
                chain = chains[kind]
                if chain is not None and (seq != chain[0] + 1 or obj.get("prev") != chain[1]):
                    self.add("own", idx, "broken-chain", kind, ref, seq=seq, last=chain[0])
                chains[kind] = (seq, digest) if isinstance(seq, int) else None
                signed = (seq, obj.get("kind"), obj.get("precedence"), obj.get("created"), digest)
                if (row[2], row[3], row[4], row[5], row[7]) != signed:
                    columns = "seq, kind, precedence, creation time or hash"
                    self.add("own", idx, "row-mismatch", kind, ref, columns=columns)
        if signature:
            self._signature(idx, kind, ref, data)

    def _record(self, idx: int, ref: str, obj: dict[str, Any], data: bytes) -> None:
        event = obj.get("event")
        if not isinstance(event, str):
            return
        if event.startswith(_ALARM_PREFIXES) and ref not in self.alarm_records:
            self.add("own", idx, "alarm-deleted", "record", ref, event=event)
        if event == DAMAGE_ACCEPTED and self._authentic("record", ref, data) is None:
            self.signatures += 1
            evidence = obj.get("evidence")
            evidence = evidence if isinstance(evidence, dict) else {}
            for key in evidence.get("problems", []):
                if isinstance(key, list) and len(key) == 4:
                    self.accepted.add((key[0], key[1], key[2], key[3]))
            count = evidence.get("count")
            self.accepted_count = max(self.accepted_count, count if isinstance(count, int) else 0)

    def _signature(self, idx: int, kind: str, ref: str, data: bytes) -> None:
        self.signatures += 1
        wrong = self._authentic(kind, ref, data)
        if wrong is not None:
            self.add("own", idx, "bad-signature", kind, ref, wrong=wrong)

    def _authentic(self, kind: str, ref: str, data: bytes) -> str | None:
        """None if ``data`` is, strictly, the correctly signed object that an entry of ``kind``
        and ``ref`` names; otherwise what is wrong with it."""
        signer = self.verifiers[_SENDS[kind]]
        sender = self.us if _SENDS[kind] == "us" else self.peer
        try:
            if kind == "record":
                record = Record.from_bytes(data)
                if (record.id, record.station, record.peer) != (ref, self.us, self.peer):
                    return f"it is record {record.id} of {record.station}'s line with {record.peer}"
                return None if record.verify(signer) else "its signature does not verify with this station's key"
            item: Envelope | Receipt
            if kind.startswith("envelope"):
                item = Envelope.from_json(parse_json(data))
                message = item.id
            else:
                item = Receipt.from_json(parse_json(data))
                message = item.message_id
            if item.canonical != data:
                return "it is not in the canonical form it was signed in"
            if message != ref:
                return f"it is the {_noun(kind)} of message {message}"
            if item.sender != sender:
                return f"it was signed by {item.sender}, not {sender}"
            item.verify({signer.kid: signer})
        except EnvelopeError as exc:
            return f"its signature or form does not verify ({exc.detail})"
        except ValueError as exc:
            return f"it is malformed ({exc})"
        return None

    def _name_entries(self, problems: list[Problem]) -> list[Problem]:
        """Fill in the kind and id of entries named only by their index (a node's first entry)."""
        named = []
        for problem in problems:
            if problem.index is not None and problem.kind is None and problem.code != "missing-entry":
                found = self.store.ledger_leaves(self.peer, problem.index, problem.index + 1, log=problem.log)
                if found:
                    problem = replace(problem, kind=found[0].kind, ref=found[0].ref)
            named.append(problem)
        return named

    # --- the peer's log, as revealed -----------------------------------------------------------------

    def _peer_log(self) -> tuple[int, int, int]:
        heads = self._heads("peer")
        leaves: list[bytes] = []
        expected = 0
        broken = False
        for batch in self.store.scan_log("peer", self.peer):
            # indexes are unique and in order: the batch is contiguous if its ends are
            if not broken and batch[0][0] == expected and batch[-1][0] == expected + len(batch) - 1:
                leaves.extend(as_hash(row[3]) for row in batch)
                expected += len(batch)
                continue
            for row in batch:
                if type(row[0]) is not int:
                    self.add("peer", expected, "wrong-data", what="a leaf at a position (its index was edited)")
                    broken = True
                    continue
                if row[0] != expected:
                    gap = f"leaf {expected} is" if row[0] == expected + 1 else f"leaves {expected} to {row[0] - 1} are"
                    self.add("peer", expected, "missing-entry", span=gap, held="")
                    broken, expected = True, row[0]
                expected += 1
                if not broken:
                    leaves.append(as_hash(row[3]))
        tree = RebuiltTree(leaves)
        self._nodes("peer", tree, expected)
        self._roots("peer", heads, tree, expected)
        self._anchor("peer", heads)
        return expected, self._cosigned("peer", heads, tree), len(heads)

    # --- both logs: checkpoints and the tree ---------------------------------------------------------

    def _heads(self, log: LogName) -> list[_Head]:
        """Every checkpoint of the log as its note states it; the full records of only the
        largest and the largest co-signed are kept (every signature is checked with ``full``)."""
        origin = line_origin(self.us, self.peer) if log == "own" else line_origin(self.peer, self.us)
        heads: list[_Head] = []
        last_cosigned: _Head | None = None
        for record in self.store.scan_checkpoints(log, self.peer):
            cut = record.note.rfind("\n\n")
            try:
                checkpoint: Checkpoint | None = Checkpoint.from_text(record.note[: cut + 1]) if cut > 0 else None
            except NoteError:
                checkpoint = None
            if checkpoint is None or checkpoint.origin != origin or checkpoint.size != record.size:
                self.add(log, None, "checkpoint-edited", size=record.size, what=f"is not a checkpoint of {origin}")
                continue
            if checkpoint.root != record.root:
                self.add(log, None, "checkpoint-edited", size=record.size, what="has a root other than its note's")
            head = _Head(record.size, checkpoint.root, record.cosigned_at is not None, record)
            if self.full:
                self._signed(log, head)
                if head.cosigned:
                    self._countersigned(log, head)
            if heads and heads[-1] is not last_cosigned:
                heads[-1].record = None
            if head.cosigned:
                if last_cosigned is not None:
                    last_cosigned.record = None
                last_cosigned = head
            heads.append(head)
        return heads

    def _note(self, log: LogName, head: _Head) -> str:
        record = head.record or self.store.checkpoint(log, self.peer, head.size)
        return record.note if record is not None else ""

    def _signed(self, log: LogName, head: _Head) -> bool:
        """Whether the checkpoint is signed with both of its author's pinned keys (checked once)."""
        if head.signed is None:
            self.signatures += 2
            head.signed = _verifies(self._note(log, head), self.note_keys[log])
            if not head.signed:
                whose = "this station's" if log == "own" else "the peer's"
                self.add(log, None, "checkpoint-signature", size=head.size, whose=whose)
        return head.signed

    def _countersigned(self, log: LogName, head: _Head) -> bool:
        """Whether the other station's cosignatures of the checkpoint verify (checked once)."""
        if head.countersigned is None:
            self.signatures += 2
            head.countersigned = _verifies(self._note(log, head), self.cosig_keys[log])
            if not head.countersigned:
                whose = "the peer's" if log == "own" else "this station's"
                self.add(log, None, "cosignature", size=head.size, whose=whose)
        return head.countersigned

    def _anchor(self, log: LogName, heads: Sequence[_Head]) -> _Head | None:
        """The largest of ``heads`` whose signatures verify."""
        return next((h for h in sorted(heads, key=lambda h: -h.size) if self._signed(log, h)), None)

    def _cosigned(self, log: LogName, heads: Sequence[_Head], tree: RebuiltTree) -> int:
        """The size of the largest co-signed checkpoint whose signatures and cosignatures verify
        and whose root matches the entries."""
        for head in sorted((h for h in heads if h.cosigned), key=lambda h: -h.size):
            if self._matches(head, tree) and self._signed(log, head) and self._countersigned(log, head):
                return head.size
        return 0

    def _matches(self, head: _Head, tree: RebuiltTree) -> bool:
        return head.size <= tree.size() and tree.root(head.size) == head.root

    def _nodes(self, log: LogName, tree: RebuiltTree, size: int) -> None:
        """Compare the stored tree with the rebuilt one, level by level (a whole level at once
        while they agree). Only the lowest of nodes that differ is reported: a node above one
        that differs differs too."""
        table = "ledger_nodes" if log == "own" else "peer_log_nodes"
        stored: dict[int, tuple[list[int], list[bytes]]] = {}
        for batch in self.store.scan_log_nodes(log, self.peer):
            level = batch[0][0]
            indexes, hashes = stored.setdefault(level, ([], []))
            # (level, index) is unique and in order: the batch is one level's next nodes if its ends are
            if batch[-1][0] == level and batch[0][1] == len(indexes) and batch[-1][1] == len(indexes) + len(batch) - 1:
                indexes.extend(range(len(indexes), len(indexes) + len(batch)))
                hashes.extend([row[2] for row in batch])
                continue
            for level, index, digest in batch:
                indexes, hashes = stored.setdefault(level, ([], []))
                indexes.append(index)
                hashes.append(digest)
        complete = tree.size() == size
        differ: set[tuple[int, int]] = set()
        highest = max((level for level in stored if type(level) is int), default=0)
        for level in range(1, max(len(tree.levels), highest + 1)):
            rebuilt = tree.levels[level] if level < len(tree.levels) else []
            indexes, hashes = stored.pop(level, ([], []))
            if complete and hashes == rebuilt and indexes == list(range(len(rebuilt))):
                continue  # (a list of a million small ints compares in milliseconds)
            self._level(log, table, level, indexes, hashes, rebuilt, size, tree.size(), differ)
        for level, (indexes, _) in stored.items():  # level 0 or below, or not a number: not a node at all
            for index in indexes:
                self.add(
                    log,
                    None,
                    "extra-node",
                    table=table,
                    node=f"level {level}, index {index}",
                    first="-",
                    last="-",
                    size=size,
                )

    def _level(
        self,
        log: LogName,
        table: str,
        level: int,
        indexes: list[int],
        hashes: list[bytes],
        rebuilt: list[bytes],
        size: int,
        known: int,
        differ: set[tuple[int, int]],
    ) -> None:
        """Node by node, one level that does not agree as a whole."""
        seen = 0
        for index, digest in zip(indexes, hashes, strict=True):
            if type(index) is not int:
                continue  # not a node anyone could ask for; those that are missing are reported
            if (index + 1) << level > size:
                self.add(log, None, "extra-node", size=size, **_node(table, level, index))
            elif (index + 1) << level <= known:
                for missing in range(seen, index):
                    self.add(log, missing << level, "missing-node", **_node(table, level, missing))
                seen = index + 1
                if digest != rebuilt[index]:
                    differ.add((level, index))
                    if (level - 1, 2 * index) not in differ and (level - 1, 2 * index + 1) not in differ:
                        self.add(log, index << level, "changed-node", **_node(table, level, index))
        for missing in range(seen, len(rebuilt)):
            self.add(log, missing << level, "missing-node", **_node(table, level, missing))

    def _roots(self, log: LogName, heads: Sequence[_Head], tree: RebuiltTree, size: int) -> None:
        """Compare every checkpoint's root with the rebuilt tree."""
        beyond = max((h.size for h in heads if h.size > size), default=None)
        if beyond is not None:
            self.add(log, size, "removed-entries", covered=beyond, size=size, last=beyond - 1)
        good = 0
        for head in heads:
            if head.size > tree.size():
                continue
            if tree.root(head.size) == head.root:
                good = head.size
                continue
            self.add(log, None, "checkpoint-mismatch", size=head.size, good=good)
            self._signed(log, head)


def _verifies(note: str, keys: Iterable[NoteKey]) -> bool:
    try:
        parsed = parse_note(note)
    except NoteError:
        return False
    return all(parsed.verify(key) for key in keys)


def _node(table: str, level: int, index: int) -> dict[str, Any]:
    return {
        "node": f"level {level}, index {index}",
        "first": index << level,
        "last": ((index + 1) << level) - 1,
        "table": table,
    }


def _noun(kind: str) -> str:
    return "record" if kind == "record" else kind.split("-")[0]
