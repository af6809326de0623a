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
