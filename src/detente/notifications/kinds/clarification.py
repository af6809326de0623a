"""clarification-request ("is this yours?") and clarification-response."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ...protocol.envelope import Precedence
from ..common import Description, Notice, Reference, Relation, UtcTime
from ..geometry import Point, TrackPoint, check_track
from ..spec import CapProfile, KindSpec

__all__ = [
    "REQUEST",
    "RESPONSE",
    "Answer",
    "ClarificationRequest",
    "ClarificationResponse",
    "IntendedAction",
    "ObservedObject",
]


class ObservedObject(StrEnum):
    """What was observed."""

    AIRCRAFT = "aircraft"
    HELICOPTER = "helicopter"
    UNMANNED_AIRCRAFT = "unmanned-aircraft"
    VESSEL = "vessel"
    VEHICLES = "vehicles"
    PERSONNEL = "personnel"
    ARTILLERY_FIRE = "artillery-fire"
    EXPLOSION = "explosion"
    RADAR_CONTACT = "radar-contact"
    OTHER = "other"


class ClarificationRequest(Notice):
    """ "Is this yours?": an observation with a position or a track, asking the other side to answer."""

    observed: ObservedObject = Field(title="Observed")
    observed_at: UtcTime = Field(title="Time of observation")
    position: Point | None = Field(default=None, title="Position")
    track: list[TrackPoint] | None = Field(default=None, min_length=2, max_length=200, title="Track")
    description: Description = Field(title="What was observed")
    answer_by: UtcTime | None = Field(default=None, title="Answer requested by")

    @field_validator("track")
    @classmethod
    def _track_in_order(cls, track: list[TrackPoint] | None) -> list[TrackPoint] | None:
        return None if track is None else check_track(track)

    @model_validator(mode="after")
    def _position_or_track(self) -> ClarificationRequest:
        if (self.position is None) == (self.track is None):
            raise PydanticCustomError("position_or_track", "give a position or a track, not both or neither")
        return self

    def event_time(self) -> datetime:
        return self.observed_at


class Answer(StrEnum):
    """The answer to "is this yours?"."""

    OURS = "ours"
    NOT_OURS = "not-ours"
    UNKNOWN = "unknown"
    WILL_INVESTIGATE = "will-investigate"


class IntendedAction(StrEnum):
    """What the answering side will do."""

    NONE = "none"
    CONTINUE_AS_NOTIFIED = "continue-as-notified"
    CHANGE_COURSE = "change-course"
    WITHDRAW = "withdraw"
    CEASE_ACTIVITY = "cease-activity"
    INVESTIGATE = "investigate"
    REPORT_LATER = "report-later"


class ClarificationResponse(Notice):
    """The answer to a clarification request; it refers to the request with relation ``reply``."""

    references: list[Reference] = Field(min_length=1, max_length=20, title="References")
    answer: Answer = Field(title="Answer")
    action: IntendedAction = Field(title="Intended action")
    details: Description | None = Field(default=None, title="Details")

    @field_validator("references")
    @classmethod
    def _answers_a_request(cls, references: list[Reference]) -> list[Reference]:
        if not any(ref.relation == Relation.REPLY for ref in references):
            raise PydanticCustomError("response_needs_request", "no reference with relation reply")
        return references


REQUEST = KindSpec(
    name="clarification-request",
    title="Clarification request",
    summary='"Is this yours?": what was observed, where (a position or a track of timed points) and when; '
    "the other side is asked to answer within minutes.",
    model=ClarificationRequest,
    precedence=Precedence.FLASH,
    answer_within=timedelta(minutes=10),
    acknowledge_within=Precedence.FLASH,  # "is this yours?" cannot wait, whatever precedence it was sent at
    cap=CapProfile(category="Security", severity="Severe", certainty="Observed"),
)

RESPONSE = KindSpec(
    name="clarification-response",
    title="Clarification response",
    summary="The answer to a clarification request (ours, not ours, unknown, will investigate), "
    "with details and the intended action.",
    model=ClarificationResponse,
    precedence=Precedence.IMMEDIATE,
    cap=CapProfile(category="Security", severity="Moderate", certainty="Observed"),
)
