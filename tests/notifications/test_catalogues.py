"""No untranslated word ships: every catalogue holds every message, non-empty and not fuzzy."""

from __future__ import annotations

import re

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from detente.listing import summary_line
from detente.notifications import LANGUAGES, render
from detente.notifications.i18n import LOCALE_DIR, MissingMessage, plural_index, po_path, translator
from detente.notifications.messages import enums, required_messages, template

from .conftest import KINDS, load_example, valid

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _read(lang: str):  # type: ignore[no-untyped-def]
    with po_path(lang).open("rb") as handle:  # type: ignore[arg-type]
        return read_po(handle, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(lang: str) -> None:
    catalog = _read(lang)
    entries = [message for message in catalog if message.id]
    assert entries
    for message in entries:
        assert not message.fuzzy, f"{lang}: {message.id!r} is fuzzy"
        if isinstance(message.id, tuple):  # plural forms: as many as the language's rule has, each filled
            forms = message.string
            assert isinstance(forms, tuple) and len(forms) == catalog.num_plurals, f"{lang}: {message.id!r}"
            assert all(form.strip() for form in forms), f"{lang}: {message.id!r} has an empty form"
            named = set(PLACEHOLDER.findall(message.id[0])) | set(PLACEHOLDER.findall(message.id[1]))
            assert all(set(PLACEHOLDER.findall(form)) <= named for form in forms), f"{lang}: {message.id!r}"
            continue
        assert isinstance(message.string, str) and message.string.strip(), f"{lang}: {message.id!r} is empty"
        if message.context is None:
            assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(str(message.id))), (
                f"{lang}: {message.id!r} and its translation name different placeholders"
            )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_holds_exactly_the_required_messages(lang: str) -> None:
    catalog = _read(lang)
    have = {(message.context, message.id) for message in catalog if message.id}
    need = set(required_messages())
    assert not need - have, f"{lang} lacks {sorted(need - have, key=str)}"
    assert not have - need, f"{lang} has obsolete {sorted(have - need, key=str)}"
    assert not catalog.obsolete


def test_template_is_current() -> None:
    with (LOCALE_DIR / "detente.pot").open("rb") as handle:
        pot = read_po(handle)
    assert [(m.context, m.id) for m in pot if m.id] == [(m.context, m.id) for m in template() if m.id]


def test_every_enum_value_is_in_every_catalogue() -> None:
    for lang in LANGUAGES:
        t = translator(lang, strict=True)
        for enum in enums():
            for member in enum:
                assert t.pgettext(enum.__name__, member.value)


def test_translations_differ_from_english_where_they_should() -> None:
    """A catalogue that merely copied the English would pass the checks above."""
    english = translator("en", strict=True)
    for lang in ("tr", "ar", "ru"):
        t = translator(lang, strict=True)
        same = [
            msgid
            for ctx, msgid in required_messages()
            if ctx is None and isinstance(msgid, str) and t.gettext(msgid) == english.gettext(msgid)
        ]
        assert all(not re.search(r"[a-z]{3,}", PLACEHOLDER.sub("", msgid)) for msgid in same), (lang, same)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_example_renders_strictly(kind: str, lang: str) -> None:
    """Strict rendering raises MissingMessage for any label, value or unit not in the catalogue."""
    body = valid(kind, load_example(kind)).body
    rendering = render(kind, body, lang=lang, tz="Asia/Damascus", strict=True)  # type: ignore[arg-type]
    assert rendering.fields and rendering.title


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ar",
            {
                0: "لا تنتظر أي رسالة (0)",
                1: "تنتظر رسالة واحدة",
                2: "تنتظر رسالتان",
                3: "تنتظر 3 رسائل",
                11: "تنتظر 11 رسالة",
                100: "تنتظر 100 رسالة",
            },
        ),
        ("ru", {1: "1 сообщение ждёт", 3: "3 сообщения ждут", 11: "11 сообщений ждут", 21: "21 сообщение ждёт"}),
        ("en", {1: "1 message waits", 3: "3 messages wait"}),
        ("tr", {1: "1 mesaj bekliyor", 3: "3 mesaj bekliyor"}),
    ],
)
def test_counts_take_the_languages_plural_forms(lang: str, expected: dict[int, str]) -> None:
    t = translator(lang, strict=True)
    for n, text in expected.items():
        assert t.ngettext("{count} message waits", "{count} messages wait", n).format(count=n) == text, (lang, n)


def test_strict_translator_refuses_an_unknown_message() -> None:
    with pytest.raises(MissingMessage):
        translator("tr", strict=True).gettext("No such message")
    assert translator("tr").gettext("No such message") == "No such message"


CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_header_follows_cldr(lang: str) -> None:
    """The Plural-Forms expression of each catalogue picks, for every count, the form of the count's
    CLDR category (the forms in CLDR's order of the language's categories)."""
    rule = Locale.parse(lang).plural_form
    categories = [c for c in CLDR_ORDER if c in rule.tags | {"other"}]
    assert _read(lang).num_plurals == len(categories) or (lang == "ru" and len(categories) == 4)
    for count in range(0, 1002):
        category = rule(count)
        assert plural_index(lang, count) == categories.index(category), (lang, count, category)


def test_arabic_counts_messages_with_its_six_forms() -> None:
    t = translator("ar", strict=True)
    said = {n: t.nformat("{count} message", "{count} messages", n) for n in (0, 1, 2, 3, 11, 100)}
    assert said == {
        0: "لا رسائل",
        1: "رسالة واحدة",
        2: "رسالتان",
        3: "3 رسائل",
        11: "11 رسالة",
        100: "100 رسالة",
    }
    assert summary_line(3, "ar") == "\u200f\u20663\u2069 رسائل" and "رسالة" not in summary_line(3, "ar")
    assert summary_line(5, "ru") == "5 сообщений" and summary_line(22, "ru") == "22 сообщения"
    assert summary_line(1, "en") == "1 message" and summary_line(2, "en") == "2 messages"
    with pytest.raises(MissingMessage):
        t.ngettext("{count} thing", "{count} things", 3)
