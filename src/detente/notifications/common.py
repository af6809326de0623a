"""Building blocks shared by every kind: times, windows, altitudes, texts, names, references.

Every model is strict (no "5" for 5), refuses unknown members and is immutable. Field titles are
English message ids: the renderers translate them, and they are the titles of the exported JSON
Schemas. Errors raised here use our own error types (``PydanticCustomError``) whose codes the
problem messages in ``problems.py`` translate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..protocol.ids import is_uuid7
from .bidi import BIDI_CONTROLS

__all__ = [
    "Altitude",
    "AltitudeBand",
    "AltitudeUnit",
    "Callsign",
    "Contact",
    "Description",
    "Display",
    "Kilometres",
    "MessageId",
    "Model",
    "Name",
    "Notice",
    "Period",
    "Phone",
    "Reference",
    "Relation",
    "Remarks",
    "Text",
    "TimeWindow",
    "UtcTime",
    "format_utc",
    "limit_hours",
]


@dataclass(frozen=True)
class Display:
    """How the renderer shows a field's value (attached to the type with ``Annotated``)."""

    style: Literal["free-text", "name", "ltr", "km"]


FREE_TEXT: Final = Display("free-text")
NAME: Final = Display("name")
LTR: Final = Display("ltr")
KM: Final = Display("km")


class Model(BaseModel):
    """Base of every notification model: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# --- times ----------------------------------------------------------------------------------


def format_utc(moment: datetime) -> str:
    """The canonical form of a time in a body: ``2026-11-26T09:00:00Z`` (milliseconds if any)."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def limit_hours(window: TimeWindow, hours: int) -> TimeWindow:
    """Refuse a window longer than ``hours`` (a notice covers one activity, not a season)."""
    if window.hours() > hours:
        raise PydanticCustomError("window_too_long", "window is too long", {"hours": hours})
    return window


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("time_zone_missing", "time has no time zone")
    moment = moment.astimezone(UTC)
    if not 2000 <= moment.year <= 2099:
        raise PydanticCustomError("time_out_of_range", "time is not in this century", {"year": moment.year})
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


UtcTime = Annotated[
    datetime,
    AfterValidator(_utc),
    PlainSerializer(format_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-26T09:00:00Z"]}),
]
"""A moment, given in RFC 3339 with ``Z`` or an offset; kept and sent in UTC."""


class TimeWindow(Model):
    """A planned activity's start and end (UTC); the end is after the start."""

    start: UtcTime = Field(title="Start")
    end: UtcTime = Field(title="End")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if isinstance(start, datetime) and end <= start:
            raise PydanticCustomError(
                "window_reversed", "end is not after start", {"start": format_utc(start), "end": format_utc(end)}
            )
        return end

    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


class Period(Model):
    """A start and, unless "until further notice", an end."""

    start: UtcTime = Field(title="Start")
    end: UtcTime | None = Field(default=None, title="End")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        if end is not None and isinstance(start, datetime) and end <= start:
            raise PydanticCustomError(
                "window_reversed", "end is not after start", {"start": format_utc(start), "end": format_utc(end)}
            )
        return end


# --- texts and names ------------------------------------------------------------------------

_ALLOWED_CONTROLS = frozenset("\n\t")


def _clean_text(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("text_blank", "text is blank")
    for ch in text:
        if ch in BIDI_CONTROLS or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in _ALLOWED_CONTROLS):
            if ch == "\u200d" or ch == "\u200c":  # joiners are needed by some scripts
                continue
            raise PydanticCustomError("text_controls", "text contains control characters", {"char": f"U+{ord(ch):04X}"})
    return text


def _clean_name(text: str) -> str:
    _clean_text(text)
    if "\n" in text or "\t" in text:
        raise PydanticCustomError("name_one_line", "name has more than one line")
    return text


Text = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_clean_text), FREE_TEXT]
"""Free text of a ``free-text`` message, in the sender's language."""
Description = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_clean_text), FREE_TEXT]
"""A description in the sender's language (shown in the original, never translated by catalogue)."""
Remarks = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_clean_text), FREE_TEXT]
"""Optional remarks in the sender's language."""
Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_clean_name), NAME]
"""A proper name, designation or number shown as written (a unit, a model, a telephone)."""

_CALLSIGN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")


def _callsign(text: str) -> str:
    if not _CALLSIGN.fullmatch(text):
        raise PydanticCustomError("callsign_form", "callsign is not 2-16 capital letters, digits or hyphens")
    return text


Callsign = Annotated[
    str, AfterValidator(_callsign), LTR, WithJsonSchema({"type": "string", "pattern": _CALLSIGN.pattern})
]
Kilometres = Annotated[float, KM]


