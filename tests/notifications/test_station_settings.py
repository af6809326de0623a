"""A station's ``[notifications]`` settings at work: the border-advice distance on compose, the
operations centre's time zone and machine translation in the console and ``detente render``, and
certified translations in ``detente render``.

Real stations (``detente init``'s code) with real stores. The only stand-ins are translation
engines, at the unit level: one given to the presenter, and a fake ``argostranslate`` module for
the Argos backend (Argos is not installed here; a user never meets either). Through the command
line, machine translation is tested as it really is here: configured, and reported unavailable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from detente.cli import main
from detente.compose import compose, preview
from detente.home import Home, create_station
from detente.ledger.records import seal_record
from detente.notifications import ArgosTranslation, Lang, MachineTranslation
from detente.outbox import queue_message
from detente.peers import pin_peer
from detente.protocol.envelope import Precedence, seal_receipt
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time, parse_time
from detente.reading import MachineTranslator, machine_translator, reader_zone_name
from detente.store import MessageRecord, Store, TranslationRecord
from detente.web.presenter import message_detail, message_line

from .conftest import load_example

NOW = parse_time("2026-11-26T06:00:00.000Z")
"""Before the examples' activity (the flight notice flies at 09:00 UTC, 3 h later)."""
KILIS = (37.1212, 36.7184)
"""Kilis town centre, Turkish side, about 8 km from the Syria–Türkiye border."""
ARABIC = "نرجو تأكيد اجتماع مراجعة الخط غداً الساعة العاشرة."


class Line:
    """Ankara (TR, Turkish) and Damascus (SY, Arabic), each pinned to the other."""

    def __init__(self, root: Path) -> None:
        self.tr = create_station(
            root / "tr", name="Ankara Operations Centre", party="TR", listen="127.0.0.1:1", language="tr"
        )
        self.sy = create_station(
            root / "sy", name="Damascus Operations Centre", party="SY", listen="127.0.0.1:2", language="ar"
        )
        for home, other in ((self.tr, self.sy), (self.sy, self.tr)):
            store = home.open_store()
            try:
                pin_peer(home, store, other.card(), source="card", now=NOW - 86400)
            finally:
                store.close()
        self.stores: list[Store] = []

    def store(self, home: Home) -> Store:
        store = home.open_store()
        self.stores.append(store)
        return store

    def close(self) -> None:
        for store in self.stores:
            store.close()


def configure(home: Home, **settings: str) -> Home:
    """Change ``[notifications]`` settings in the station's station.toml (as an administrator
    would), and read the station again."""
    text = home.config_path.read_text(encoding="utf-8")
    for key, value in settings.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert count == 1, key
    home.config_path.write_text(text, encoding="utf-8")
    return Home(home.path)


@pytest.fixture
def line(tmp_path: Path) -> Iterator[Line]:
    made = Line(tmp_path)
    yield made
    made.close()


def incident_at(lon: float, lat: float) -> dict[str, Any]:
    body = load_example("incident-report")
    body["location"] = {"type": "Point", "coordinates": [lon, lat]}
    return body


def received_at_ankara(line: Line, kind: str, body: dict[str, Any]) -> MessageRecord:
    """A message from Damascus, stored at Ankara with its receipt (what the link does)."""
    sy_store, tr_store = line.store(line.sy), line.store(line.tr)
    envelope = queue_message(
        line.sy, sy_store, peer=line.tr.config.station_id, kind=kind, precedence=Precedence.PRIORITY, body=body, now=NOW
    )
    at = format_time(NOW + 2)
    receipt = seal_receipt(line.tr.signer, envelope, at)
    tr_store.store_incoming([(envelope, receipt)], at)
    sy_store.store_receipts([receipt], at)
    record = tr_store.message(envelope.id)
    assert record is not None
    return record


def certify(home: Home, store: Store, record: MessageRecord, lang: Lang, text: str, translator: str) -> None:
    """A translator's certified translation, stored as the console stores it."""
    at = format_time(NOW + 60)
    sealed = seal_record(
        home.signer,
        id=uuid7(int((NOW + 60) * 1000), os.urandom(10)),
        station=home.config.station_id,
        peer=record.peer,
        event="translation.certified",
        at=at,
        detail=f"certified {lang} translation of {record.id} by {translator}",
        evidence={"message": record.id, "lang": lang, "text": text, "translator": translator},
    )
    store.add_translation(
        TranslationRecord(record.id, lang, text, translator, at), record.peer, (sealed.id, sealed.canonical)
    )


# --- border advice: notifications.border_advice_km -------------------------------------------------


