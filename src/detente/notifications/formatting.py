"""Formatting values for a reader: numbers, distances, durations, times, coordinates, altitudes.

Numbers follow the reader's locale (Babel), always in Latin digits so that figures read the same
on both sides of the line. Coordinates are decimal degrees with a point as the decimal mark (they
are copied into maps and other systems) and MGRS at one-metre precision. Times are shown in UTC
and, when the reader gives a time zone, in the reader's local time.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import mgrs  # type: ignore[import-untyped]
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

from .bidi import isolate_auto, isolate_ltr
from .common import Altitude, AltitudeBand, AltitudeUnit
from .errors import UsageError
from .i18n import N_, Translator
from .languages import Lang, babel_locale, check_lang

__all__ = ["Formatter", "format_mgrs", "reader_zone"]


def reader_zone(tz: str | ZoneInfo | None) -> ZoneInfo | None:
    """The reader's time zone from an IANA name such as ``Europe/Istanbul``; UsageError if unknown."""
    if tz is None or isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("Europe")
        raise UsageError(
            f"time zone {tz!r} is not an IANA time zone such as Europe/Istanbul or Asia/Damascus"
        ) from None


@functools.cache
def _converter() -> mgrs.MGRS:
    return mgrs.MGRS()


def format_mgrs(lon: float, lat: float) -> str:
    """The MGRS reference of a point at one-metre precision, spaced: ``37S CA 31623 65035``."""
    raw = _converter().toMGRS(lat, lon, MGRSPrecision=5)
    text = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
    digits = text[-10:]
    head = text[:-10]
    return f"{head[:-2]} {head[-2:]} {digits[:5]} {digits[5:]}".strip()


