"""station.toml: written by init, read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.config import (
    LinkSettings,
    ListenerLimits,
    NotificationSettings,
    StationConfig,
    load_config,
    parse_address,
    render_config,
)
from detente.errors import ConfigError

BASE = StationConfig(
    name='Ankara "Harekât" Merkezi',
    party="TR",
    station_id="TR-0123456789ab",
    language="tr",
    listen=("127.0.0.1:7001", "[::1]:7001"),
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_render_and_load_round_trip(tmp_path: Path) -> None:
    loaded = load_config(_write(tmp_path, render_config(BASE)))
    assert loaded.name == BASE.name and loaded.listen == BASE.listen
    assert loaded.endpoints == BASE.listen and loaded.link == LinkSettings()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("dead_after = 3.0", "dead_after = 0.5", "dead_after must be longer than heartbeat_interval"),
        ("window = 256", 'window = "many"', "link.window = 'many' is not allowed: it must be an integer"),
        ("window = 256", "window = 2.5", "link.window = 2.5 is not allowed: it must be an integer"),
        ('dial = "auto"', 'dial = "sometimes"', "link.dial 'sometimes' must be one of"),
        ("prefer = []", 'prefer = ["satellite"]', "link.prefer names 'satellite'"),
        ("prefer = []", 'prefer = "direct"', "prefer must be a list of strings"),
        ("failover_after = 2.0", "failover_after = 4.0", "failover_after must be longer than heartbeat_interval"),
        ('language = "tr"', 'language = "fr"', "language 'fr' must be one of"),
        ('party = "TR"', 'party = "tr"', "party 'tr' must be two or three capital letters"),
        ("[link]", "[link]\nheartbeat = 2", "unknown setting(s) in [link]: heartbeat"),
        ("[station]", "[station]\nlisten_on = 1", "unknown setting(s) in [station]: listen_on"),
        ('listen = ["127.0.0.1:7001", "[::1]:7001"]', 'listen = ["nowhere"]', "is not HOST:PORT"),
        ('name = "Ankara \\"Harekât\\" Merkezi"', "", "name must be a string and is required"),
        (
            "border_advice_km = 10.0",
            "border_advice_km = 0",
            "border_advice_km = 0 is not allowed: it must be a number from 0.1",
        ),
        ("border_advice_km = 10.0", 'border_advice_km = "far"', "border_advice_km = 'far' is not allowed"),
        ("border_advice_km = 10.0", "border_advice_km = 5000", "border_advice_km = 5000 is not allowed"),
        ('time_zone = ""', 'time_zone = "Asia/Atlantis"', "time_zone 'Asia/Atlantis' is not an IANA time zone"),
        ('time_zone = ""', 'time_zone = "Europe"', "time_zone 'Europe' is not an IANA time zone"),
        ('time_zone = ""', 'time_zone = "../../etc/passwd"', "is not an IANA time zone"),
        ('time_zone = ""', "time_zone = 3", "time_zone must be a string"),
        (
            'machine_translation = "none"',
            'machine_translation = "google"',
            "notifications.machine_translation 'google' must be one of none, argos",
        ),
        ("[notifications]", "[notifications]\nborder_km = 5", "unknown setting(s) in [notifications]: border_km"),
        ("[courier]", "[courier]\nmax_bytes = 5", "unknown setting(s) in [courier]: max_bytes"),
        # (courier.max_file_bytes's range, NaN and the infinities: test_config_bounds.py, as for every number)
    ],
)
def test_invalid_settings_are_refused_by_name(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = render_config(BASE)
    assert old in text
    with pytest.raises(ConfigError) as error:
        load_config(_write(tmp_path, text.replace(old, new)))
    assert message in str(error.value) and "station.toml" in str(error.value)


def test_notification_settings_round_trip(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, render_config(BASE))).notifications == NotificationSettings()
    text = (
        render_config(BASE)
        .replace("border_advice_km = 10.0", "border_advice_km = 25")
        .replace('time_zone = ""', 'time_zone = "Europe/Istanbul"')
        .replace('machine_translation = "none"', 'machine_translation = "argos"')
    )
    loaded = load_config(_write(tmp_path, text))
    assert loaded.notifications == NotificationSettings(25, "Europe/Istanbul", "argos")
    assert load_config(_write(tmp_path, render_config(loaded))) == loaded
    without = render_config(BASE).split("[notifications]")[0]
    assert load_config(_write(tmp_path, without)).notifications == NotificationSettings(), "an older station.toml"


def test_not_toml_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[station\nname="))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.toml")


def test_who_dials() -> None:
    assert LinkSettings().link_config("SY-1", "TR-1").dial is True
    assert LinkSettings().link_config("TR-1", "SY-1").dial is False
    assert LinkSettings(dial="always").link_config("TR-1", "SY-1").dial is True
    assert LinkSettings(dial="never").link_config("SY-1", "TR-1").dial is False


def test_path_preference() -> None:
    paths = ("direct", "relay:nats", "relay:un")
    assert LinkSettings().link_config("SY-1", "TR-1", paths).paths == paths
    chosen = LinkSettings(prefer=("relay:un", "relay:gone")).link_config("SY-1", "TR-1", paths).paths
    assert chosen == ("relay:un", "direct", "relay:nats")  # a preferred path not configured is left out
    assert LinkSettings(failover_after=2.5).link_config("SY-1", "TR-1").failover_after == 2.5


def test_path_settings_are_read(tmp_path: Path) -> None:
    text = render_config(BASE).replace("prefer = []", 'prefer = ["relay:un", "direct"]')
    assert load_config(_write(tmp_path, text)).link.prefer == ("relay:un", "direct")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:7001", ("127.0.0.1", 7001)), ("[::1]:65535", ("::1", 65535)), ("host.example:1", ("host.example", 1))],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1", "::1:7001", "host:0", "host:99999", "host: 1", ""])
def test_bad_addresses(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_address(text)


# The listeners' ranges, NaN, the infinities and the wrong types: test_config_bounds.py, as for every
# number. The relay's relay.toml reads the same table with the same checks (test_gate.py).


def test_listener_limits_round_trip_and_refuse_unknown_keys(tmp_path: Path) -> None:
    text = render_config(BASE).replace("max_pending_per_source = 8", "max_pending_per_source = 2")
    assert load_config(_write(tmp_path, text)).listeners == ListenerLimits(max_pending_per_source=2)
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) in \[listeners\]: backlog"):
        load_config(_write(tmp_path, text.replace("[listeners]", "[listeners]\nbacklog = 5")))
