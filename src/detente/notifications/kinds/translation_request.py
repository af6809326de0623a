"""translation-request: "please send a certified translation of this message into our language".

A reader who cannot read a message's free text asks the sending station, in one click, for a
translation by a person. The request is a message like any other: signed, receipted, acknowledged
by a person by its precedence's deadline and escalated when it is not; the translation comes back
as a reply to it (free text in the language asked for, with a reference ``reply`` to the request),
which acknowledges the request. The message it names is not acknowledged by asking: its readers
acknowledge it once they have understood it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ...protocol.envelope import Precedence
from ..common import Description, MessageId, Notice
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "TranslationLanguage", "TranslationRequest"]


class TranslationLanguage(StrEnum):
    """The language a translation is asked for in."""

    TR = "tr"
    AR = "ar"
    EN = "en"
    RU = "ru"


class TranslationRequest(Notice):
    """A request for a person's translation of a message's free text."""

    message: MessageId = Field(title="Message to translate")
    into: TranslationLanguage = Field(title="Translation into")
    note: Description | None = Field(default=None, title="Note")


SPEC = KindSpec(
    name="translation-request",
    title="Translation request",
    summary="A request to the sending station for a certified translation of a message's free text into the "
    "reader's language; answered by a reply carrying the translation.",
    model=TranslationRequest,
    precedence=Precedence.PRIORITY,
    cap=CapProfile(category="Other", severity="Unknown", certainty="Unknown"),
)
