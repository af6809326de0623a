"""Looking kinds up in the catalogue."""

from __future__ import annotations

from .errors import UsageError
from .kinds import CATALOGUE
from .spec import KindSpec

__all__ = ["kind_names", "kinds", "spec"]

_BY_NAME: dict[str, KindSpec] = {item.name: item for item in CATALOGUE}


def kinds() -> tuple[KindSpec, ...]:
    """Every kind in the catalogue, in documentation order."""
    return CATALOGUE


def kind_names() -> tuple[str, ...]:
    """The envelope ``kind`` of every catalogue entry."""
    return tuple(item.name for item in CATALOGUE)


def spec(kind: str) -> KindSpec:
    """The catalogue entry of ``kind``; UsageError if there is none."""
    try:
        return _BY_NAME[kind]
    except KeyError:
        raise UsageError(f"kind {kind!r} is not in the catalogue ({', '.join(_BY_NAME)})") from None
