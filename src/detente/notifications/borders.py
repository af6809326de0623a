"""Border advice on compose: does an area cross into the other party's territory, or come near it?

Advice, never a refusal: the operator decides. Distances are geodesic (WGS-84) from the packaged
Natural Earth 1:10m borders (see ``geodata``), good to a few hundred metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .formatting import Formatter
from .geodata import Atlas, atlas
from .geodesy import LocalProjection, geodesic_km, ground, nearest, notice_geometries, xy
from .i18n import N_
from .languages import Lang, check_lang
from .validation import parse_body

__all__ = ["DEFAULT_WITHIN_KM", "BorderAdvice", "border_advice"]

DEFAULT_WITHIN_KM = 10.0
"""Areas closer than this to the other party's border are reported."""

_DEPTH_STEP_M = 250.0


@dataclass(frozen=True)
class BorderAdvice:
    """One observation about where a geometry of the notice lies."""

    path: str
    """The body field (``area``, ``safety_area``, ``track``)."""
    code: Literal["enters", "inside", "near"]
    """``enters``: partly across the border; ``inside``: wholly in that country; ``near``: within
    the distance asked for, on this side."""
    country: str
    """The country entered or approached (ISO alpha-2)."""
    km: float
    """``enters``/``inside``: how far into that country it reaches; ``near``: its distance from it."""
    point: tuple[float, float]
    """(lon, lat) where that distance is measured: the deepest point inside, or the nearest point
    of the border."""
    message: str
    """The advice in the operator's language."""


def border_advice(
    kind: str,
    body: object,
    *,
    own: str,
    other: str,
    within_km: float = DEFAULT_WITHIN_KM,
    lang: Lang = "en",
) -> tuple[BorderAdvice, ...]:
    """Advice for every geometry of a notice composed by party ``own`` for party ``other``.

    ``own`` and ``other`` are ISO alpha-2 codes (``TR``, ``SY``). Reports each geometry that
    enters the other party's (or a third country's) territory, and each that lies within
    ``within_km`` of the other party's territory.
    """
    notice = parse_body(kind, body).notice
    fmt = Formatter(check_lang(lang))
    geometries = list(notice_geometries(notice))
    if not geometries:
        return ()  # nothing on the map: the border data (slow to load) is not needed
    data = atlas()
    data.country(own), data.country(other)
    advice: list[BorderAdvice] = []
    for name, title, value in geometries:
        shape = ground(value)
        label = fmt.t.gettext(title)
        advice.extend(_check(data, name, label, shape, own, other, within_km, fmt))
    return tuple(advice)


def _check(
    data: Atlas, path: str, label: str, shape: BaseGeometry, own: str, other: str, within_km: float, fmt: Formatter
) -> list[BorderAdvice]:
    found: list[BorderAdvice] = []
    local = LocalProjection.around(shape)
    entered = False
    for code, country in data.countries.items():
        if code == own or not shape.intersects(country.shape):
            continue
        entered = entered or code == other
        reference = data.border(own, code)
        reference = reference if reference is not None else country.shape.boundary
        part = shape.intersection(country.shape)
        km, point = _depth(part, reference, local)
        inside = shape.difference(country.shape.buffer(1e-9)).is_empty
        template = (
            N_("{field}: lies inside the territory of {country}, {km} from its border")
            if inside
            else N_("{field}: extends {km} into the territory of {country}")
        )
        message = fmt.t.format(template, field=label, country=_country(fmt, code), km=fmt.km(km))
        found.append(BorderAdvice(path, "inside" if inside else "enters", code, km, point, message))
    if entered:
        return found
    border = data.border(own, other)
    reference = border if border is not None else data.country(other).shape.boundary
    lon_pad = within_km / 80.0 + 0.05
    minx, miny, maxx, maxy = shape.bounds
    nearby = shapely.clip_by_rect(reference, minx - lon_pad, miny - lon_pad, maxx + lon_pad, maxy + lon_pad)
    if nearby.is_empty:
        return found
    closest = nearest(shape, nearby, local=local)
    if closest.km > within_km:
        return found
    if border is not None:
        message = fmt.t.format(
            N_("{field}: lies {km} from the {a}–{b} border; nearest border point {position}"),
            field=label,
            km=fmt.km(closest.km),
            a=_country(fmt, other),
            b=_country(fmt, own),
            position=fmt.position(*closest.there),
        )
    else:
        message = fmt.t.format(
            N_("{field}: lies {km} from the territory of {country}; nearest point {position}"),
            field=label,
            km=fmt.km(closest.km),
            country=_country(fmt, other),
            position=fmt.position(*closest.there),
        )
    found.append(BorderAdvice(path, "near", other, closest.km, closest.there, message))
    return found


def _depth(part: BaseGeometry, reference: BaseGeometry, local: LocalProjection) -> tuple[float, tuple[float, float]]:
    """How far the part reaches from the reference line (km), and the (lon, lat) where it does."""
    projected = local.project(part)
    line = local.project(reference)
    dense = shapely.segmentize(projected, _DEPTH_STEP_M) if projected.geom_type != "MultiPoint" else projected
    coordinates = shapely.get_coordinates(dense)
    distances = shapely.distance(shapely.points(coordinates), line)
    deepest = shapely.Point(coordinates[int(np.argmax(distances))])
    where = xy(local.unproject(deepest))
    there = xy(local.unproject(nearest_points(deepest, line)[1]))
    return geodesic_km(where, there), where


def _country(fmt: Formatter, code: str) -> str:
    return fmt.t.pgettext("country", code)
