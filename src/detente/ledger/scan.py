"""Reading a line's rows in one pass each: the messages and records merged with the log as it
is read, and trees rebuilt level by level in memory (for ``ledger verify``)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator

from ..store import MessageRow, Store
from .merkle import EMPTY_ROOT, range_hash

__all__ = ["DIRECTION", "HeldRows", "RebuiltTree", "as_hash", "held_data"]

DIRECTION = {"envelope-out": "out", "receipt-in": "out", "envelope-in": "in", "receipt-out": "in"}
"""The direction of the message an envelope or receipt entry stands for."""
_READ_AHEAD = 4096


class RebuiltTree:
    """A tree rebuilt level by level from its leaves (a merkle.NodeSource)."""

    def __init__(self, leaves: list[bytes]) -> None:
        sha256 = hashlib.sha256
        self.levels = [leaves]
        level = leaves
        while len(level) > 1:
            level = [
                sha256(b"\x01" + left + right).digest() for left, right in zip(level[::2], level[1::2], strict=False)
            ]
            self.levels.append(level)

    def size(self) -> int:
        return len(self.levels[0])

    def perfect(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else range_hash(self, 0, size)


class HeldRows:
    """The messages and records of a line, read in the order they were stored while the log is
    read in index order. The log names them in nearly that order (an envelope and its entry are
    stored in one transaction; a receipt comes later and waits here), so no entry costs a
    lookup; what is read ahead waits in dictionaries, and an object far out of order is looked
    up. What no entry takes is left over: rows that no entry names."""

    def __init__(self, store: Store, peer: str) -> None:
        self.store, self.peer = store, peer
        self._rows = itertools.chain.from_iterable(store.scan_messages(peer))
        self._record_rows = itertools.chain.from_iterable(store.scan_records(peer))
        self._envelopes: dict[tuple[str, str], MessageRow] = {}
        self._receipts: dict[tuple[str, str], MessageRow] = {}
        self._records: dict[str, bytes] = {}
        self._taken: set[tuple[str, str, str]] = set()
        """(half, direction or "record", id) of objects looked up before the scan reached them."""

    def _read(self) -> bool:
        row = next(self._rows, None)
        if row is None:
            return False
        key = (row[1], row[0])
        if not self._taken or ("envelope", *key) not in self._taken:
            self._envelopes[key] = row
        if row[8] is not None and (not self._taken or ("receipt", *key) not in self._taken):
            self._receipts[key] = row
        return True

    def envelope(self, direction: str, ref: str) -> MessageRow | None:
        """The message row of the envelope an entry names (None if it is not held)."""
        row = self._envelopes.pop((direction, ref), None)
        return row if row is not None else self._ahead("envelope", (direction, ref), self._envelopes)

    def receipt(self, direction: str, ref: str) -> MessageRow | None:
        """The message row of the receipt an entry names (None if it is not held)."""
        row = self._receipts.pop((direction, ref), None)
        return row if row is not None else self._ahead("receipt", (direction, ref), self._receipts)

    def _ahead(self, half: str, key: tuple[str, str], waiting: dict[tuple[str, str], MessageRow]) -> MessageRow | None:
        """Read on until the row turns up (the next one, usually); look it up if it is far."""
        for _ in range(_READ_AHEAD):
            if not self._read():
                break
            if key in waiting:
                return waiting.pop(key)
        record = self.store.message(key[1])
        if record is None or record.peer != self.peer or record.direction != key[0]:
            return None
        if half == "receipt" and record.receipt is None:
            return None
        self._taken.add((half, *key))
        waiting.pop(key, None)
        return (
            record.id,
            record.direction,
            record.seq,
            record.kind,
            record.precedence,
            record.created_at,
            record.envelope,
            record.envelope_hash,
            record.receipt,
            record.receipted_at,
        )

    def record(self, ref: str) -> bytes | None:
        for _ in range(_READ_AHEAD):
            if ref in self._records:
                break
            row = next(self._record_rows, None)
            if row is None:
                break
            if ("record", "record", row[0]) not in self._taken:
                self._records[row[0]] = row[1]
        data = self._records.pop(ref, None)
        if data is None:
            data = self.store.entry_for(self.peer, "record", ref)
            if data is not None:
                self._taken.add(("record", "record", ref))
        return data

    def leftovers(self) -> Iterator[tuple[str, str]]:
        """(kind, id) of every message, receipt and record that no entry took."""
        while self._read():
            pass
        for direction, ref in self._envelopes:
            yield ("envelope-out" if direction == "out" else "envelope-in"), ref
        for direction, ref in self._receipts:
            yield ("receipt-in" if direction == "out" else "receipt-out"), ref
        for row in self._record_rows:
            if ("record", "record", row[0]) not in self._taken:
                self._records[row[0]] = row[1]
        for ref in self._records:
            yield "record", ref


def held_data(held: HeldRows, kind: str, ref: str) -> tuple[MessageRow | None, bytes | None]:
    """The message row (None for a record) and the bytes an entry names."""
    if kind == "record":
        return None, held.record(ref)
    if kind[0] == "e":
        row = held.envelope(DIRECTION[kind], ref)
        return row, None if row is None else row[6]
    row = held.receipt(DIRECTION[kind], ref)
    return row, None if row is None else row[8]


def as_hash(value: object) -> bytes:
    """A stored hash as bytes (SQLite returns whatever type was written: anything else is made
    into bytes that cannot match, so that the tree above it is reported, not a crash)."""
    return value if type(value) is bytes else repr(value).encode()
