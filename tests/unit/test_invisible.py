"""Invisible and direction-changing characters made visible (detente.invisible), class by class,
with literal strings: what a person is shown of a peer's text."""

from __future__ import annotations

import json

import pytest

from detente.invisible import escape_json, is_invisible, shown, shown_value
from detente.notifications.bidi import invisible_notice

CLASSES = [
    # (what, text as received, as shown)
    ("left-to-right embedding", "a\u202ab", "a⟨U+202A⟩b"),
    ("right-to-left embedding", "a\u202bb", "a⟨U+202B⟩b"),
    ("pop directional formatting", "a\u202cb", "a⟨U+202C⟩b"),
    ("left-to-right override", "a\u202db", "a⟨U+202D⟩b"),
    ("right-to-left override", "0400Z \u202eZ0021 ta sessorc\u202c ok", "0400Z ⟨U+202E⟩Z0021 ta sessorc⟨U+202C⟩ ok"),
    ("left-to-right isolate", "a\u2066b", "a⟨U+2066⟩b"),
    ("right-to-left isolate", "a\u2067b", "a⟨U+2067⟩b"),
    ("first-strong isolate", "a\u2068b", "a⟨U+2068⟩b"),
    ("pop directional isolate", "a\u2069b", "a⟨U+2069⟩b"),
    ("left-to-right mark", "a\u200eb", "a⟨U+200E⟩b"),
    ("right-to-left mark", "a\u200fb", "a⟨U+200F⟩b"),
    ("Arabic letter mark", "a\u061cb", "a⟨U+061C⟩b"),
    ("zero-width space", "o\u200bk", "o⟨U+200B⟩k"),
    ("zero-width non-joiner", "o\u200ck", "o⟨U+200C⟩k"),
    ("zero-width joiner", "o\u200dk", "o⟨U+200D⟩k"),
    ("word joiner", "o\u2060k", "o⟨U+2060⟩k"),
    ("function application", "o\u2061k", "o⟨U+2061⟩k"),
    ("invisible times", "o\u2062k", "o⟨U+2062⟩k"),
    ("invisible separator", "o\u2063k", "o⟨U+2063⟩k"),
    ("invisible plus", "o\u2064k", "o⟨U+2064⟩k"),
    ("byte order mark", "\ufeffok", "⟨U+FEFF⟩ok"),
    ("soft hyphen", "cross\u00adings", "cross⟨U+00AD⟩ings"),
    ("tag characters", "ok\U000e0041\U000e007f", "ok⟨U+E0041⟩⟨U+E007F⟩"),
    ("line separator", "one\u2028two", "one⟨U+2028⟩two"),
    ("paragraph separator", "one\u2029two", "one⟨U+2029⟩two"),
    ("null", "a\x00b", "a⟨U+0000⟩b"),
    ("carriage return", "a\rb", "a⟨U+000D⟩b"),
    ("escape", "a\x1b[2Jb", "a⟨U+001B⟩[2Jb"),
    ("delete", "a\x7fb", "a⟨U+007F⟩b"),
    ("C1 control (NEL)", "a\x85b", "a⟨U+0085⟩b"),
]


@pytest.mark.parametrize(("what", "text", "expected"), CLASSES, ids=[c[0] for c in CLASSES])
def test_every_class_is_shown_as_its_code_point_and_flagged(what: str, text: str, expected: str) -> None:
    result = shown(text)
    assert result.text == expected, what
    assert result.invisible is True


@pytest.mark.parametrize(
    "text",
    [
        "Sınır ötesi atış yok; 12:00Z'ye kadar",
        "لا يوجد إطلاق نار عبر الحدود حتى الساعة 12:00Z",
        "Огонь через границу не ведётся до 12:00Z",
        "two lines\n\tand a tab",
        "⟨U+202E⟩ written out by hand",
        "",
    ],
)
def test_ordinary_text_in_the_four_languages_is_unchanged_and_not_flagged(text: str) -> None:
    assert shown(text) == shown(text).__class__(text, False)


def test_arabic_text_keeps_its_letters_and_only_the_peers_controls_become_visible() -> None:
    result = shown("\u202eتحذير\u202c")
    assert result.text == "⟨U+202E⟩تحذير⟨U+202C⟩"
    assert result.invisible


def test_one_line_text_shows_line_feeds_and_tabs_too() -> None:
    assert shown("A\nB\tC", multiline=False).text == "A⟨U+000A⟩B⟨U+0009⟩C"
    assert shown("A\nB", multiline=True).text == "A\nB"


def test_every_string_of_a_body_is_shown_member_names_included() -> None:
    body = {"lang": "en", "text": "ok\u202e", "items": [{"name\u200b": "x"}, 3, None, True], "n": 1.5}
    value, flagged = shown_value(body)
    assert flagged
    assert value == {"lang": "en", "text": "ok⟨U+202E⟩", "items": [{"name⟨U+200B⟩": "x"}, 3, None, True], "n": 1.5}
    assert body["text"] == "ok\u202e", "the original is not changed"
    assert shown_value({"text": "clean", "list": ["a", 1]}) == ({"text": "clean", "list": ["a", 1]}, False)


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "invisible"), ("tr", "görünmez"), ("ar", "غير مرئية"), ("ru", "невидимые")]
)
def test_the_flag_is_said_in_each_language(lang: str, word: str) -> None:
    notice = invisible_notice(lang)
    assert word in notice
    assert "⟨U+…⟩" in notice


def test_json_output_escapes_them_and_keeps_the_same_value() -> None:
    body = {"text": "a\u202eb\u2028c\U000e0041\nd", "ar": "تحذير"}
    document = json.dumps(body, ensure_ascii=False)
    escaped = escape_json(document)
    assert json.loads(escaped) == body
    assert "\\u202e" in escaped and "\\u2028" in escaped and "\\udb40\\udc41" in escaped
    assert "تحذير" in escaped
    assert escaped.splitlines() == [escaped]
    assert [ch for ch in escaped if is_invisible(ch, multiline=False)] == []