def test_border_advice_uses_the_stations_distance(line: Line) -> None:
    body = incident_at(*KILIS)
    store = line.store(line.tr)
    default = compose(line.tr, store, to_party="SY", kind="incident-report", data=body, precedence=None, now=NOW)
    (near,) = default.advice
    assert (near.code, near.country) == ("near", "SY") and 5 < near.km < 10
    assert "Suriye–Türkiye" in near.message, "in the operator's language"

    strict = configure(line.tr, border_advice_km="5.0")
    assert strict.config.notifications.border_advice_km == 5.0
    quiet = compose(strict, store, to_party="SY", kind="incident-report", data=body, precedence=None, now=NOW)
    assert quiet.advice == (), "farther than 5 km: no advice"
    assert store.message(quiet.envelope.id) is not None, "advice is never a refusal"
    checked = preview(strict, store, to_party="SY", kind="incident-report", data=body, now=NOW)
    assert checked.problems is None and checked.advice == ()

    wide = configure(line.tr, border_advice_km="40")
    far = incident_at(37.05, 36.95)  # north of Kilis, some 30 km from the border
    (advice,) = preview(wide, store, to_party="SY", kind="incident-report", data=far, now=NOW).advice
    assert advice.code == "near" and 20 < advice.km < 40
    assert preview(line.tr, store, to_party="SY", kind="incident-report", data=far, now=NOW).advice == ()


# --- the operations centre's time zone: notifications.time_zone ------------------------------------


def test_the_console_shows_times_in_utc_and_the_stations_zone(line: Line) -> None:
    record = received_at_ankara(line, "flight-notice", load_example("flight-notice"))
    store = line.store(line.tr)
    utc_only = message_detail(line.tr.config, store, record, "en")["rendered"]["text"]
    assert "UTC" in utc_only and "local time" not in utc_only

    station = configure(line.tr, time_zone='"Europe/Istanbul"')
    istanbul = station.config
    assert reader_zone_name(istanbul) == "Europe/Istanbul"
    detail = message_detail(istanbul, store, record, "en")
    text = detail["rendered"]["text"]
    assert "09:00–11:30 UTC (12:00–14:30 local time, Europe/Istanbul, UTC+03:00)" in text, "UTC is always shown"
    assert "Europe/Istanbul" in detail["original"]["text"], "the sender's original, in the same zone"
    arabic = message_detail(istanbul, store, record, "ar")["rendered"]["text"]
    assert "Europe/Istanbul" in arabic and "UTC" in arabic
    assert message_line(istanbul, record, "tr")["title"] == "Uçuş bildirimi"
    checked = preview(station, store, to_party="SY", kind="flight-notice", data=load_example("flight-notice"), now=NOW)
    assert checked.reader is not None and checked.receiver is not None
    assert "Europe/Istanbul" in checked.reader.text(), "the console's compose preview, for the operator"
    assert "Europe/Istanbul" not in checked.receiver.text(), "the peer reads in its own zone, UTC here"


