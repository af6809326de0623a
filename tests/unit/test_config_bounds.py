"""Every numeric setting of station.toml has a declared range; both ends are accepted, anything past
them, NaN and the infinities are refused with the setting's name, the value and the range."""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import detente.config as config_module
from detente.config import SECTIONS, StationConfig, bounds_of, load_config, render_config, validate_config
from detente.errors import ConfigError

BASE = StationConfig(name="Ankara", party="TR", station_id="TR-0123456789ab", language="tr", listen=("127.0.0.1:7001",))


def _is_numeric(item: dataclasses.Field[Any]) -> bool:
    if item.type in ("bool", bool) or isinstance(item.default, bool):
        return False
    return item.type in ("int", "float", int, float) or isinstance(item.default, (int, float))


def _numeric_settings() -> list[tuple[str, str]]:
    return [
        (table, item.name) for table, cls in SECTIONS.items() for item in dataclasses.fields(cls) if _is_numeric(item)
    ]


NUMERIC = _numeric_settings()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _write(tmp_path: Path, table: str, key: str, value: Any) -> Path:
    """station.toml as `detente init` writes it, with ``table.key = value`` (its other settings kept so far
    as they must be, e.g. dead_after stays longer than heartbeat_interval)."""
    raw = tomllib.loads(render_config(BASE))
    if table == "link" and key in ("heartbeat_interval", "dead_after", "failover_after"):
        raw["link"].update(_link_around(key, value))
    raw[table][key] = value
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items() if not isinstance(v, dict))
        for name, values in raw.items()
    )
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _link_around(key: str, value: Any) -> dict[str, float]:
    """heartbeat_interval < failover_after <= dead_after, around ``key`` set to (the nearest end to) ``value``."""
    bounds = bounds_of(SECTIONS["link"], key)
    assert bounds is not None
    if not isinstance(value, (int, float)) or math.isnan(value):
        return {}
    near = min(max(value, bounds.low), bounds.high)
    if key == "heartbeat_interval":
        return {"dead_after": near * 3, "failover_after": near * 2}
    return {"heartbeat_interval": max(min(near / 3, 60.0), 0.05), "dead_after": near, "failover_after": near}


def test_every_numeric_setting_of_every_table_declares_a_range() -> None:
    """A setting added without ``bounded(...)`` fails here, and so does a settings table that is not in
    SECTIONS (the tables whose ranges load_config and validate_config check)."""
    classes = [
        cls
        for _, cls in inspect.getmembers(config_module, inspect.isclass)
        if dataclasses.is_dataclass(cls) and cls.__module__ == config_module.__name__ and cls.__name__ != "Bounds"
    ]
    for cls in classes:
        numeric = [f.name for f in dataclasses.fields(cls) if _is_numeric(f)]
        if numeric:
            assert cls in SECTIONS.values(), f"{cls.__name__} has numeric settings but is not in config.SECTIONS"
        for name in numeric:
            assert bounds_of(cls, name) is not None, f"{cls.__name__}.{name} has no declared range"
    assert len(NUMERIC) >= 16


@pytest.mark.parametrize(("table", "key"), NUMERIC, ids=[f"{t}.{k}" for t, k in NUMERIC])
def test_both_ends_are_accepted_and_past_them_refused(tmp_path: Path, table: str, key: str) -> None:
    cls = SECTIONS[table]
    bounds = bounds_of(cls, key)
    assert bounds is not None
    integer = isinstance(getattr(cls(), key), int)
    for end in (bounds.low, bounds.high):
        value = int(end) if integer else float(end)
        loaded = getattr(load_config(_write(tmp_path, table, key, value)), table)
        assert getattr(loaded, key) == value
    step = 1 if integer else max(abs(bounds.low), abs(bounds.high)) * 1e-6
    outside: list[Any] = [bounds.low - step, bounds.high + step, math.nan, math.inf, -math.inf]
    if integer:
        outside += [int(bounds.low) - 1, int(bounds.high) + 1, 10**30, float(bounds.low)]
    for value in outside:
        with pytest.raises(ConfigError) as refused:
            load_config(_write(tmp_path, table, key, value))
        message = str(refused.value)
        assert f"station.toml: {table}.{key} = " in message, message
        assert f"{value!r}" in message, message
        assert str(bounds) in message and "remove the line to use the default" in message, message


@pytest.mark.parametrize(("table", "key"), NUMERIC, ids=[f"{t}.{k}" for t, k in NUMERIC])
def test_a_configuration_built_in_code_is_held_to_the_same_ranges(table: str, key: str) -> None:
    """validate_config (also run by `detente init`) checks the ranges, not only the file reader."""
    for value in (math.nan, math.inf, -1e300):
        changed = dataclasses.replace(BASE, **{table: dataclasses.replace(getattr(BASE, table), **{key: value})})
        with pytest.raises(ConfigError, match=rf"^init: {table}\.{key} = {re.escape(repr(value))} is not allowed"):
            validate_config(changed, "init")


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("max_frame_bytes = 1048576", "max_frame_bytes = 100000000000000000000", "link.max_frame_bytes"),
        ("max_frame_bytes = 1048576", "max_frame_bytes = 1e20", "link.max_frame_bytes"),
        ("flash = 120.0", "flash = nan", "deadlines.flash"),
        ("# [deadlines.lines.SY]", "[deadlines.lines.SY]\nroutine = inf\n#", "deadlines.lines.SY.routine"),
    ],
)
def test_the_values_once_accepted_are_refused(tmp_path: Path, old: str, new: str, name: str) -> None:
    """`max_frame_bytes = 1e20` (no guard left) and `flash = nan` were accepted; so was an infinite deadline."""
    text = render_config(BASE)
    assert old in text
    path = tmp_path / "station.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError, match=name.replace(".", r"\.") + " .* is not allowed: it must be"):
        load_config(path)


def test_the_operations_guide_states_every_range() -> None:
    from detente.config import _figure

    guide = (Path(__file__).parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    for table, key in NUMERIC:
        bounds = bounds_of(SECTIONS[table], key)
        assert bounds is not None
        row = f"| `{table}.{key}` | {_figure(bounds.low)} | {_figure(bounds.high)} | {bounds.unit} |"
        assert row in guide, f"docs/operations.md section 6 lacks the row {row}"
