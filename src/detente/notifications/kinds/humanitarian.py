"""humanitarian-notice: a convoy, corridor or evacuation movement."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field, field_validator

from ...protocol.envelope import Precedence
from ..common import Contact, Model, Name, Notice, Remarks, TimeWindow, limit_hours
from ..geometry import AreaOrRoute
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "HumanitarianNotice", "Marking", "Movement", "VehicleGroup", "VehicleType"]


class Movement(StrEnum):
    """The kind of humanitarian movement."""

    CONVOY = "convoy"
    CORRIDOR = "corridor"
    EVACUATION = "evacuation"


class VehicleType(StrEnum):
    """A type of vehicle."""

    TRUCK = "truck"
    FUEL_TANKER = "fuel-tanker"
    BUS = "bus"
    AMBULANCE = "ambulance"
    CAR = "car"
    ENGINEERING = "engineering"
    OTHER = "other"


class Marking(StrEnum):
    """A protective or identifying marking the movement displays."""

    RED_CRESCENT = "red-crescent"
    RED_CROSS = "red-cross"
    RED_CRYSTAL = "red-crystal"
    UNITED_NATIONS = "united-nations"
    WHITE_FLAG = "white-flag"
    ORANGE_PANELS = "orange-panels"
    FLASHING_LIGHTS = "flashing-lights"


class VehicleGroup(Model):
    """A number of vehicles of one type."""

    count: int = Field(ge=1, le=1000, title="Number")
    type: VehicleType = Field(title="Vehicle type")


class HumanitarianNotice(Notice):
    """A convoy, corridor or evacuation movement."""

    movement: Movement = Field(title="Movement")
    route: AreaOrRoute = Field(title="Route or area")
    window: TimeWindow = Field(title="Time window")
    vehicles: list[VehicleGroup] | None = Field(default=None, max_length=20, title="Vehicles")
    persons: int | None = Field(default=None, ge=1, le=1_000_000, title="Persons")
    markings: list[Marking] = Field(min_length=1, max_length=len(Marking), title="Markings")
    organisation: Name | None = Field(default=None, title="Organisation")
    contact: Contact | None = Field(default=None, title="Point of contact")
    remarks: Remarks | None = Field(default=None, title="Remarks")

    @field_validator("window")
    @classmethod
    def _three_days(cls, window: TimeWindow) -> TimeWindow:
        return limit_hours(window, 72)


SPEC = KindSpec(
    name="humanitarian-notice",
    title="Humanitarian notice",
    summary="A convoy, corridor or evacuation movement: route, time window, vehicles and markings.",
    model=HumanitarianNotice,
    precedence=Precedence.PRIORITY,
    min_lead=timedelta(hours=12),
    cap=CapProfile(category="Rescue", severity="Minor", certainty="Likely"),
)
