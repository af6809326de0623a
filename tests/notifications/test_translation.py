"""Machine translation is optional and marked; certified translations are validated records."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from detente.notifications import (
    ArgosTranslation,
    CertifiedTranslation,
    NoTranslation,
    Problems,
    parse_certified_translation,
)
from detente.notifications.translation import TranslationBackend

MESSAGE_ID = "01a21753-12d0-7c2e-9a41-5d8e2f0b7c31"


def test_no_translation_by_default() -> None:
    backend = NoTranslation()
    assert isinstance(backend, TranslationBackend)
    assert backend.translate("Merhaba", "tr", "ar") is None


def _fake_argos(result: Any) -> SimpleNamespace:
    class Translation:
        def translate(self, text: str) -> Any:
            if isinstance(result, Exception):
                raise result
            return result

    class Language:
        def __init__(self, code: str) -> None:
            self.code = code

        def get_translation(self, other: Any) -> Translation | None:
            return Translation() if {self.code, other.code} == {"tr", "en"} else None

    return SimpleNamespace(get_installed_languages=lambda: [Language("tr"), Language("en"), Language("ar")])


def test_argos_backend_when_installed() -> None:
    backend = ArgosTranslation(_fake_argos("Hello"))
    result = backend.translate("Merhaba", "tr", "en")
    assert result is not None and (result.text, result.machine, result.engine) == ("Hello", True, "Argos Translate")
    assert backend.translate("Merhaba", "tr", "ar") is None, "no package for this pair"
    assert backend.translate("Merhaba", "tr", "ru") is None, "language not installed"


def test_argos_backend_failures_show_only_the_original(caplog: Any) -> None:
    assert ArgosTranslation(_fake_argos(RuntimeError("model broken"))).translate("x", "tr", "en") is None
    assert "machine translation tr→en failed" in caplog.text


def test_argos_backend_absent() -> None:
    backend = ArgosTranslation()
    if not backend.installed:
        assert backend.translate("Merhaba", "tr", "en") is None


def test_certified_translation_is_validated() -> None:
    data = {
        "message_id": MESSAGE_ID,
        "field": "text",
        "lang": "en",
        "text": "We confirm tomorrow's line review meeting at 10:00 local time.",
        "translator": "Ayşe Demir, sworn translator",
        "certified_at": "2026-11-26T09:30:00+03:00",
    }
    parsed = parse_certified_translation(data)
    assert isinstance(parsed, CertifiedTranslation)
    assert parsed.to_json()["certified_at"] == "2026-11-26T06:30:00Z"
    bad = parse_certified_translation({**data, "lang": "fr", "translator": ""}, lang="tr")
    assert isinstance(bad, Problems)
    assert bad.codes() == {"lang": "literal_error", "translator": "string_too_short"}
    assert isinstance(parse_certified_translation("nope"), Problems)
