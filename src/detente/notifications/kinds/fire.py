"""fire-notice: planned live fire or artillery activity."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ...protocol.envelope import Precedence
from ..common import Altitude, Kilometres, Notice, Remarks, TimeWindow, limit_hours
from ..geodesy import as_polygon
from ..geometry import Area, Point
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "FireNotice", "WeaponClass"]


class WeaponClass(StrEnum):
    """The class of weapon to be fired."""

    SMALL_ARMS = "small-arms"
    MORTAR = "mortar"
    TUBE_ARTILLERY = "tube-artillery"
    ROCKET_ARTILLERY = "rocket-artillery"
    TANK_GUN = "tank-gun"
    ANTI_TANK_MISSILE = "anti-tank-missile"
    AIR_DEFENCE_GUNNERY = "air-defence-gunnery"
    SURFACE_TO_SURFACE_MISSILE = "surface-to-surface-missile"
    NAVAL_GUNFIRE = "naval-gunfire"
    AIR_TO_GROUND = "air-to-ground"
    DEMOLITION = "demolition"


class FireNotice(Notice):
    """Planned live fire or artillery activity."""

    weapon: WeaponClass = Field(title="Weapon class")
    area: Area = Field(title="Impact area")
    window: TimeWindow = Field(title="Time window")
    max_range_km: Kilometres = Field(gt=0, le=1000, title="Maximum range")
    safety_area: Area = Field(title="Safety area")
    firing_position: Point | None = Field(default=None, title="Firing position")
    max_altitude: Altitude | None = Field(default=None, title="Maximum ordinate")
    remarks: Remarks | None = Field(default=None, title="Remarks")

    @field_validator("window")
    @classmethod
    def _one_week(cls, window: TimeWindow) -> TimeWindow:
        return limit_hours(window, 7 * 24)

    @field_validator("safety_area")
    @classmethod
    def _holds_impact_area(cls, safety: Area, info: ValidationInfo) -> Area:
        impact = info.data.get("area")
        if impact is not None and not as_polygon(safety, segments=128).buffer(1e-6).covers(as_polygon(impact)):
            raise PydanticCustomError("safety_area_excludes_impact", "impact area is not inside the safety area")
        return safety


SPEC = KindSpec(
    name="fire-notice",
    title="Fire notice",
    summary="Planned live fire or artillery activity: impact area, time window, weapon class, "
    "maximum range and safety area.",
    model=FireNotice,
    precedence=Precedence.PRIORITY,
    min_lead=timedelta(hours=6),
    cap=CapProfile(category="Safety", severity="Moderate", certainty="Likely"),
)
