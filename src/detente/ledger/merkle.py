"""RFC 9162 Merkle trees: hashing, inclusion and consistency proofs, and their verification.

Leaf hash ``H(0x00 || entry)``, node hash ``H(0x01 || left || right)``, SHA-256; the tree of
``n`` leaves splits at the largest power of two smaller than ``n`` (RFC 9162 §2.1.1).

Trees are kept as *levels*: level 0 holds the leaf hashes, level ``h`` the hash of every
complete (perfect) subtree of ``2**h`` leaves, in order. Appending a leaf adds at most one hash
per level, so it costs O(log n); the hash of any range that occurs in a root or a proof
decomposes into O(log n) perfect subtrees, so roots and proofs cost O(log n) lookups. The
functions below take any ``NodeSource`` (an in-memory :class:`Levels`, or the store's table).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "Levels",
    "NodeSource",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class NodeSource(Protocol):
    """Where perfect-subtree hashes come from."""

    def size(self) -> int:
        """Number of leaves."""
        ...

    def perfect(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``."""
        ...


class Levels:
    """An in-memory tree: every perfect subtree hash, appended one leaf at a time."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for item in leaf_hashes:
            self.append(item)

    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the (level, index, hash) nodes that became complete."""
        added = [(0, len(self._levels[0]), leaf)]
        self._levels[0].append(leaf)
        level = 0
        while len(self._levels[level]) % 2 == 0:
            pair = self._levels[level][-2:]
            parent = node_hash(pair[0], pair[1])
            if level + 1 == len(self._levels):
                self._levels.append([])
            self._levels[level + 1].append(parent)
            added.append((level + 1, len(self._levels[level + 1]) - 1, parent))
            level += 1
        return added

    def perfect(self, level: int, index: int) -> bytes:
        return self._levels[level][index]


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(source: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range that occurs in RFC 9162 roots and proofs (``start`` is a
    multiple of the largest power of two not exceeding ``end - start``)."""
    count = end - start
    if count <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    if count & (count - 1) == 0 and start % count == 0:
        return source.perfect(count.bit_length() - 1, start // count)
    split = _largest_power_of_two_below(count)
    return node_hash(range_hash(source, start, start + split), range_hash(source, start + split, end))


def root_hash(source: NodeSource, size: int | None = None) -> bytes:
    """The root of the first ``size`` leaves (default: all of them)."""
    size = source.size() if size is None else size
    if size > source.size():
        raise ValueError(f"tree has {source.size()} leaves, not {size}")
    return EMPTY_ROOT if size == 0 else range_hash(source, 0, size)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size <= source.size():
        raise ValueError(f"no leaf {index} in a tree of {size} (the log holds {source.size()})")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = _largest_power_of_two_below(end - start)
        if index < start + split:
            proof.append(range_hash(source, start + split, end))
            end = start + split
        else:
            proof.append(range_hash(source, start, start + split))
            start += split
    return proof[::-1]


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1."""
    if not 0 <= old_size <= new_size <= source.size():
        raise ValueError(f"no consistency proof from {old_size} to {new_size} (the log holds {source.size()})")
    if old_size == 0 or old_size == new_size:
        return []
    proof: list[bytes] = []
    start, end, whole = 0, new_size, True
    m = old_size
    while m != end:
        split = _largest_power_of_two_below(end - start)
        if m - start <= split:
            proof.append(range_hash(source, start + split, end))
            end = start + split
        else:
            proof.append(range_hash(source, start, start + split))
            start += split
            whole = False
    if not whole:
        proof.append(range_hash(source, start, end))
    return proof[::-1]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2; hashes must be 32 bytes."""
    if index < 0 or index >= size or len(leaf) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; a proof from the
    empty tree is refused (there is nothing to be consistent with), as transparency-dev does."""
    if old_size <= 0 or old_size > new_size or any(len(h) != 32 for h in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
