"""RFC 9162 Merkle hashing and proofs, against the published vectors of transparency-dev/merkle
(tests/data/merkle/rfc9162-vectors.json; sources and licence inside the file) and hypothesis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.ledger.merkle import (
    EMPTY_ROOT,
    Levels,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "merkle" / "rfc9162-vectors.json").read_text(encoding="utf-8")
)
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]


def _tree(size: int) -> Levels:
    return Levels([leaf_hash(entry) for entry in LEAVES[:size]])


def _h(items: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in items]


def test_hasher_vectors() -> None:
    for vector in VECTORS["hasher_vectors"]:
        expected = bytes.fromhex(vector["expected"])
        if vector["kind"] == "empty":
            assert EMPTY_ROOT == expected
        elif vector["kind"] == "leaf":
            assert leaf_hash(bytes.fromhex(vector["input_hex"])) == expected
        else:
            assert node_hash(bytes.fromhex(vector["left_hex"]), bytes.fromhex(vector["right_hex"])) == expected


def test_roots_and_node_hashes() -> None:
    for vector in VECTORS["roots"]:
        assert root_hash(_tree(vector["tree_size"])).hex() == vector["root"]
    tree = _tree(8)
    for level, hashes in enumerate(VECTORS["node_hashes"]["levels"]):
        for index, value in enumerate(hashes):
            assert tree.perfect(level, index).hex() == value


def test_published_inclusion_proofs() -> None:
    for vector in VECTORS["inclusion_proofs"]:
        tree = _tree(vector["tree_size"])
        proof = inclusion_proof(tree, vector["leaf_index"], vector["tree_size"])
        assert proof == _h(vector["proof"])
        leaf = leaf_hash(LEAVES[vector["leaf_index"]])
        assert verify_inclusion(leaf, vector["leaf_index"], vector["tree_size"], proof, root_hash(tree))


def test_published_consistency_proofs() -> None:
    for vector in VECTORS["consistency_proofs"]:
        tree = _tree(vector["size2"])
        proof = consistency_proof(tree, vector["size1"], vector["size2"])
        assert proof == _h(vector["proof"])
        assert verify_consistency(
            vector["size1"], vector["size2"], root_hash(tree, vector["size1"]), root_hash(tree), proof
        )


@pytest.mark.parametrize("probe", VECTORS["probes"]["inclusion"], ids=lambda p: p["file"])
def test_inclusion_probes(probe: dict[str, Any]) -> None:
    ok = verify_inclusion(
        bytes.fromhex(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        _h(probe["proof"] or []),
        bytes.fromhex(probe["root"]),
    )
    assert ok is not probe["wantErr"]


@pytest.mark.parametrize("probe", VECTORS["probes"]["consistency"], ids=lambda p: p["file"])
def test_consistency_probes(probe: dict[str, Any]) -> None:
    ok = verify_consistency(
        probe["size1"],
        probe["size2"],
        bytes.fromhex(probe["root1"] or ""),
        bytes.fromhex(probe["root2"] or ""),
        _h(probe["proof"] or []),
    )
    assert ok is not probe["wantErr"]


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursively."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=150, deadline=None)
@given(size=sizes, data=st.data())
def test_proofs_for_random_trees_verify_and_wrong_ones_do_not(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = Levels(leaves)
    assert root_hash(tree) == _reference_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    root = root_hash(tree)
    proof = inclusion_proof(tree, index, size)
    assert verify_inclusion(leaves[index], index, size, proof, root)
    if size > 1:
        assert not verify_inclusion(leaves[(index + 1) % size], index, size, proof, root)
        assert not verify_inclusion(leaves[index], (index + 1) % size, size, proof, root)
    old = data.draw(st.integers(1, size))
    cproof = consistency_proof(tree, old, size)
    old_root = root_hash(tree, old)
    assert verify_consistency(old, size, old_root, root, cproof)
    if old < size:
        # A proof must be used up exactly by the second size (no element left over or missing),
        # cannot vouch for another first tree, nor for a root that differs in one bit.
        assert not verify_consistency(old, size, old_root, root, [*cproof, root])
        assert not verify_consistency(old, size, old_root, root, cproof[:-1])
        flipped = bytes([root[0] ^ 1]) + root[1:]
        assert not verify_consistency(old, size, old_root, flipped, cproof)
        if old > 1:
            assert not verify_consistency(old - 1, size, root_hash(tree, old - 1), root, cproof)


def test_appending_reports_the_nodes_that_became_complete() -> None:
    tree = Levels()
    assert [level for level, _, _ in tree.append(leaf_hash(b"a"))] == [0]
    assert [level for level, _, _ in tree.append(leaf_hash(b"b"))] == [0, 1]
    tree.append(leaf_hash(b"c"))
    assert [(level, index) for level, index, _ in tree.append(leaf_hash(b"d"))] == [(0, 3), (1, 1), (2, 0)]


def test_refusals() -> None:
    tree = _tree(4)
    with pytest.raises(ValueError):
        inclusion_proof(tree, 4, 4)
    with pytest.raises(ValueError):
        consistency_proof(tree, 3, 5)
    with pytest.raises(ValueError):
        root_hash(tree, 5)