def test_render_uses_the_stations_zone_unless_told_otherwise(line: Line, capsys: pytest.CaptureFixture[str]) -> None:
    record = received_at_ankara(line, "flight-notice", load_example("flight-notice"))
    configure(line.tr, time_zone='"Europe/Istanbul"')
    home = str(line.tr.path)
    assert main(["render", "--home", home, record.id, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Europe/Istanbul" in out and "09:00–11:30 UTC" in out
    assert main(["render", "--home", home, record.id, "--lang", "en", "--tz", "Asia/Damascus"]) == 0
    out = capsys.readouterr().out
    assert "Asia/Damascus" in out and "Europe/Istanbul" not in out
    assert main(["render", "--home", home, record.id, "--tz", "Europe"]) == 1
    assert "is not an IANA time zone" in capsys.readouterr().err


def test_a_station_zone_that_does_not_exist_is_refused(line: Line) -> None:
    from detente.errors import ConfigError

    broken = configure(line.tr, time_zone='"Asia/Atlantis"')
    with pytest.raises(ConfigError, match="notifications.time_zone 'Asia/Atlantis' is not an IANA time zone"):
        broken.config  # noqa: B018


# --- machine translation: notifications.machine_translation -------------------------------------


class Engine:
    """A stand-in translation engine that says what it did."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    @property
    def name(self) -> str:
        return "Test engine"

    def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
        self.calls.append((text, source, target))
        return MachineTranslation(
            text=f"<{target} of {len(text)} chars>", source=source, target=target, engine=self.name
        )


def test_the_console_shows_a_machine_translation_beside_the_original(line: Line) -> None:
    record = received_at_ankara(line, "free-text", {"text": ARABIC, "lang": "ar"})
    store, engine = line.store(line.tr), Engine()
    detail = message_detail(line.tr.config, store, record, "tr", translator=engine)
    text = detail["rendered"]["text"]
    assert ARABIC in text, "the original is never replaced"
    assert f"[makine çevirisi (Test engine), doğrulanmamıştır] <tr of {len(ARABIC)} chars>" in text
    assert engine.calls == [(ARABIC, "ar", "tr")]
    assert "makine" not in detail["original"]["text"] and "Test engine" not in detail["original"]["text"]
    assert "Test engine" not in message_detail(line.tr.config, store, record, "tr")["rendered"]["text"], (
        "no backend configured: no machine translation"
    )

    certify(line.tr, store, record, "tr", "Yarınki hat değerlendirme toplantısını saat 10'da teyit ediniz.", "Ayşe")
    engine.calls.clear()
    certified = message_detail(line.tr.config, store, record, "tr", translator=engine)
    assert engine.calls == [] and "Test engine" not in certified["rendered"]["text"], (
        "a certified translation in the reader's language takes the place of the machine's"
    )
    assert [t["translator"] for t in certified["translations"]] == ["Ayşe"]
    english = message_detail(line.tr.config, store, record, "en", translator=engine)["rendered"]["text"]
    assert "[machine translation (Test engine), not verified]" in english


def test_argos_that_is_not_installed_is_reported_not_ignored(line: Line, capsys: pytest.CaptureFixture[str]) -> None:
    if ArgosTranslation().installed:
        pytest.skip("Argos Translate is installed here")
    assert machine_translator(line.tr.config) == MachineTranslator("none", None)
    configured = configure(line.tr, machine_translation='"argos"')
    machine = machine_translator(configured.config)
    assert machine.backend is None and machine.problem is not None
    assert "Argos Translate is not installed" in machine.problem and machine.describe() == machine.problem
    record = received_at_ankara(line, "free-text", {"text": ARABIC, "lang": "ar"})
    assert main(["render", "--home", str(configured.path), record.id]) == 0
    captured = capsys.readouterr()
    assert 'warning: notifications.machine_translation is "argos", but Argos Translate is not installed' in (
        captured.err
    )
    assert ARABIC in captured.out and "makine çevirisi" not in captured.out


def test_argos_with_language_packages_translates_and_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from detente import reading

    class Translation:
        def __init__(self) -> None:
            self.count = 0

        def translate(self, text: str) -> str:
            self.count += 1
            return "Hello"

    translation = Translation()

    class Language:
        def __init__(self, code: str) -> None:
            self.code = code

        def get_translation(self, other: Any) -> Translation | None:
            return translation if (self.code, other.code) == ("tr", "en") else None

    fake = SimpleNamespace(get_installed_languages=lambda: [Language("tr"), Language("en")])
    assert ArgosTranslation(fake).pairs(("tr", "ar", "en", "ru")) == [("tr", "en")]
    assert ArgosTranslation(SimpleNamespace(get_installed_languages=lambda: [Language("ar")])).pairs(("tr", "ar")) == []
    monkeypatch.setattr(reading, "ArgosTranslation", lambda: ArgosTranslation(fake))
    reading._machine_translator.cache_clear()
    try:
        machine = reading._machine_translator("argos")
        assert machine.problem is None and machine.pairs == (("tr", "en"),)
        assert "Argos Translate (tr→en)" in machine.describe()
        assert machine.backend is not None
        first = machine.backend.translate("Merhaba", "tr", "en")
        again = machine.backend.translate("Merhaba", "tr", "en")
        assert first == again and first is not None and first.machine and first.text == "Hello"
        assert translation.count == 1, "a text read twice is translated once"
        monkeypatch.setattr(
            reading,
            "ArgosTranslation",
            lambda: ArgosTranslation(SimpleNamespace(get_installed_languages=lambda: [Language("ar")])),
        )
        reading._machine_translator.cache_clear()
        assert "no Argos Translate language package" in (reading._machine_translator("argos").problem or "")
    finally:
        reading._machine_translator.cache_clear()


# --- certified translations in detente render ------------------------------------------------------


def test_render_shows_certified_translations_with_the_translator(
    line: Line, capsys: pytest.CaptureFixture[str]
) -> None:
    record = received_at_ankara(line, "free-text", {"text": ARABIC, "lang": "ar"})
    store = line.store(line.tr)
    certify(line.tr, store, record, "en", "Please confirm tomorrow's line review meeting at ten.", "John Smith")
    certify(
        line.tr, store, record, "tr", "Yarınki hat değerlendirme toplantısını saat 10'da teyit ediniz.", "Ayşe Demir"
    )
    home = str(line.tr.path)
    assert main(["render", "--home", home, record.id]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(ARABIC in row for row in out), "the original first"
    marks = [row for row in out if row.startswith("[onaylı çeviri")]
    assert len(marks) == 2 and "Ayşe Demir" in marks[0] and "Türkçe" in marks[0], "the reader's language first"
    assert "teyit ediniz" in marks[0] and "John Smith" in marks[1] and "İngilizce" in marks[1]
    assert "UTC" in marks[0]
    assert main(["render", "--home", home, record.id, "--lang", "ar"]) == 0
    arabic = capsys.readouterr().out
    assert "ترجمة معتمدة من" in arabic and "John Smith" in arabic


def test_a_message_without_certified_translations_renders_as_before(
    line: Line, capsys: pytest.CaptureFixture[str]
) -> None:
    record = received_at_ankara(line, "flight-notice", load_example("flight-notice"))
    assert main(["render", "--home", str(line.tr.path), record.id, "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "FLIGHT NOTICE" in captured.out and "certified" not in captured.out and captured.err == ""
