"""The link's sentences are said in the reader's language, their parts too (close reasons, the
protocol's details); what no template knows is shown as it is, isolated."""

from __future__ import annotations

import re

import pytest

from detente.link_text import TEMPLATES, say, say_in
from detente.notifications.i18n import translator

FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"


@pytest.mark.parametrize("lang", ["tr", "ar", "ru"])
def test_every_sentence_is_translated_with_its_parts(lang: str) -> None:
    t = translator(lang, strict=True)
    for name, template in TEMPLATES.items():
        parts = {key: "7" for key in re.findall(r"\{(\w+)\}", template)}
        said = say_in(say(name, **parts), lang)  # type: ignore[arg-type]
        # In Arabic a number is isolated left to right; a nested detail no template knows, by its own direction.
        shown = {k: (f"{FSI if k in ('detail', 'why') else LRI}7{PDI}" if lang == "ar" else "7") for k in parts}
        assert said == t.gettext(template).format(**shown)


def test_nested_details_and_codes_are_said_in_the_language() -> None:
    stored = say("path.closed", reason="link-timeout", detail="no frame from the peer for 6.0 s")
    assert stored == "closed: link-timeout: no frame from the peer for 6.0 s"
    assert say_in(stored, "ru") == "закрыто: тайм-аут связи: от другой стороны нет кадров уже 6.0 с"
    assert say_in(stored, "en") == stored
    moved = say("link.moved", path="relay:un", conn=4, previous="direct", why="no frame on direct for 2.5 s")
    assert say_in(moved, "tr") == (
        "relay:un üzerinden açık (bağlantı 4; direct yolundan geçildi: direct üzerinde 2.5 sn boyunca çerçeve yok)"
    )


def test_an_unknown_detail_is_kept_and_isolated_in_arabic() -> None:
    stored = say("link.down", reason="transport-closed", detail="[Errno 111] Connection refused")
    assert say_in(stored, "ar") == f"مقطوع: أُغلق النقل: {FSI}[Errno 111] Connection refused{PDI}"
    assert say_in("something else entirely", "tr") == "something else entirely"


def test_escalation_details_are_said_in_the_readers_language() -> None:
    from detente.watch.sentences import duration_text
    from detente.watch.sentences import say as said
    from detente.watch.sentences import say_in as escalation_in

    stored = said("half-time", what="FLASH free-text 019a", party="SY", deadline=duration_text(600))
    assert stored == "FLASH free-text 019a from SY is not yet acknowledged; half of its 10 min deadline is gone"
    assert (
        escalation_in(stored, "tr")
        == "SY tarafından gelen FLASH free-text 019a henüz onaylanmadı; 10 dk süresinin yarısı geçti"
    )
    late = said("late", what="FLASH free-text 019a", who="this station", name="Lt. Haddad", late=duration_text(45))
    assert escalation_in(late, "ru") == (
        "FLASH free-text 019a подтверждено с опозданием: эта станция (Lt. Haddad), через 45 с после срока"
    )
    assert f"{LRI}45{PDI} ث" in escalation_in(late, "ar")
