"""A hostile peer's invisible and direction-changing characters are never shown raw.

The target is Ankara (TR), running; an intruder holding Damascus's stolen keys (``intruder``)
delivers signed free-text messages carrying every class of such characters: bidi embeddings,
overrides, isolates and marks, zero-width and other format characters, tag characters, line and
paragraph separators, controls. Our own sender would refuse them; a peer's station can sign
anything. Then every view at Ankara must show each of them as its code point (``⟨U+202E⟩``)
and flag the message, while the stored body stays exactly as signed: ``detente inbox`` (text
and ``--json``), ``detente render``, ``detente cap export``, the HTTP API and the console in
Chromium (watch list, detail, print view). An Arabic message without such characters is shown
as written, not flagged.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from detente.protocol.envelope import GENESIS_HASH
from detente.protocol.frames import EnvelopeFrame, ReceiptFrame

from .intruder import Intruder
from .stations import StationProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

HOSTILE = [
    # (class, text as signed, as every view must show it)
    (
        "right-to-left override",
        "Convoy 0400Z \u202eZ0021 ta sessorc\u202c ok",
        "Convoy 0400Z ⟨U+202E⟩Z0021 ta sessorc⟨U+202C⟩ ok",
    ),
    ("embeddings and left-to-right override", "a\u202ab\u202bc\u202dd\u202c", "a⟨U+202A⟩b⟨U+202B⟩c⟨U+202D⟩d⟨U+202C⟩"),
    ("isolates", "a\u2066b\u2067c\u2068d\u2069", "a⟨U+2066⟩b⟨U+2067⟩c⟨U+2068⟩d⟨U+2069⟩"),
    ("marks", "a\u200eb\u200fc\u061cd", "a⟨U+200E⟩b⟨U+200F⟩c⟨U+061C⟩d"),
    ("zero-width characters", "o\u200bk\u200cz\u200dw", "o⟨U+200B⟩k⟨U+200C⟩z⟨U+200D⟩w"),
    (
        "word joiner and invisible operators",
        "x\u2060\u2061\u2062\u2063\u2064y",
        "x⟨U+2060⟩⟨U+2061⟩⟨U+2062⟩⟨U+2063⟩⟨U+2064⟩y",
    ),
    ("byte order mark and soft hyphen", "\ufeffcross\u00adings", "⟨U+FEFF⟩cross⟨U+00AD⟩ings"),
    ("tag characters", "ok\U000e0041\U000e007f", "ok⟨U+E0041⟩⟨U+E007F⟩"),
    ("line and paragraph separators", "one\u2028two\u2029three", "one⟨U+2028⟩two⟨U+2029⟩three"),
    ("control characters", "bell\x07 esc\x1b[2J nel\x85", "bell⟨U+0007⟩ esc⟨U+001B⟩[2J nel⟨U+0085⟩"),
]
ARABIC = "قافلة إنسانية تعبر عند الساعة 12:00Z"
"""A message the peer may well send: right-to-left, nothing invisible in it."""

NOTICE = {
    "tr": "Bu mesaj görünmez veya yön değiştiren karakterler içeriyor",
    "en": "This message contains invisible or direction-changing characters",
}


def invisible_in(text: str) -> list[str]:
    """The characters of ``text`` that a view must never show raw."""
    return [
        f"U+{ord(ch):04X}" for ch in text if ch not in "\n" and unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")
    ]


@pytest.fixture
def hostile(pair: tuple[StationProcess, StationProcess]) -> tuple[StationProcess, dict[str, tuple[str, str]], str]:
    """TR running; SY's stolen keys delivered every HOSTILE text and the Arabic one to it.
    Returns TR, {message id: (as signed, as shown)} and the Arabic message's id."""
    tr, sy = pair
    tr.start()
    intruder = Intruder.impersonating(sy, target=tr)
    sent: dict[str, tuple[str, str]] = {}
    prev = GENESIS_HASH
    envelopes = []
    for seq, (_what, text, expected) in enumerate(HOSTILE, start=1):
        envelope = intruder.envelope(seq=seq, prev=prev, text=text)
        envelopes.append(envelope)
        sent[envelope.id] = (text, expected)
        prev = envelope.hash
    arabic = intruder.envelope(seq=len(HOSTILE) + 1, prev=prev, text=ARABIC)
    envelopes.append(arabic)
    with intruder.connect() as wire:
        wire.send(intruder.hello())
        for envelope in envelopes:
            wire.send(EnvelopeFrame(envelope))
            assert wire.expect(ReceiptFrame).receipt.message_id == envelope.id
    return tr, sent, arabic.id


