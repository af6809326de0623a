"""What ``ledger verify`` reports: a problem at one place of a log, and each line's report."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import LogName

__all__ = [
    "DAMAGE_ACCEPTED",
    "MAX_PROBLEMS",
    "NODE_CODES",
    "PROBLEMS",
    "LineReport",
    "Problem",
    "ProblemKey",
    "ordered",
]

MAX_PROBLEMS = 100
"""Problems kept per line (all are counted); the first is what matters."""
DAMAGE_ACCEPTED = "ledger.damaged"
"""The alarm (and signed record) of a damaged ledger that ``serve --accept-damaged-ledger`` served."""

PROBLEMS = {
    "missing-entry": "{span} missing from the log (rows deleted){held}",
    "missing-data": "the {noun} it names is not held: {row} was deleted",
    "changed-data": "the {noun}'s stored bytes were changed: they no longer hash to the logged leaf, and {wrong}",
    "changed-leaf": "its stored leaf hash was changed; the {noun} itself is intact and correctly signed",
    "wrong-data": "the logged bytes are not {what}",
    "broken-chain": "envelope seq {seq} does not follow seq {last} of the same direction in the log "
    "(entries reordered, or one removed and the hashes recomputed)",
    "row-mismatch": "the message row's {columns} disagree with the signed {noun}",
    "bad-signature": "the logged {noun} fails verification: {wrong}",
    "alarm-deleted": "its alarm ({event}) was deleted from the alarms table",
    "changed-node": "the stored node ({node}) over entries {first} to {last} is not the hash of those entries: "
    "{table} was edited",
    "missing-node": "the node ({node}) over entries {first} to {last} is missing from {table}",
    "extra-node": "{table} holds a node ({node}) over entries {first} to {last}, beyond the log's {size} entries",
    "removed-entries": "a checkpoint covers {covered} entries but the log holds {size}: entries {size} to {last} "
    "were removed from its end",
    "checkpoint-mismatch": "the entries up to {size} do not give the root of the checkpoint of that size (those up "
    "to {good} give theirs): entries between were changed and their hashes recomputed, or the checkpoint altered",
    "checkpoint-edited": "the stored checkpoint of size {size} {what}",
    "checkpoint-signature": "the checkpoint of size {size} does not verify with {whose} pinned checkpoint keys: its "
    "note was altered",
    "cosignature": "{whose} cosignature of the checkpoint of size {size} does not verify",
    "unlogged": "the {noun} is held but no entry of the log names it: its row was inserted, or its entry removed",
}
"""Every problem code and what it says (a ``detail`` template)."""

ProblemKey = tuple[str, int | None, str, str | None]
NODE_CODES = frozenset({"changed-node", "missing-node"})


@dataclass(frozen=True)
class Problem:
    """What is wrong at one place of a log. ``index`` is the entry's position (None for what is
    not one entry: a checkpoint, or a row that no entry names); ``kind`` and ``ref`` say which
    envelope, receipt or record the entry stands for, when known."""

    log: LogName
    index: int | None
    kind: str | None
    ref: str | None
    code: str
    detail: str

    @property
    def key(self) -> ProblemKey:
        return (self.log, self.index, self.code, self.ref)

    def where(self) -> str:
        whose = "our log" if self.log == "own" else "the peer's log"
        what = f" ({self.kind} {self.ref})" if self.kind and self.ref else ""
        return f"{whose}{what}" if self.index is None else f"{whose}, entry {self.index}{what}"


@dataclass(frozen=True)
class LineReport:
    peer: str
    party: str
    size: int
    """Entries in this station's own log of the line."""
    covered: int
    """Of them, how many a checkpoint signed by this station covers (its root matching)."""
    cosigned: int
    """…and co-signed by the peer (its cosignatures verified)."""
    peer_size: int
    """Leaves of the peer's log revealed to this station."""
    peer_covered: int
    """Of them, how many a checkpoint signed by the peer and co-signed by this station covers."""
    checkpoints: int
    signatures: int
    """Signatures verified."""
    problems: tuple[Problem, ...]
    """The first MAX_PROBLEMS problems: entries in index order, then the tree's nodes, then the rest."""
    problem_count: int
    accepted: bool
    """Every problem was accepted before by ``serve --accept-damaged-ledger`` (and recorded)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def ordered(problems: list[Problem]) -> list[Problem]:
    """Entries in index order first; then the tree's nodes (a node is not an entry: a changed
    entry also changes the nodes above it); then checkpoints and rows that no entry names."""
    return sorted(problems, key=lambda p: (2 if p.index is None else p.code in NODE_CODES, p.index or 0))
