"""The catalogue's kinds, in the order they are documented. To add a kind, add its spec here."""

from __future__ import annotations

from ..spec import KindSpec
from . import air_defence, clarification, fire, flight, free_text, humanitarian, incident, translation_request

__all__ = ["CATALOGUE"]

CATALOGUE: tuple[KindSpec, ...] = (
    flight.SPEC,
    air_defence.SPEC,
    fire.SPEC,
    incident.SPEC,
    clarification.REQUEST,
    clarification.RESPONSE,
    humanitarian.SPEC,
    free_text.SPEC,
    translation_request.SPEC,
)
