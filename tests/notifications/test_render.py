"""Rendering: four languages, the original beside it, local times, Arabic right to left."""

from __future__ import annotations

import pytest

from detente.notifications import (
    CertifiedTranslation,
    InvalidBodyError,
    MachineTranslation,
    UsageError,
    render,
    render_text,
)
from detente.notifications.bidi import LRI, PDI, RLI, RLM
from detente.notifications.formatting import format_mgrs
from detente.notifications.languages import Lang

from .conftest import load_example, valid

MESSAGE_ID = "01a21753-12d0-7c2e-9a41-5d8e2f0b7c31"


def flight() -> dict[str, object]:
    return dict(valid("flight-notice", load_example("flight-notice")).body)


def test_arabic_is_right_to_left_with_isolated_ltr_tokens() -> None:
    rendering = render("flight-notice", flight(), lang="ar", tz="Asia/Damascus")
    assert (rendering.lang, rendering.direction) == ("ar", "rtl")
    by_path = {item.path: item for item in rendering.fields}
    assert f"{LRI}ASENA11{PDI}" in by_path["callsigns"].value
    mgrs = format_mgrs(37.05, 36.80)
    assert f"{LRI}{mgrs}{PDI}" in by_path["area"].value
    assert by_path["mission"].value == "دورية"
    assert by_path["mission"].direction == "rtl"
    text = rendering.text()
    assert all(line.startswith(RLM) for line in text.splitlines())


@pytest.mark.parametrize(
    ("lang", "direction", "mission", "label"),
    [
        ("tr", "ltr", "devriye", "Görev"),
        ("ar", "rtl", "دورية", "المهمة"),
        ("en", "ltr", "patrol", "Mission"),
        ("ru", "ltr", "патрулирование", "Задача"),
    ],
)
def test_labels_and_values_in_each_language(lang: Lang, direction: str, mission: str, label: str) -> None:
    rendering = render("flight-notice", flight(), lang=lang)
    assert rendering.direction == direction
    first = rendering.fields[0]
    assert (first.label, first.value) == (label, mission)


def test_the_original_is_next_to_the_readers_rendering() -> None:
    rendering = render("flight-notice", flight(), lang="ar")
    assert rendering.sender_lang == "tr"
    assert rendering.original is not None and rendering.original.lang == "tr"
    assert rendering.original.original is None
    assert render("flight-notice", flight(), lang="tr").original is None
    text = render_text("flight-notice", flight(), lang="en")
    assert "As sent, in Turkish:" in text and "UÇUŞ BİLDİRİMİ" in text


def test_free_text_keeps_the_original() -> None:
    body = {"text": "نؤكد موعد الاجتماع غدًا الساعة العاشرة.", "lang": "ar"}
    rendering = render("free-text", body, lang="ru")
    (field,) = rendering.fields
    assert field.original and field.lang == "ar" and field.direction == "rtl"
    assert field.value == f"{RLI}{body['text']}{PDI}", "right to left, whatever its first letter"
    assert field.machine_translation is None
    mixed = {"text": "Kilis: طائرة مسيّرة فوق المدينة", "lang": "ar"}
    assert render("free-text", mixed, lang="en").fields[0].value == f"{RLI}{mixed['text']}{PDI}"
    turkish = {"text": "Kilis'in doğusunda İHA", "lang": "tr"}
    assert render("free-text", turkish, lang="ar").fields[0].value == f"{LRI}{turkish['text']}{PDI}"
    assert "(оригинал; язык: арабский)" in rendering.text()


def test_times_in_utc_and_the_readers_zone() -> None:
    body = valid("incident-report", load_example("incident-report")).body
    text = render_text("incident-report", body, lang="en", tz="Asia/Damascus")
    assert "Thursday, 26 November 2026, 03:42 UTC (06:42 local time, Asia/Damascus, UTC+03:00)" in text
    tr = render("incident-report", body, lang="tr", tz="Europe/Istanbul")
    assert "saat 03:42 UTC (yerel saat 06:42, Europe/Istanbul, UTC+03:00)" in tr.fields[1].value
    ru = render("incident-report", body, lang="ru")
    assert ru.fields[1].value.replace("\u202f", " ").replace("\xa0", " ") == "четверг, 26 ноября 2026 г., 03:42 UTC"
    with pytest.raises(UsageError, match="Mars/Olympus"):
        render("incident-report", body, lang="en", tz="Mars/Olympus")


def test_numbers_and_coordinates_follow_the_reader() -> None:
    body = valid("incident-report", load_example("incident-report")).body
    tr = {item.path: item.value for item in render("incident-report", body, lang="tr").fields}
    assert "yarıçapı 0,3 km olan daire" in tr["location"]
    assert "36.71200° K, 38.94700° D" in tr["location"]
    ru = {item.path: item.value for item in render("incident-report", body, lang="ru").fields}
    assert "36.71200° с. ш., 38.94700° в. д. (MGRS 37S DA 95266 62925)" in ru["location"]


def test_windows_durations_and_altitudes() -> None:
    en = {item.path: item.value for item in render("flight-notice", flight(), lang="en", tz="Europe/Istanbul").fields}
    assert en["window"] == (
        "Thursday, 26 November 2026, 09:00–11:30 UTC (12:00–14:30 local time, Europe/Istanbul, UTC+03:00) (2 h 30 min)"
    )
    assert en["altitude"] == "flight level 150 (FL150) to flight level 250 (FL250)"
    ru = {item.path: item.value for item in render("flight-notice", flight(), lang="ru").fields}
    assert ru["altitude"] == "эшелон полёта 150 (FL150) — эшелон полёта 250 (FL250)"


def test_machine_translation_is_always_marked() -> None:
    class Fake:
        name = "Fake MT"

        def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
            return MachineTranslation(text=f"[{target}] {text}", source=source, target=target, engine=self.name)

    body = valid("free-text", load_example("free-text")).body
    rendering = render("free-text", body, lang="en", translator=Fake())
    (field,) = rendering.fields
    assert field.machine_translation is not None and field.machine_translation.machine is True
    assert "[machine translation (Fake MT), not verified]" in rendering.text()
    assert field.value == body["text"], "the original stays the value"


def test_certified_translation_is_shown_instead_of_machine_translation() -> None:
    from datetime import UTC, datetime

    body = valid("free-text", load_example("free-text")).body
    certified = CertifiedTranslation(
        message_id=MESSAGE_ID,
        field="text",
        lang="ar",
        text="نؤكد موعد اجتماع مراجعة الخط غدًا الساعة 10:00 بالتوقيت المحلي.",
        translator="م. أحمد الخطيب",
        certified_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    )
    rendering = render("free-text", body, lang="ar", certified=[certified])
    assert rendering.fields[0].certified == (certified,)
    assert "ترجمة معتمدة من" in rendering.text()


def test_invalid_bodies_are_the_senders_fault() -> None:
    with pytest.raises(InvalidBodyError, match="text") as caught:
        render("free-text", {"lang": "tr"}, lang="en")
    assert caught.value.kind == "free-text"
    with pytest.raises(UsageError):
        render("no-such-kind", {}, lang="en")
