"""What the catalogue knows about a kind: its model, defaults, lead time and CAP profile.

Adding a kind is declarative: a module in ``kinds/`` defines a ``Notice`` model and a
``KindSpec``, and ``kinds/__init__.py`` lists it. Everything else (validation, rendering, JSON
Schema, CAP, lateness, border advice) works from the spec and the model's field types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from ..protocol.envelope import Precedence
from .common import Notice

__all__ = ["CapProfile", "KindSpec"]

CapCategory = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"
]
CapSeverity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CapCertainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]


@dataclass(frozen=True)
class CapProfile:
    """How a kind maps onto CAP 1.2's <info> classification."""

    category: CapCategory
    severity: CapSeverity
    certainty: CapCertainty


@dataclass(frozen=True)
class KindSpec:
    """One kind of notification in the catalogue."""

    name: str
    """The envelope ``kind``, e.g. ``flight-notice``."""
    title: str
    """English title; also the catalogue message id its translations are found under."""
    summary: str
    """One sentence for the documentation."""
    model: type[Notice]
    """The pydantic model of the body."""
    precedence: Precedence
    """The precedence a new message of this kind gets unless the operator chooses another."""
    cap: CapProfile
    min_lead: timedelta | None = None
    """How long before the announced activity starts the notice must be sent (None: no minimum)."""
    answer_within: timedelta | None = None
    """How soon the other side is asked to answer, unless the body sets its own deadline."""
    acknowledge_within: timedelta | Precedence | None = None
    """A shorter deadline for a person's acknowledgement at the receiving station than the
    message's precedence gives: a duration, or a precedence whose deadline in the receiving
    station's ``station.toml`` (``[deadlines]``, or the line's own table) applies, so that
    ``Precedence.FLASH`` follows whatever that station set for FLASH. The station's deadline for
    the message's own precedence stays the upper bound: the shorter of the two applies, so a kind
    can make its messages more urgent to acknowledge, never less. None: the precedence alone.

    Not :attr:`answer_within`, on purpose. An acknowledgement says that a person at the other
    station has seen the message: it is the watch's discipline (minutes), which the receiving
    station times, escalates (half-time alarm, supervisors at the deadline) and counts in its
    response figures. An answer is the substance the sender asks for (a clarification-response,
    after someone has looked): it takes longer, the sender may set it per message in the body
    (``answer_by``), and nobody escalates it. Deriving one from the other would let a sender's
    body set the other station's watch, or make the acknowledgement wait as long as the answer.
    """

    def __post_init__(self) -> None:
        within = self.acknowledge_within
        if isinstance(within, timedelta) and within <= timedelta(0):
            raise ValueError(f"{self.name}: acknowledge_within must be positive, not {within}")
