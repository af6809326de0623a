"""incident-report: something happened at or across the border."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from ...protocol.envelope import Precedence
from ..common import Description, Model, Notice, UtcTime
from ..geometry import Location
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "Casualties", "IncidentReport", "IncidentRequest", "IncidentType"]


class IncidentType(StrEnum):
    """What happened."""

    AIRSPACE_VIOLATION = "airspace-violation"
    CROSS_BORDER_FIRE = "cross-border-fire"
    SHELL_IMPACT = "shell-impact"
    UNIDENTIFIED_AIRCRAFT = "unidentified-aircraft"
    UNIDENTIFIED_VESSEL = "unidentified-vessel"
    CASUALTIES = "casualties"
    OTHER = "other"


class IncidentRequest(StrEnum):
    """What the sender asks the other side to do."""

    CLARIFY = "clarify"
    INVESTIGATE = "investigate"
    CEASE = "cease"
    NONE = "none"


class Casualties(Model):
    """People killed and wounded, as far as known."""

    killed: int = Field(ge=0, le=100_000, title="Killed")
    wounded: int = Field(ge=0, le=100_000, title="Wounded")


class IncidentReport(Notice):
    """An incident at or across the border."""

    type: IncidentType = Field(title="Incident")
    time: UtcTime = Field(title="Time of the incident")
    location: Location = Field(title="Position or area")
    description: Description = Field(title="Description")
    request: IncidentRequest = Field(title="Request")
    casualties: Casualties | None = Field(default=None, title="Casualties")

    def event_time(self) -> datetime:
        return self.time


SPEC = KindSpec(
    name="incident-report",
    title="Incident report",
    summary="An incident at or across the border (airspace violation, cross-border fire, shell impact, "
    "unidentified aircraft or vessel, casualties): time, position or area, description and a request.",
    model=IncidentReport,
    precedence=Precedence.IMMEDIATE,
    cap=CapProfile(category="Security", severity="Severe", certainty="Observed"),
)
