"""air-defence-notice: deployment or activation of air-defence units in an area."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field

from ...protocol.envelope import Precedence
from ..common import Contact, Model, Name, Notice, Period, Remarks
from ..geometry import Area
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "AirDefenceAction", "AirDefenceNotice", "AirDefenceSystem", "AirDefenceUnit", "Posture"]


class AirDefenceAction(StrEnum):
    """What happens to the units."""

    DEPLOYMENT = "deployment"
    ACTIVATION = "activation"
    DEACTIVATION = "deactivation"
    WITHDRAWAL = "withdrawal"


class Posture(StrEnum):
    """The rules the units operate under."""

    DEFENSIVE_ONLY = "defensive-only"
    ENGAGEMENT_LIMITED_TO_OWN_AIRSPACE = "engagement-limited-to-own-airspace"


class AirDefenceSystem(StrEnum):
    """The class of an air-defence system."""

    LONG_RANGE_SAM = "long-range-sam"
    MEDIUM_RANGE_SAM = "medium-range-sam"
    SHORT_RANGE_SAM = "short-range-sam"
    MANPADS = "manpads"
    ANTI_AIRCRAFT_ARTILLERY = "anti-aircraft-artillery"
    SURVEILLANCE_RADAR = "surveillance-radar"
    ELECTRONIC_WARFARE = "electronic-warfare"


class AirDefenceUnit(Model):
    """A group of air-defence units of one class."""

    system: AirDefenceSystem = Field(title="System")
    count: int | None = Field(default=None, ge=1, le=100, title="Number")
    model: Name | None = Field(default=None, title="Type")


class AirDefenceNotice(Notice):
    """Deployment or activation of air-defence units in an area."""

    action: AirDefenceAction = Field(title="Action")
    units: list[AirDefenceUnit] = Field(min_length=1, max_length=20, title="Units")
    area: Area = Field(title="Area")
    period: Period = Field(title="Period")
    posture: Posture = Field(title="Posture")
    contact: Contact = Field(title="Point of contact")
    remarks: Remarks | None = Field(default=None, title="Remarks")


SPEC = KindSpec(
    name="air-defence-notice",
    title="Air-defence notice",
    summary="Deployment or activation of air-defence units in an area: period, posture and point of contact.",
    model=AirDefenceNotice,
    precedence=Precedence.PRIORITY,
    min_lead=timedelta(hours=2),
    cap=CapProfile(category="Security", severity="Moderate", certainty="Likely"),
)
