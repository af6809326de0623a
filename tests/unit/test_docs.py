"""The documents are kept honest: a command, setting or error code missing from them fails here."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest

from detente.cli import build_parser
from detente.config import (
    ConsoleSettings,
    CourierSettings,
    DeadlineSettings,
    LedgerSettings,
    LinkSettings,
    ListenerLimits,
    MetricsSettings,
    NotificationSettings,
    StationConfig,
    WatchSettings,
)
from detente.protocol.codes import CloseReason, RejectCode

ROOT = Path(__file__).resolve().parents[2]


def _text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                children = _commands(sub, path)
                found.extend(children or [path])
    return found


_TABLES = (
    "metrics",
    "link",
    "ledger",
    "deadlines",
    "line_deadlines",
    "watch",
    "notifications",
    "console_access",
    "courier",
    "listeners",
)
"""StationConfig fields that are tables of their own, documented setting by setting."""


def test_readme_opens_with_the_two_commands() -> None:
    head = _text("README.md")[:400]
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("command", _commands(build_parser()))
def test_every_command_is_documented(command: str) -> None:
    docs = _text("README.md") + _text("docs/operations.md")
    assert f"detente {command}" in docs, f"`detente {command}` is not in README.md or docs/operations.md"


@pytest.mark.parametrize(
    "setting",
    [f.name for f in dataclasses.fields(StationConfig) if f.name not in _TABLES]
    + [
        f.name
        for table in (
            LinkSettings,
            LedgerSettings,
            DeadlineSettings,
            WatchSettings,
            NotificationSettings,
            ConsoleSettings,
            CourierSettings,
            ListenerLimits,
            MetricsSettings,
        )
        for f in dataclasses.fields(table)
    ],
)
def test_every_setting_is_documented(setting: str) -> None:
    assert re.search(rf"`{setting}`", _text("docs/operations.md")), f"setting {setting} is not in docs/operations.md"


@pytest.mark.parametrize("code", [c.value for c in RejectCode] + [c.value for c in CloseReason])
def test_every_error_code_is_specified(code: str) -> None:
    assert f"`{code}`" in _text("PROTOCOL.md"), f"code {code} is not in PROTOCOL.md"


def _logged_events() -> list[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "detente").rglob("*.py"):
        names.update(re.findall(r'log_event\(\s*\w+,\s*logging\.\w+,\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")))
    return sorted(names)


@pytest.mark.parametrize("event", _logged_events())
def test_every_logged_event_is_documented(event: str) -> None:
    assert f"`{event}`" in _text("docs/operations.md"), f"log event {event} is not in docs/operations.md §8"