def test_inbox_render_and_cap_export_show_them_as_code_points_and_flag_the_message(
    hostile: tuple[StationProcess, dict[str, tuple[str, str]], str],
) -> None:
    tr, sent, arabic = hostile

    # --json: the body exactly as signed, and the flag.
    views = {view["id"]: view for view in tr.messages("inbox")}
    for message_id, (text, _shown) in sent.items():
        assert views[message_id]["body"]["text"] == text, "the signed body must stay as received"
        assert views[message_id]["invisible_characters"] is True
    assert views[arabic]["invisible_characters"] is False

    # The listing: each hostile message's block starts with ⚠, shows the code points and ends with
    # the notice in the station's language (Turkish); nothing invisible is printed raw (the only
    # controls on the terminal are the isolates and marks the listing itself adds around text).
    ours = str.maketrans("", "", "\u2066\u2067\u2068\u2069\u200f")
    blocks = [block.splitlines() for block in tr.cli("inbox").stdout.split("\n\n")]
    for message_id, (_text, shown) in sent.items():
        (block,) = [b for b in blocks if any(message_id in line for line in b)]
        assert block[0].startswith("⚠ "), block[0]
        (line,) = [line for line in block if shown in line]
        assert invisible_in(line.replace(shown, "").translate(ours)) == [], line
        assert block[-1].startswith(f"    ⚠ {NOTICE['tr']}") and "⟨U+…⟩" in block[-1], block[-1]
    (arabic_block,) = [b for b in blocks if any(arabic in line for line in b)]
    assert any(ARABIC in line for line in arabic_block), "Arabic text is shown as written"
    assert not any("⚠" in line for line in arabic_block)
    assert sum(1 for b in blocks for line in b if line.startswith("    ⚠")) == len(sent)

    # render: the text as shown, the notice under the first line, in the reader's language.
    spoof = next(iter(sent))
    rendered = tr.cli("render", spoof, "--lang", "en").stdout
    assert sent[spoof][1] in rendered
    assert rendered.splitlines()[1].startswith(f"⚠ {NOTICE['en']}")
    assert invisible_in(rendered.replace("\u2068", "").replace("\u2069", "")) == []
    assert "⚠" not in tr.cli("render", arabic, "--lang", "en").stdout

    # CAP export: the code points in every language's text, and the flag as a parameter.
    cap = tr.cli("cap", "export", spoof).stdout
    assert "⟨U+202E⟩" in cap and "\u202e" not in cap
    assert cap.count("<valueName>detente:invisible-characters</valueName>") == 4


