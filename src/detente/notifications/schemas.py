"""JSON Schemas of the catalogue's kinds, exported to ``docs/schemas/<kind>.json``.

``write_schemas`` writes them (``make schemas``); a test fails while the committed files differ
from what the models give, so the documents never fall behind the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .catalogue import kinds, spec

__all__ = ["SCHEMA_BASE", "json_schema", "schema_text", "stale_schemas", "write_schemas"]

SCHEMA_BASE = "https://detente.invalid/schemas/"
"""The ``$id`` prefix of every exported schema (a name, not a place to fetch from)."""


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a body of ``kind``."""
    entry = spec(kind)
    schema = entry.model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{SCHEMA_BASE}{kind}.json"
    schema["title"] = entry.title
    schema["description"] = entry.summary
    return schema


def schema_text(kind: str) -> str:
    """The exact text of ``docs/schemas/<kind>.json``."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every kind's schema into ``directory``; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for entry in kinds():
        path = directory / f"{entry.name}.json"
        path.write_text(schema_text(entry.name), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path) -> list[str]:
    """Kinds whose file in ``directory`` is missing or differs from the models (empty: all fresh)."""
    stale = []
    for entry in kinds():
        path = directory / f"{entry.name}.json"
        if not path.exists() or path.read_text(encoding="utf-8") != schema_text(entry.name):
            stale.append(entry.name)
    return stale


def main() -> None:
    """``python -m detente.notifications.schemas [directory]``: write the schemas (default docs/schemas)."""
    import sys

    write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/schemas"))


if __name__ == "__main__":
    main()
