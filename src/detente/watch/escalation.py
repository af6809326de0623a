"""The escalation policy, as a pure function of a message's state and the time.

For a message this station must acknowledge (it came from the peer):
  1. half the deadline gone, no acknowledgement: ``half-time``, a louder alarm on the console;
  2. the deadline passed: ``overdue``, the station's supervisors are notified.
For a message this station sent:
  * not yet delivered while the link is down: ``link-wait``, at once: it waits on the link, not
    on a person;
  * delivered, deadline passed without the peer's acknowledgement: ``peer-overdue`` ("not
    acknowledged in time"; supervisors notified too if configured).
Either way, an acknowledgement after the deadline is recorded as ``late``, with how late.
Each step happens once per message; the caller records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Awaiting", "Step", "steps_due"]


class Step(StrEnum):
    HALF_TIME = "half-time"
    OVERDUE = "overdue"
    LINK_WAIT = "link-wait"
    PEER_OVERDUE = "peer-overdue"
    LATE = "late"


@dataclass(frozen=True)
class Awaiting:
    """A message that needs, or got, a person's acknowledgement."""

    message_id: str
    direction: str
    """"in": this station must acknowledge it; "out": the peer must."""
    party: str
    kind: str
    precedence: str
    started: float | None
    """When the deadline started: received here ("in"), or delivered to the peer ("out", None
    while not delivered)."""
    deadline: float
    """Seconds allowed."""
    acknowledged: float | None
    """When a person acknowledged it, if one has."""
    done: frozenset[str] = frozenset()
    """Steps already taken."""

    @property
    def due_at(self) -> float | None:
        return None if self.started is None else self.started + self.deadline

    def late_by(self) -> float | None:
        due = self.due_at
        if due is None or self.acknowledged is None or self.acknowledged <= due:
            return None
        return self.acknowledged - due


def steps_due(item: Awaiting, now: float, *, link_up: bool) -> list[Step]:
    """The steps to take now, in order (none already in ``item.done``)."""
    steps: list[Step] = []
    if item.acknowledged is not None:
        if item.late_by() is not None:
            steps.append(Step.LATE)
    elif item.direction == "in" and item.started is not None:
        if now >= item.started + item.deadline / 2:
            steps.append(Step.HALF_TIME)
        if now >= item.started + item.deadline:
            steps.append(Step.OVERDUE)
    elif item.direction == "out":
        if item.started is None:
            if not link_up:
                steps.append(Step.LINK_WAIT)
        elif now >= item.started + item.deadline:
            steps.append(Step.PEER_OVERDUE)
    return [step for step in steps if step.value not in item.done]
