"""Structured notifications: the catalogue, validation, rendering in four languages, geography and CAP.

The API, all pure functions of their arguments (no clock, no network, no files but the package's
own data)::

    kinds() -> tuple[KindSpec, ...]
    validate(kind, data, *, lang) -> ValidNotice | Problems
    render(kind, body, *, lang, tz=None, original_lang=None, translator=None, certified=()) -> Rendering
    render_text(kind, body, *, lang, tz=None, ...) -> str
    lateness(kind, body, sent_at) -> Lateness | None
    answer_deadline(kind, body, sent_at) -> datetime | None
    border_advice(kind, body, *, own, other, within_km=10.0, lang) -> tuple[BorderAdvice, ...]
    whereabouts(kind, body, *, own, other, lang) -> tuple[Whereabouts, ...]
    to_cap(kind, body, *, identifier, sender, sent, recipient=None, ...) -> bytes
    from_cap(xml) -> ImportedAlert
    json_schema(kind) -> dict
    parse_certified_translation(data, *, lang) -> CertifiedTranslation | Problems

Errors and whose fault they are: see ``errors``.
"""

from __future__ import annotations

from .borders import DEFAULT_WITHIN_KM, BorderAdvice, border_advice
from .cap_export import ReferencedMessage, to_cap
from .cap_import import ImportedAlert, from_cap
from .catalogue import kind_names, kinds, spec
from .errors import CapImportError, InvalidBodyError, NotificationError, PackageDataError, UsageError
from .languages import LANGUAGES, Lang
from .lateness import Lateness, answer_deadline, lateness
from .problems import Problem, Problems
from .render import RenderedField, Rendering, render, render_text
from .schemas import json_schema, write_schemas
from .spec import KindSpec
from .translation import (
    ArgosTranslation,
    CertifiedTranslation,
    MachineTranslation,
    NoTranslation,
    TranslationBackend,
    parse_certified_translation,
)
from .validation import ValidNotice, validate
from .whereabouts import Whereabouts, whereabouts

__all__ = [
    "DEFAULT_WITHIN_KM",
    "LANGUAGES",
    "ArgosTranslation",
    "BorderAdvice",
    "CapImportError",
    "CertifiedTranslation",
    "ImportedAlert",
    "InvalidBodyError",
    "KindSpec",
    "Lang",
    "Lateness",
    "MachineTranslation",
    "NoTranslation",
    "NotificationError",
    "PackageDataError",
    "Problem",
    "Problems",
    "ReferencedMessage",
    "RenderedField",
    "Rendering",
    "TranslationBackend",
    "UsageError",
    "ValidNotice",
    "Whereabouts",
    "answer_deadline",
    "border_advice",
    "from_cap",
    "json_schema",
    "kind_names",
    "kinds",
    "lateness",
    "parse_certified_translation",
    "render",
    "render_text",
    "spec",
    "to_cap",
    "validate",
    "whereabouts",
    "write_schemas",
]