# --- altitudes ------------------------------------------------------------------------------


class AltitudeUnit(StrEnum):
    """How an altitude is measured."""

    FEET_AMSL = "ft-amsl"
    FEET_AGL = "ft-agl"
    FLIGHT_LEVEL = "fl"


class Altitude(Model):
    """An altitude in feet above mean sea level, feet above ground, or a flight level."""

    unit: AltitudeUnit = Field(title="Unit")
    value: int = Field(ge=0, le=100_000, title="Value")

    @field_validator("value")
    @classmethod
    def _flight_level_range(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("unit") == AltitudeUnit.FLIGHT_LEVEL and value > 660:
            raise PydanticCustomError("flight_level_range", "flight level above 660", {"value": value})
        return value

    def approximate_feet(self) -> int | None:
        """Feet above mean sea level (flight levels at standard pressure); None above ground."""
        if self.unit == AltitudeUnit.FLIGHT_LEVEL:
            return self.value * 100
        if self.unit == AltitudeUnit.FEET_AMSL:
            return self.value
        return None


class AltitudeBand(Model):
    """A lower and an upper altitude; the upper is above the lower when the two can be compared."""

    lower: Altitude = Field(title="Lower limit")
    upper: Altitude = Field(title="Upper limit")

    @field_validator("upper")
    @classmethod
    def _upper_above_lower(cls, upper: Altitude, info: ValidationInfo) -> Altitude:
        lower = info.data.get("lower")
        if not isinstance(lower, Altitude):
            return upper
        same = lower.unit == upper.unit
        low, high = (lower.value, upper.value) if same else (lower.approximate_feet(), upper.approximate_feet())
        if low is not None and high is not None and high <= low:
            raise PydanticCustomError("altitude_band_reversed", "upper limit is not above the lower limit")
        return upper


# --- contact and references -----------------------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,24}$")


def _phone(text: str) -> str:
    if not _PHONE.fullmatch(text):
        raise PydanticCustomError("phone_form", "not a telephone number")
    return text


Phone = Annotated[str, AfterValidator(_phone), LTR, WithJsonSchema({"type": "string", "pattern": _PHONE.pattern})]


class Contact(Model):
    """Who to call about the notice: a post or person, and a telephone or a radio channel."""

    name: Name = Field(title="Post or person")
    phone: Phone | None = Field(default=None, title="Telephone")
    radio: Name | None = Field(default=None, title="Radio")

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if self.phone is None and self.radio is None:
            raise PydanticCustomError("contact_unreachable", "neither a telephone nor a radio channel")
        return self


class Relation(StrEnum):
    """How a message relates to an earlier one (CAP: Alert with references, Update, Cancel)."""

    REPLY = "reply"
    UPDATE = "update"
    CANCEL = "cancel"


def _message_id(value: str) -> str:
    if not is_uuid7(value):
        raise PydanticCustomError("message_id_form", "not a message id")
    return value


MessageId = Annotated[
    str,
    AfterValidator(_message_id),
    LTR,
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"}
    ),
]
"""The id of a message on the line (a UUIDv7, as détente prints it)."""


class Reference(Model):
    """An earlier message this one answers, updates or cancels."""

    id: MessageId = Field(title="Message")
    relation: Relation = Field(title="Relation")


class Notice(Model):
    """Members common to every kind: the sender's language and references to earlier messages."""

    lang: Literal["tr", "ar", "en", "ru"] = Field(
        title="Language", description="The language the sender wrote in; every free text in the body is in it."
    )
    references: list[Reference] | None = Field(default=None, max_length=20, title="References")

    @field_validator("references")
    @classmethod
    def _no_empty_references(cls, value: list[Reference] | None) -> list[Reference] | None:
        if not value:
            return None
        seen: set[str] = set()
        for index, reference in enumerate(value):
            if reference.id in seen:
                raise PydanticCustomError("duplicate_reference", "message referred to twice", {"index": index})
            seen.add(reference.id)
        return value

    def activity(self) -> tuple[datetime, datetime | None] | None:
        """When the announced activity starts and ends (None if the kind announces none)."""
        for name in ("window", "period"):
            value = getattr(self, name, None)
            if isinstance(value, TimeWindow | Period):
                return value.start, value.end
        return None

    def event_time(self) -> datetime | None:
        """When a reported event happened or was observed (None if the kind reports none)."""
        return None

    def canonical(self) -> dict[str, Any]:
        """The body to put in an envelope: JSON types, UTC times, nothing left out that was given."""
        return self.model_dump(mode="json", exclude_none=True)
