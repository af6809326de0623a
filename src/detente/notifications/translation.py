"""Translating free text: machine translation (always marked) and certified translations.

Structured notifications never need machine translation: their words come from the catalogues.
Free text (a ``free-text`` message, a description, remarks) is always shown in the sender's
original. A machine translation may be shown next to it, marked as such, when a backend is
installed; none is by default. ``ArgosTranslation`` uses Argos Translate when it and its language
packages are installed (offline, on the station). A translator's certified translation is a
separate record (``CertifiedTranslation``) that the station stores next to the message.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import Field, ValidationError

from ..protocol.ids import is_uuid7
from .common import Model, Name, Text, UtcTime, format_utc
from .errors import UsageError
from .formatting import Formatter
from .languages import Lang, check_lang
from .problems import Problems, problems_from_errors

__all__ = [
    "ArgosTranslation",
    "CertifiedTranslation",
    "MachineTranslation",
    "NoTranslation",
    "TranslationBackend",
    "parse_certified_translation",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineTranslation:
    """Text translated by a machine. Always shown marked as machine translation."""

    text: str
    source: Lang
    target: Lang
    engine: str
    machine: Literal[True] = True


@runtime_checkable
class TranslationBackend(Protocol):
    """Something that can machine-translate free text between two of the line's languages."""

    @property
    def name(self) -> str: ...

    def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
        """The translation, or None when this pair of languages is not available."""
        ...


class NoTranslation:
    """The default: no machine translation at all."""

    @property
    def name(self) -> str:
        return "none"

    def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
        return None


class ArgosTranslation:
    """Argos Translate, when the package and the language pair's model package are installed.

    Nothing is downloaded: install language packages with Argos's own tools beforehand. Pairs
    without a package give None (and the reader sees only the original).
    """

    def __init__(self, module: Any | None = None) -> None:
        if module is None:
            try:
                module = importlib.import_module("argostranslate.translate")
            except ImportError:
                module = None
        self._module = module

    @property
    def name(self) -> str:
        return "Argos Translate"

    @property
    def installed(self) -> bool:
        return self._module is not None

    def pairs(self, languages: Sequence[Lang]) -> list[tuple[Lang, Lang]]:
        """The (source, target) pairs among ``languages`` that the installed language packages
        translate: empty when Argos or its packages are not installed, or cannot be read."""
        if self._module is None:
            return []
        try:
            installed = {lang.code: lang for lang in self._module.get_installed_languages()}
            return [
                (source, target)
                for source in languages
                for target in languages
                if source != target
                and source in installed
                and target in installed
                and installed[source].get_translation(installed[target]) is not None
            ]
        except Exception as exc:  # a broken installation: say so, and translate nothing
            _log.warning("machine translation: Argos language packages cannot be read: %s", exc)
            return []

    def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
        if self._module is None or source == target:
            return None
        try:
            languages = {lang.code: lang for lang in self._module.get_installed_languages()}
            if source not in languages or target not in languages:
                return None
            translation = languages[source].get_translation(languages[target])
            if translation is None:
                return None
            result = translation.translate(text)
        except Exception as exc:  # a broken model must not stop a message from being shown
            _log.warning("machine translation %s→%s failed: %s", source, target, exc)
            return None
        if not isinstance(result, str) or not result.strip():
            return None
        return MachineTranslation(text=result, source=source, target=target, engine=self.name)


class _CertifiedModel(Model):
    message_id: str = Field(
        title="Message", pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    )
    field: str = Field(default="text", title="Field", pattern=r"^[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*$")
    lang: Literal["tr", "ar", "en", "ru"] = Field(title="Language")
    text: Text = Field(title="Text")
    translator: Name = Field(title="Translator")
    certified_at: UtcTime = Field(title="Certified at")


@dataclass(frozen=True)
class CertifiedTranslation:
    """A translator's certified translation of one free-text field of one message."""

    message_id: str
    """The message whose text is translated (a UUIDv7)."""
    field: str
    """The body field translated: ``text`` for free-text, ``description``, ``remarks``…"""
    lang: Lang
    """The language of the translation."""
    text: str
    translator: str
    """The translator's name as they sign."""
    certified_at: datetime

    def __post_init__(self) -> None:
        check_lang(self.lang)
        if not is_uuid7(self.message_id):
            raise UsageError(f"certified translation: {self.message_id!r} is not a message id")

    def to_json(self) -> dict[str, str]:
        return {
            "message_id": self.message_id,
            "field": self.field,
            "lang": self.lang,
            "text": self.text,
            "translator": self.translator,
            "certified_at": format_utc(self.certified_at),
        }


def parse_certified_translation(data: object, *, lang: Lang = "en") -> CertifiedTranslation | Problems:
    """Validate a certified translation given as JSON data; problems in the operator's ``lang``."""
    fmt = Formatter(check_lang(lang))
    try:
        model = _CertifiedModel.model_validate_json(json.dumps(data), strict=True) if isinstance(data, dict) else None
    except (TypeError, ValueError) as exc:
        if not isinstance(exc, ValidationError):
            raise UsageError(f"certified translation data is not JSON data: {exc}") from None
        return problems_from_errors("certified-translation", _CertifiedModel, exc.errors(), fmt)
    if model is None:
        return problems_from_errors(
            "certified-translation",
            _CertifiedModel,
            [{"type": "not_an_object", "loc": (), "msg": "", "input": data}],
            fmt,
        )
    return CertifiedTranslation(
        message_id=model.message_id,
        field=model.field,
        lang=model.lang,
        text=model.text,
        translator=model.translator,
        certified_at=model.certified_at,
    )
