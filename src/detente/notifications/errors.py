"""Errors of the notifications library, and whose fault each one is.

```
NotificationError                 base class; never raised itself
├── UsageError (ValueError)       the caller misused the API: an unknown kind, language,
│                                 time zone or country code, a body that was never validated
├── InvalidBodyError (ValueError) a body to render, export or check does not validate as its
│                                 kind: its sender's fault (usually the peer's); ``problems``
│                                 says what is wrong
├── CapImportError (ValueError)   a CAP document from outside is unsafe, invalid or cannot be
│                                 turned into a notification: the document's fault
└── PackageDataError (RuntimeError)  data shipped in the package (border data, message
                                    catalogues, the CAP schema) is missing or damaged: the
                                    installation's fault (reinstall détente)
```

Invalid *operator input* is not an exception: ``validate`` returns ``Problems``.
"""

from __future__ import annotations

__all__ = ["CapImportError", "InvalidBodyError", "NotificationError", "PackageDataError", "UsageError"]


class NotificationError(Exception):
    """Base class of every error this package raises."""


class UsageError(NotificationError, ValueError):
    """The calling code passed something this library cannot accept (a programming error)."""


class InvalidBodyError(NotificationError, ValueError):
    """A message body does not validate as its kind: whoever composed it (usually the peer) is at fault."""

    def __init__(self, kind: str, problems: object, summary: str) -> None:
        super().__init__(f"{kind} body is not valid: {summary}")
        self.kind = kind
        self.problems = problems


class CapImportError(NotificationError, ValueError):
    """A CAP document was refused: it is unsafe XML, not valid CAP 1.2, or has nothing to import."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PackageDataError(NotificationError, RuntimeError):
    """Data shipped with the package (borders, catalogues, CAP schema) cannot be read."""
