"""free-text: a message in the sender's own words and language (what the CLI sends today)."""

from __future__ import annotations

from pydantic import Field

from ...protocol.envelope import Precedence
from ..common import Notice, Text
from ..spec import CapProfile, KindSpec

__all__ = ["SPEC", "FreeText"]


class FreeText(Notice):
    """Free text in the sender's language: ``{"text": ..., "lang": ...}``."""

    text: Text = Field(title="Text")


SPEC = KindSpec(
    name="free-text",
    title="Free text",
    summary="A message in the sender's own words, shown to the reader in the original language; "
    'body ``{"text": ..., "lang": ...}`` as the CLI sends it.',
    model=FreeText,
    precedence=Precedence.ROUTINE,
    cap=CapProfile(category="Other", severity="Unknown", certainty="Unknown"),
)
