"""Every module says what it exports, and exports what it defines."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import detente

MODULES = sorted(m.name for m in pkgutil.walk_packages(detente.__path__, "detente.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_exactly_the_public_definitions(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert name in ("detente",), f"{name} has no __all__"
        return
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"
    assert len(exported) == len(set(exported)), f"{name}.__all__ has duplicates"
    if name.endswith("__init__") or hasattr(module, "__path__"):
        return
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }
    missing = defined - set(exported) - {"main"} - {n for n in defined if n.startswith("cmd_")}
    assert not missing, f"{name} defines public {sorted(missing)} but does not list them in __all__"
