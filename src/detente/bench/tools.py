"""The programs the bench needs besides détente: the brokers it compares with and strace, from
Debian's packages, and their Python clients, from PyPI (the ``bench`` extra)."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass

__all__ = ["Tool", "TOOLS", "find_program", "missing_tools"]


@dataclass(frozen=True)
class Tool:
    name: str
    how: str
    """How to install it."""
    program: str = ""
    """The executable, for a program; empty for a Python module."""
    module: str = ""
    """The importable module, for a Python client; empty for a program."""


TOOLS = (
    Tool("mosquitto", "apt-get install mosquitto", program="mosquitto"),
    Tool("nats-server", "apt-get install nats-server", program="nats-server"),
    Tool("strace", "apt-get install strace", program="strace"),
    Tool("paho-mqtt", "pip install 'detente[bench]' (or `make bench`)", module="paho.mqtt"),
    Tool("nats-py", "pip install detente", module="nats"),
)

_SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def find_program(name: str) -> str | None:
    """The path of ``name`` on PATH or in the system's sbin folders (Debian puts mosquitto there)."""
    return shutil.which(name) or shutil.which(name, path=_SBIN)


def _present(tool: Tool) -> bool:
    if tool.program:
        return find_program(tool.program) is not None
    try:
        return importlib.util.find_spec(tool.module) is not None
    except ModuleNotFoundError:
        return False


def missing_tools() -> list[Tool]:
    """The tools this machine lacks, in the order of ``TOOLS``."""
    return [tool for tool in TOOLS if not _present(tool)]
