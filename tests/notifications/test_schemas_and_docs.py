"""The exported JSON Schemas and docs/notifications.md are kept in step with the code."""

from __future__ import annotations

import pytest

from detente.notifications import json_schema, kinds
from detente.notifications.schemas import stale_schemas

from .conftest import ROOT

DOCS = ROOT / "docs" / "notifications.md"


def test_committed_schemas_are_current() -> None:
    assert stale_schemas(ROOT / "docs" / "schemas") == [], "docs/schemas is stale: run `make schemas`"


def test_schema_has_identity_and_closed_objects() -> None:
    schema = json_schema("flight-notice")
    assert schema["$id"].endswith("/flight-notice.json")
    assert schema["additionalProperties"] is False
    assert "mission" in schema["required"]


@pytest.mark.parametrize("entry", kinds(), ids=lambda entry: entry.name)
def test_every_kind_and_field_is_documented(entry) -> None:  # type: ignore[no-untyped-def]
    text = DOCS.read_text(encoding="utf-8")
    heading = f"### `{entry.name}`"
    assert heading in text, f"{entry.name} has no section in docs/notifications.md"
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    for name in entry.model.model_fields:
        if name not in ("lang", "references"):
            assert f"`{name}`" in section, f"{entry.name}.{name} is not documented"
