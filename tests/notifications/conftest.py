"""Shared fixtures for the notification tests: the examples and a factory for variants of them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.notifications import ValidNotice, kind_names, validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
KINDS = kind_names()


def load_example(kind: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))


def valid(kind: str, data: object) -> ValidNotice:
    result = validate(kind, data)
    assert isinstance(result, ValidNotice), getattr(result, "text", lambda: result)()
    return result


@pytest.fixture
def make_body() -> Callable[..., dict[str, Any]]:
    """``make_body(kind, **overrides)``: the kind's example with members replaced (None removes one)."""

    def make(kind: str, **overrides: Any) -> dict[str, Any]:
        body = copy.deepcopy(load_example(kind))
        for key, value in overrides.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    return make
