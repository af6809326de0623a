"""The protocol core stays sans-I/O: no sockets, clocks, files, logging or threads, and no
reaching up into the layers built on it. Checked on the source, so it holds for every path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detente.protocol

CORE = Path(detente.protocol.__file__).resolve().parent
MODULES = sorted(CORE.rglob("*.py"))

FORBIDDEN_MODULES = {
    "socket",
    "ssl",
    "asyncio",
    "time",
    "os",
    "io",
    "pathlib",
    "logging",
    "sqlite3",
    "threading",
    "subprocess",
    "selectors",
    "detente.store",
    "detente.station",
    "detente.web",
    "detente.transports",
    "detente.cli",
}
FORBIDDEN_CALLS = {"open", "print"}


def package_of(path: Path) -> str:
    relative = path.relative_to(CORE.parent.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] != "__init__" else parts[:-1])


def imported_modules(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names, relative imports resolved to absolute names."""
    found: list[tuple[int, str]] = []
    package = package_of(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from detente import store`` names the module detente.store.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def is_forbidden(module: str) -> bool:
    return any(module == banned or module.startswith(banned + ".") for banned in FORBIDDEN_MODULES)


def forbidden_uses(source: str, path: Path) -> list[str]:
    tree = ast.parse(source, filename=str(path))
    problems = [
        f"line {line}: imports {module}" for line, module in imported_modules(tree, path) if is_forbidden(module)
    ]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS | {"__import__"}:
            problems.append(f"line {node.lineno}: calls {func.id}()")
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in FORBIDDEN_CALLS
            and isinstance(func.value, ast.Name)
            and func.value.id in {"builtins", "io", "os", "codecs"}
        ):
            problems.append(f"line {node.lineno}: calls {func.value.id}.{func.attr}()")
    return problems


def test_the_core_has_its_modules() -> None:
    names = {p.name for p in MODULES}
    expected = {"canonical", "signing", "envelope", "frames", "codes", "events", "states", "link", "ids", "timestamps"}
    assert {f"{name}.py" for name in expected} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_is_sans_io(path: Path) -> None:
    assert forbidden_uses(path.read_text(encoding="utf-8"), path) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import socket",
        "import os.path",
        "import time as clock",
        "from time import monotonic",
        "from asyncio import sleep",
        "import logging.handlers",
        "from detente.store import sqlite",
        "from detente import station",
        "from ..transports import tls",
        "from .. import cli",
        "from ..web.app import serve",
        "def f():\n    import threading",
        "open('x')",
        "print('x')",
        "def f(p):\n    return io.open(p)",
        "__import__('socket')",
        "builtins.print('x')",
    ],
)
def test_the_checker_catches(snippet: str) -> None:
    assert forbidden_uses(snippet, CORE / "link.py")


@pytest.mark.parametrize(
    "snippet",
    [
        "import random",
        "from datetime import UTC, datetime",
        "from ..errors import LocalProtocolError",
        "from .frames import encode_frame",
        "import timestamps",  # a name that merely starts like a banned one
        "import iolib",
        "x.print_stats()",
        "frame.open()",
    ],
)
def test_the_checker_allows(snippet: str) -> None:
    assert forbidden_uses(snippet, CORE / "link.py") == []
