"""Where a notice's geometries lie, in words: the nearest town and place, and the border distance.

For each geometry of a notice: "12 km SE of Kilis" (the nearest town of ``TOWN_MIN_POPULATION``
people or more, from the packaged gazetteer), the nearest smaller place when one is nearer, and
how far the ground it covers lies from the land border of the line's two parties ("8.2 km from the
Syria–Türkiye border, in Türkiye"), in the reader's language. Distances and bearings are geodesic
(WGS-84); the bearing is the direction from the place to the geometry's reference point (a
point itself, the middle of a route, the latest position of a track, the centre of an area).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from .errors import UsageError
from .formatting import Formatter
from .gazetteer import PlaceBearing, gazetteer
from .geodata import atlas
from .geodesy import ground, nearest, notice_geometries, xy
from .geometry import Route
from .i18n import N_
from .languages import Lang, check_lang
from .validation import parse_body

__all__ = ["TOWN_MIN_POPULATION", "BorderDistance", "Whereabouts", "bearing_text", "whereabouts"]

TOWN_MIN_POPULATION = 10_000
"""A place this large is a town: the first reference given."""


@dataclass(frozen=True)
class BorderDistance:
    """How far a geometry's ground lies from the two parties' land border."""

    km: float
    """0 when it touches or crosses the border."""
    country: str | None
    """The country its reference point lies in (ISO alpha-2), if any of the region's."""
    text: str


@dataclass(frozen=True)
class Whereabouts:
    """Where one geometry of a notice lies."""

    path: str
    """The body field (``area``, ``route``, ``position``, ``track``)."""
    point: tuple[float, float]
    """Its reference point (lon, lat)."""
    town: PlaceBearing | None
    place: PlaceBearing | None
    """The nearest place of any size, when it is not the town and is nearer."""
    border: BorderDistance | None
    text: str
    """Everything above in one line, in the reader's language."""


def bearing_text(bearing: PlaceBearing, lang: Lang) -> str:
    """``12 km SE of Kilis`` in the reader's language (the place's name in it where known)."""
    fmt = Formatter(check_lang(lang))
    return fmt.t.format(
        N_("{km} {direction} of {place}"),
        km=fmt.km(bearing.km),
        direction=fmt.t.pgettext("bearing", bearing.compass),
        place=fmt.auto(bearing.place.name(lang)),
    )


def _reference(value: object, shape: BaseGeometry) -> tuple[float, float]:
    if isinstance(value, list):  # a track: its latest position
        latest = max(value, key=lambda item: item.time)
        return float(latest.position[0]), float(latest.position[1])
    if isinstance(value, Route):
        return xy(value.shape().interpolate(0.5, normalized=True))
    centre = shape.centroid
    return xy(centre if shape.covers(centre) else shape.representative_point())


def _border(
    shape: BaseGeometry, point: tuple[float, float], own: str, other: str, fmt: Formatter
) -> BorderDistance | None:
    data = atlas()
    if own not in data.countries or other not in data.countries:
        return None
    line = data.border(own, other)
    if line is None:
        return None
    here = shapely.Point(point)
    inside = next((code for code in (own, other) if data.countries[code].shape.covers(here)), None)
    a, b = sorted((fmt.t.pgettext("country", own), fmt.t.pgettext("country", other)))
    if shape.intersects(line):
        return BorderDistance(0.0, inside, fmt.t.format(N_("crosses the {a}–{b} border"), a=a, b=b))
    km = nearest(shape, line).km
    if inside is None:
        text = fmt.t.format(N_("{km} from the {a}–{b} border"), km=fmt.km(km), a=a, b=b)
    else:
        text = fmt.t.format(
            N_("{km} from the {a}–{b} border, in {country}"),
            km=fmt.km(km),
            a=a,
            b=b,
            country=fmt.t.pgettext("country", inside),
        )
    return BorderDistance(km, inside, text)


def whereabouts(kind: str, body: object, *, own: str, other: str, lang: Lang = "en") -> tuple[Whereabouts, ...]:
    """Where each geometry of a notice lies, for a reader of party ``own`` on a line with ``other``."""
    notice = parse_body(kind, body).notice
    fmt = Formatter(check_lang(lang))
    found: list[Whereabouts] = []
    places = None
    for name, _title, value in notice_geometries(notice):
        places = places or gazetteer()
        shape = ground(value)
        point = _reference(value, shape)
        town = places.nearest(*point, min_population=TOWN_MIN_POPULATION)
        place = places.nearest(*point)
        if place is not None and town is not None and (place.place == town.place or place.km >= town.km):
            place = None
        try:
            border = _border(shape, point, own, other, fmt)
        except UsageError:
            border = None
        parts = [bearing_text(item, lang) for item in (town, place) if item is not None]
        if border is not None:
            parts.append(border.text)
        text = parts[0] if parts else ""
        for part in parts[1:]:
            text = fmt.t.format(N_("{first}; {then}"), first=text, then=part)
        found.append(Whereabouts(name, point, town, place, border, text))
    return tuple(found)