def test_the_console_and_the_api_show_them_as_code_points_and_flag_the_message(
    hostile: tuple[StationProcess, dict[str, tuple[str, str]], str], tmp_path: Path
) -> None:
    from web.browser_stations import (
        ConsoleStation,
        chromium_or_skip,
        launch_browser,
        login,
        screenshots,
        watch_traffic,
    )

    chromium_or_skip()
    shots = screenshots(tmp_path)
    tr, sent, arabic = hostile
    console = ConsoleStation(tr, "tr")
    console.add_operator("nilufer")
    spoof = next(iter(sent))
    for browser in launch_browser():
        context = browser.new_context()
        traffic = watch_traffic(context)
        page = context.new_page()
        login(page, console, "nilufer", "en")

        # The API, with the operator's session.
        listing: dict[str, Any] = page.evaluate("async () => (await fetch('/api/v1/messages')).json()")
        lines = {line["id"]: line for line in listing["messages"]}
        for message_id, (_text, shown) in sent.items():
            assert lines[message_id]["invisible_characters"] is True
            assert lines[message_id]["summary"] == " ".join(shown.split())
            assert invisible_in(lines[message_id]["summary"]) == []
        assert lines[arabic]["invisible_characters"] is False
        assert lines[arabic]["summary"] == ARABIC
        detail: dict[str, Any] = page.evaluate(f"async () => (await fetch('/api/v1/messages/{spoof}')).json()")
        assert detail["body"]["text"] == sent[spoof][0], "the API keeps the signed body as received"
        assert detail["invisible_characters"] is True
        assert sent[spoof][1] in detail["rendered"]["text"]

        # The watch list: the code points in each summary, and the flag beside it.
        page.wait_for_selector(f'tr.message[data-id="{spoof}"]')
        for message_id, (_text, shown) in sent.items():
            cell = page.locator(f'tr.message[data-id="{message_id}"] td.summary')
            text = cell.inner_text()
            assert " ".join(shown.split()) in text, text
            assert invisible_in(text) == [], text
            flag = cell.locator(".badge.invisible")
            assert flag.count() == 1
            assert NOTICE["en"] in (flag.get_attribute("title") or "")
        shots.take(page, "watch-list-flagged")
        # The alarm bar of urgent messages (FLASH) flags them too.
        marks = page.locator(".alarm-bar a.alarm-item .invisible-mark")
        assert marks.count() >= 1
        assert NOTICE["en"] in (marks.first.get_attribute("title") or "")
        arabic_cell = page.locator(f'tr.message[data-id="{arabic}"] td.summary')
        assert ARABIC in arabic_cell.inner_text()
        assert arabic_cell.locator(".badge.invisible").count() == 0

        # The detail view renders the message (it no longer refuses to) with the code points, flagged.
        page.goto(f"{console.url}#/message/{spoof}")
        page.wait_for_selector(".detail-view pre.rendered")
        assert NOTICE["en"] in page.locator(".detail-view p.warning.invisible").inner_text()
        shown_text = page.locator(".detail-view pre.rendered").first.inner_text()
        assert sent[spoof][1] in shown_text
        assert invisible_in(shown_text.replace("\u2068", "").replace("\u2069", "")) == []
        shots.take(page, "detail-flagged")

        # The print view, the same.
        page.goto(f"{console.url}#/print/{spoof}")
        page.wait_for_selector(".print-record pre.rendered")
        assert NOTICE["en"] in page.locator(".print-record p.warning.invisible").inner_text()
        assert sent[spoof][1] in page.locator(".print-record pre.rendered").first.inner_text()

        # In Arabic too: the flag in the reader's language, the code points intact in the RTL page.
        page.goto(f"{console.url}#/watch")
        page.select_option("#language", "ar")
        page.wait_for_selector('html[dir="rtl"]')
        page.wait_for_selector(f'tr.message[data-id="{spoof}"] td.summary .badge.invisible')
        cell = page.locator(f'tr.message[data-id="{spoof}"] td.summary')
        assert "تحتوي هذه الرسالة على محارف غير مرئية" in (
            cell.locator(".badge.invisible").get_attribute("title") or ""
        )
        assert sent[spoof][1] in cell.inner_text()
        shots.take(page, "watch-list-flagged-arabic")
        assert traffic.errors == []
        context.close()


def test_the_notice_is_in_every_console_catalogue() -> None:
    locales = Path(__file__).resolve().parents[2] / "src/detente/web/static/locales"
    for lang in ("en", "tr", "ar", "ru"):
        catalogue = json.loads((locales / f"{lang}.json").read_text(encoding="utf-8"))
        assert "⟨U+…⟩" in catalogue["invisible.flag"] and "⟨U+…⟩" in catalogue["invisible.badge"]
