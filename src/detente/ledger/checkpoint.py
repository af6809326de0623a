"""Checkpoints of a line's log, in the C2SP tlog-checkpoint text format.

    detente.line/<author station id>/<other station id>
    <tree size>
    <base64 root hash>
    time <RFC 3339 time the author made it>
    clock-offset-ms <the other station's clock minus the author's, estimated from heartbeats>

The first three lines are the standard checkpoint; the two extension lines record when it was
made and how far the two clocks were apart, so that a reader can judge the times in the log.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ..protocol.timestamps import parse_time
from .note import NoteError

__all__ = ["Checkpoint", "line_origin"]

_ORIGIN = re.compile(r"detente\.line/([A-Za-z0-9][A-Za-z0-9._-]{0,63})/([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


def line_origin(author: str, other: str) -> str:
    """The origin of ``author``'s log of its line with ``other``."""
    return f"detente.line/{author}/{other}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: str
    clock_offset_ms: float | None = None

    @property
    def author(self) -> str:
        return self.stations[0]

    @property
    def stations(self) -> tuple[str, str]:
        match = _ORIGIN.fullmatch(self.origin)
        if match is None:
            raise NoteError(f"checkpoint origin {self.origin!r} is not detente.line/<station>/<station>")
        return match.group(1), match.group(2)

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), f"time {self.time}"]
        if self.clock_offset_ms is not None:
            lines.append(f"clock-offset-ms {self.clock_offset_ms:.3f}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note's text; NoteError saying what is wrong."""
        lines = text.split("\n")
        if len(lines) < 5 or lines[-1] != "":
            raise NoteError("a checkpoint is origin, size, root and a time line, each ending in a newline")
        origin, size_text, root_text, *extensions = lines[:-1]
        if _ORIGIN.fullmatch(origin) is None:
            raise NoteError(f"checkpoint origin {origin[:80]!r} is not detente.line/<station>/<station>")
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint tree size {size_text[:20]!r} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error:
            raise NoteError("checkpoint root hash is not base64") from None
        if len(root) != 32:
            raise NoteError("checkpoint root hash is not 32 bytes")
        fields: dict[str, str] = {}
        for line in extensions:
            name, _, value = line.partition(" ")
            if name in fields or name not in ("time", "clock-offset-ms"):
                raise NoteError(f"checkpoint extension line {line[:40]!r} is unknown or repeated")
            fields[name] = value
        if "time" not in fields:
            raise NoteError("checkpoint has no time line")
        try:
            parse_time(fields["time"])
            offset = float(fields["clock-offset-ms"]) if "clock-offset-ms" in fields else None
        except ValueError as exc:
            raise NoteError(f"checkpoint extension: {exc}") from None
        checkpoint = cls(origin, int(size_text), root, fields["time"], offset)
        if checkpoint.text() != text:
            raise NoteError("checkpoint text is not in its one canonical form")
        return checkpoint
