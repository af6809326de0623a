"""flight-notice: planned air activity near the border."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ...protocol.envelope import Precedence
from ..common import AltitudeBand, Callsign, Kilometres, Model, Name, Notice, Remarks, TimeWindow, limit_hours
from ..geometry import AreaOrRoute
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "Aircraft", "AircraftCategory", "FlightNotice", "Intent", "Mission"]


class Mission(StrEnum):
    """What the flight is for."""

    PATROL = "patrol"
    TRAINING = "training"
    TRANSPORT = "transport"
    RECONNAISSANCE = "reconnaissance"
    MEDICAL_EVACUATION = "medical-evacuation"
    SEARCH_AND_RESCUE = "search-and-rescue"


class AircraftCategory(StrEnum):
    """The role of an aircraft."""

    FIGHTER = "fighter"
    ATTACK = "attack"
    TRANSPORT = "transport"
    TANKER = "tanker"
    AIRBORNE_EARLY_WARNING = "airborne-early-warning"
    RECONNAISSANCE = "reconnaissance"
    MARITIME_PATROL = "maritime-patrol"
    HELICOPTER = "helicopter"
    UNMANNED = "unmanned"
    TRAINER = "trainer"


class Intent(StrEnum):
    """A statement of intent the sender commits to."""

    WILL_NOT_ENTER_YOUR_AIRSPACE = "will-not-enter-your-airspace"
    WILL_REMAIN_CLEAR_OF_BORDER = "will-remain-clear-of-border"
    NO_HOSTILE_INTENT = "no-hostile-intent"
    TRANSPONDERS_ON = "transponders-on"
    GUARD_FREQUENCY_WATCH = "guard-frequency-watch"


class Aircraft(Model):
    """A group of aircraft of one role (and type)."""

    count: int = Field(ge=1, le=50, title="Number")
    category: AircraftCategory = Field(title="Role")
    model: Name | None = Field(default=None, title="Type")


class FlightNotice(Notice):
    """Planned air activity near the border."""

    mission: Mission = Field(title="Mission")
    aircraft: list[Aircraft] = Field(min_length=1, max_length=20, title="Aircraft")
    callsigns: list[Callsign] | None = Field(default=None, max_length=50, title="Callsigns")
    area: AreaOrRoute = Field(title="Area or route")
    window: TimeWindow = Field(title="Time window")
    altitude: AltitudeBand = Field(title="Altitude band")
    intent: list[Intent] = Field(min_length=1, max_length=len(Intent), title="Statement of intent")
    standoff_km: Kilometres | None = Field(default=None, gt=0, le=200, title="Minimum distance from the border")
    remarks: Remarks | None = Field(default=None, title="Remarks")

    @field_validator("window")
    @classmethod
    def _one_day(cls, window: TimeWindow) -> TimeWindow:
        return limit_hours(window, 24)

    @field_validator("callsigns", "intent")
    @classmethod
    def _unique(cls, values: list[str] | None) -> list[str] | None:
        if values:
            seen: set[str] = set()
            for index, value in enumerate(values):
                if value in seen:
                    raise PydanticCustomError("duplicate_item", "listed twice", {"index": index, "value": value})
                seen.add(value)
        return values or None


SPEC = KindSpec(
    name="flight-notice",
    title="Flight notice",
    summary="Planned air activity near the border: aircraft, callsigns, mission, area or route, "
    "time window, altitude band and a statement of intent.",
    model=FlightNotice,
    precedence=Precedence.PRIORITY,
    min_lead=timedelta(hours=1),
    cap=CapProfile(category="Transport", severity="Minor", certainty="Likely"),
)
