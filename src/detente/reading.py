"""How this station's people read notifications: the ``[notifications]`` settings of station.toml
turned into what rendering takes (the operations centre's time zone, the machine-translation
backend), the same for the console and ``detente render``.

Machine translation is optional and never replaces the sender's original: a rendering shows it
beside the original, marked as machine translation. A backend that is configured but cannot work
on this server (Argos Translate not installed, or none of its language packages between the
line's languages) is reported, never silently ignored: ``serve`` logs it at start and
``detente render`` says it on standard error.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .config import StationConfig
from .errors import ConfigError
from .notifications import LANGUAGES, ArgosTranslation, Lang, MachineTranslation, TranslationBackend

__all__ = ["MachineTranslator", "machine_translator", "reader_zone_name"]

_CACHED_TRANSLATIONS = 512


@dataclass(frozen=True)
class MachineTranslator:
    """The machine translation a station is configured with, and whether it works here."""

    setting: str
    """``notifications.machine_translation``: "none" or "argos"."""
    backend: TranslationBackend | None
    """What to render with; None when machine translation is off or cannot work on this server."""
    pairs: tuple[tuple[Lang, Lang], ...] = ()
    """The (source, target) language pairs the backend translates."""
    problem: str | None = None
    """Why the configured backend cannot translate here (None when it can, or when it is off)."""

    def describe(self) -> str:
        """One line for a log or the terminal."""
        if self.problem is not None:
            return self.problem
        if self.backend is None:
            return "machine translation is off"
        pairs = ", ".join(f"{a}→{b}" for a, b in self.pairs)
        return f"machine translation by {self.backend.name} ({pairs}), always marked as such"


def machine_translator(config: StationConfig) -> MachineTranslator:
    """The station's machine translation (looked up once per process: loading Argos is slow)."""
    return _machine_translator(config.notifications.machine_translation)


def reader_zone_name(config: StationConfig, override: str | None = None) -> str | None:
    """The time zone a reader at this station sees times in besides UTC: ``override`` (``--tz``),
    else the operations centre's ``notifications.time_zone``, else none (UTC only)."""
    return override or config.notifications.time_zone or None


@functools.cache
def _machine_translator(setting: str) -> MachineTranslator:
    if setting == "none":
        return MachineTranslator(setting, None)
    if setting != "argos":
        raise ConfigError(f"notifications.machine_translation {setting!r} must be one of none, argos")
    argos = ArgosTranslation()
    if not argos.installed:
        return MachineTranslator(
            setting,
            None,
            problem='notifications.machine_translation is "argos", but Argos Translate is not installed on this '
            "server: free text is shown in the original only. Install the argostranslate package and its "
            'language packages (offline), or set machine_translation = "none".',
        )
    pairs = tuple(argos.pairs(LANGUAGES))
    if not pairs:
        return MachineTranslator(
            setting,
            None,
            problem='notifications.machine_translation is "argos", but no Argos Translate language package '
            f"translates between any two of {', '.join(LANGUAGES)}: free text is shown in the original only. "
            "Install the language packages with Argos's own tools (argospm), or set machine_translation = "
            '"none".',
        )
    return MachineTranslator(setting, _Remembered(argos), pairs)


class _Remembered:
    """A backend whose translations are remembered: a message is read many times, and a model
    takes a second or more for each text."""

    def __init__(self, backend: TranslationBackend) -> None:
        self._backend = backend
        self._translate = functools.lru_cache(maxsize=_CACHED_TRANSLATIONS)(backend.translate)

    @property
    def name(self) -> str:
        return self._backend.name

    def translate(self, text: str, source: Lang, target: Lang) -> MachineTranslation | None:
        return self._translate(text, source, target)