@dataclass(frozen=True)
class Formatter:
    """Formats values for one reader: a language and, optionally, a local time zone."""

    lang: Lang
    tz: ZoneInfo | None = None
    strict: bool = False
    t: Translator = field(init=False)

    def __post_init__(self) -> None:
        check_lang(self.lang)
        object.__setattr__(self, "t", Translator(self.lang, strict=self.strict))

    @property
    def rtl(self) -> bool:
        return self.lang == "ar"

    @property
    def locale(self) -> str:
        return babel_locale(self.lang)

    # --- tokens -------------------------------------------------------------------------------

    def ltr(self, token: str) -> str:
        """A left-to-right token (callsign, MGRS, code), isolated in right-to-left text."""
        return isolate_ltr(token, rtl_context=self.rtl)

    def auto(self, text: str) -> str:
        """A name or text of unknown direction, isolated where it could disturb the line."""
        return isolate_auto(text, rtl_context=self.rtl)

    def enum(self, value: StrEnum) -> str:
        return self.t.pgettext(type(value).__name__, value.value)

    def join(self, items: list[str]) -> str:
        if not items:
            return ""
        return format_list(items, style="standard", locale=self.locale)

    # --- numbers ------------------------------------------------------------------------------

    def number(self, value: float, *, digits: int = 0) -> str:
        if not math.isfinite(value) or abs(value) >= 1e15:  # (a peer's or a file's absurd number, said as it is)
            return self.ltr(f"{value:g}")
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return self.ltr(format_decimal(value, format=pattern, locale=self.locale, numbering_system="latn"))

    def km(self, value: float) -> str:
        digits = 1 if value < 100 else 0
        return self.t.format(N_("{value} km"), value=self.number(round(value, digits), digits=digits))

    def duration(self, span: timedelta) -> str:
        minutes = int(abs(span.total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = []
        if days:
            parts.append(self.t.format(N_("{days} d"), days=self.number(days)))
        if hours:
            parts.append(self.t.format(N_("{hours} h"), hours=self.number(hours)))
        if minutes or not parts:
            parts.append(self.t.format(N_("{minutes} min"), minutes=self.number(minutes)))
        return " ".join(parts)

    # --- times --------------------------------------------------------------------------------

    def _date(self, moment: datetime) -> str:
        return format_date(moment, "full", locale=self.locale)

    def _clock(self, moment: datetime) -> str:
        return self.ltr(moment.strftime("%H:%M:%S" if moment.second else "%H:%M"))

    def _local(self, moment: datetime) -> datetime | None:
        if self.tz is None:
            return None
        return moment.astimezone(self.tz)

    def _zone(self, moment: datetime) -> str:
        offset = moment.utcoffset() or timedelta(0)
        sign = "+" if offset >= timedelta(0) else "-"
        total = int(abs(offset.total_seconds()) // 60)
        zone = f"{moment.tzinfo}, UTC{sign}{total // 60:02d}:{total % 60:02d}"
        return self.ltr(zone)

    def time(self, moment: datetime) -> str:
        """``Thursday, 26 November 2026, 09:00 UTC (12:00 local time, Europe/Istanbul, UTC+03:00)``."""
        moment = moment.astimezone(UTC)
        text = self.t.format(N_("{date}, {time} UTC"), date=self._date(moment), time=self._clock(moment))
        local = self._local(moment)
        if local is None:
            return text
        when = self._clock(local)
        if local.date() != moment.date():
            when = self.t.format(N_("{date}, {time}"), date=self._date(local), time=when)
        return text + " (" + self.t.format(N_("{time} local time, {zone}"), time=when, zone=self._zone(local)) + ")"

    def window(self, start: datetime, end: datetime | None) -> str:
        """A time window, compact when it lies within one day."""
        start = start.astimezone(UTC)
        if end is None:
            return self.t.format(N_("from {start} until further notice"), start=self.time(start))
        end = end.astimezone(UTC)
        length = self.duration(end - start)
        local_start, local_end = self._local(start), self._local(end)
        same_day = start.date() == end.date() and (
            local_start is None or local_end is None or local_start.date() == local_end.date()
        )
        if not same_day:
            span = self.t.format(N_("{start} to {end}"), start=self.time(start), end=self.time(end))
            return f"{span} ({length})"
        text = self.t.format(
            N_("{date}, {start}–{end} UTC"),
            date=self._date(start),
            start=self._clock(start),
            end=self._clock(end),
        )
        if local_start is not None and local_end is not None:
            local = self.t.format(
                N_("{start}–{end} local time, {zone}"),
                start=self._clock(local_start),
                end=self._clock(local_end),
                zone=self._zone(local_start),
            )
            text += f" ({local})"
        return f"{text} ({length})"

    # --- places -------------------------------------------------------------------------------

    def coordinates(self, lon: float, lat: float) -> str:
        """Decimal degrees: ``36.71610° N, 37.11470° E`` (hemisphere letters translated)."""
        ns = self.t.pgettext("hemisphere", "N" if lat >= 0 else "S")
        ew = self.t.pgettext("hemisphere", "E" if lon >= 0 else "W")
        return self.t.format(
            N_("{lat}° {ns}, {lon}° {ew}"),
            lat=self.ltr(f"{abs(lat):.5f}"),
            ns=ns,
            lon=self.ltr(f"{abs(lon):.5f}"),
            ew=ew,
        )

    def position(self, lon: float, lat: float) -> str:
        """Decimal degrees and MGRS."""
        return self.t.format(
            N_("{coordinates} (MGRS {mgrs})"),
            coordinates=self.coordinates(lon, lat),
            mgrs=self.ltr(format_mgrs(lon, lat)),
        )

    # --- altitudes ----------------------------------------------------------------------------

    def altitude(self, altitude: Altitude) -> str:
        if altitude.unit == AltitudeUnit.FLIGHT_LEVEL:
            return self.t.format(
                N_("flight level {value} ({level})"),
                value=self.ltr(str(altitude.value)),
                level=self.ltr(f"FL{altitude.value:03d}"),
            )
        value = self.number(altitude.value)
        if altitude.unit == AltitudeUnit.FEET_AGL:
            return self.t.format(N_("{value} ft above ground level"), value=value)
        return self.t.format(N_("{value} ft above mean sea level"), value=value)

    def altitude_band(self, band: AltitudeBand) -> str:
        return self.t.format(N_("{lower} to {upper}"), lower=self.altitude(band.lower), upper=self.altitude(band.upper))
