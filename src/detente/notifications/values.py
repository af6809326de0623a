"""How each type of value in a notification reads in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from .common import Altitude, AltitudeBand, Contact, Display, Model, Period, Reference, TimeWindow
from .formatting import Formatter
from .geometry import MultiPolygon, Point, Polygon, Route, TrackPoint
from .i18n import N_
from .kinds.air_defence import AirDefenceUnit
from .kinds.flight import Aircraft
from .kinds.humanitarian import VehicleGroup

__all__ = ["MAX_VERTICES", "display_of", "format_geometry", "format_value"]

MAX_VERTICES: Final = 40
"""Vertices listed in full; beyond that the rendering says how many more there are."""


def format_value(value: object, display: Display | None, fmt: Formatter) -> str:
    """The text of one field value (lines separated by newlines)."""
    if isinstance(value, list):
        items = [format_value(item, display, fmt) for item in value]
        if value and isinstance(value[0], Model) and not isinstance(value[0], Reference):
            if isinstance(value[0], TrackPoint):
                return "\n".join(f"{index}. {item}" for index, item in enumerate(items, 1))
            return "\n".join(items)
        return fmt.join(items)
    if isinstance(value, StrEnum):
        return fmt.enum(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, float):
        return fmt.km(value) if display is not None and display.style == "km" else fmt.number(value, digits=3)
    if isinstance(value, str):
        return fmt.ltr(value) if display is not None and display.style == "ltr" else fmt.auto(value)
    if isinstance(value, datetime):
        return fmt.time(value)
    if isinstance(value, TimeWindow | Period):
        return fmt.window(value.start, value.end)
    if isinstance(value, AltitudeBand):
        return fmt.altitude_band(value)
    if isinstance(value, Altitude):
        return fmt.altitude(value)
    if isinstance(value, Point | Polygon | MultiPolygon | Route):
        return format_geometry(value, fmt)
    if isinstance(value, Model):
        formatter = _FORMATTERS.get(type(value))
        return formatter(value, fmt) if formatter is not None else _generic(value, fmt)
    raise TypeError(f"no formatter for {type(value).__name__}")  # a kind uses a type added without one


def display_of(annotation: Any, metadata: list[Any] | None = None) -> Display | None:
    """The Display marker of a field, looked for in its metadata and in its (nested) Annotated type."""
    for item in metadata or ():
        if isinstance(item, Display):
            return item
    for item in getattr(annotation, "__metadata__", ()):
        if isinstance(item, Display):
            return item
    for arg in getattr(annotation, "__args__", ()) or ():
        found = display_of(arg)
        if found is not None:
            return found
    return None


def _generic(value: Model, fmt: Formatter) -> str:
    """A sub-model without its own formatter: ``Label: value; Label: value``."""
    parts = []
    for name, info in type(value).model_fields.items():
        item = getattr(value, name)
        if item is None:
            continue
        text = format_value(item, display_of(info.annotation, info.metadata), fmt)
        parts.append(fmt.t.format(N_("{label}: {value}"), label=fmt.t.gettext(info.title or name), value=text))
    return "; ".join(parts)


def format_geometry(geometry: Point | Polygon | MultiPolygon | Route, fmt: Formatter) -> str:
    t = fmt.t
    if isinstance(geometry, Point):
        where = fmt.position(*geometry.coordinates)
        if geometry.radius_km is None:
            return where
        return t.format(
            N_("circle of radius {radius} around {position}"), radius=fmt.km(geometry.radius_km), position=where
        )
    if isinstance(geometry, Route):
        head = t.format(
            N_("route, {corridor} either side of the centre line; waypoints: {count}"),
            corridor=fmt.km(geometry.corridor_km),
            count=fmt.number(len(geometry.coordinates)),
        )
        return head + "\n" + _vertex_lines(list(geometry.coordinates), fmt)
    if isinstance(geometry, Polygon):
        return _polygon(geometry.coordinates, fmt)
    parts = [
        t.format(N_("part {number}: {polygon}"), number=fmt.number(index), polygon=_polygon(part, fmt))
        for index, part in enumerate(geometry.coordinates, 1)
    ]
    head = t.format(N_("several polygons; parts: {count}"), count=fmt.number(len(geometry.coordinates)))
    return head + "\n" + "\n".join(parts)


def _polygon(rings: list[list[tuple[float, float]]], fmt: Formatter) -> str:
    outline = rings[0][:-1]
    text = fmt.t.format(N_("polygon; vertices: {count}"), count=fmt.number(len(outline)))
    text += "\n" + _vertex_lines(outline, fmt)
    for number, hole in enumerate(rings[1:], 1):
        text += "\n" + fmt.t.format(N_("excluded area {number}:"), number=fmt.number(number))
        text += "\n" + _vertex_lines(hole[:-1], fmt)
    return text


def _vertex_lines(points: list[tuple[float, float]], fmt: Formatter) -> str:
    lines = [
        f"  {fmt.number(index)}. {fmt.position(lon, lat)}" for index, (lon, lat) in enumerate(points[:MAX_VERTICES], 1)
    ]
    if len(points) > MAX_VERTICES:
        lines.append(
            "  " + fmt.t.format(N_("… further vertices: {count}"), count=fmt.number(len(points) - MAX_VERTICES))
        )
    return "\n".join(lines)


def _aircraft(value: Aircraft, fmt: Formatter) -> str:
    text = fmt.t.format(N_("{count} × {what}"), count=fmt.number(value.count), what=fmt.enum(value.category))
    return f"{text} ({fmt.auto(value.model)})" if value.model else text


def _air_defence_unit(value: AirDefenceUnit, fmt: Formatter) -> str:
    text = fmt.enum(value.system)
    if value.count is not None:
        text = fmt.t.format(N_("{count} × {what}"), count=fmt.number(value.count), what=text)
    return f"{text} ({fmt.auto(value.model)})" if value.model else text


def _vehicles(value: VehicleGroup, fmt: Formatter) -> str:
    return fmt.t.format(N_("{count} × {what}"), count=fmt.number(value.count), what=fmt.enum(value.type))


def _contact(value: Contact, fmt: Formatter) -> str:
    parts = [fmt.auto(value.name)]
    if value.phone:
        parts.append(fmt.t.format(N_("telephone {number}"), number=fmt.ltr(value.phone)))
    if value.radio:
        parts.append(fmt.t.format(N_("radio {channel}"), channel=fmt.auto(value.radio)))
    return fmt.join(parts)


def _reference(value: Reference, fmt: Formatter) -> str:
    return fmt.t.format(N_("{relation}: message {id}"), relation=fmt.enum(value.relation), id=fmt.ltr(value.id))


def _track_point(value: TrackPoint, fmt: Formatter) -> str:
    time, position = fmt.time(value.time), fmt.position(*value.position)
    if value.altitude_ft is None:
        return fmt.t.format(N_("{time} — {position}"), time=time, position=position)
    altitude = fmt.t.format(N_("{value} ft above mean sea level"), value=fmt.number(value.altitude_ft))
    return fmt.t.format(N_("{time} — {position}, {altitude}"), time=time, position=position, altitude=altitude)


_FORMATTERS: dict[type[Model], Callable[[Any, Formatter], str]] = {
    Aircraft: _aircraft,
    AirDefenceUnit: _air_defence_unit,
    VehicleGroup: _vehicles,
    Contact: _contact,
    Reference: _reference,
    TrackPoint: _track_point,
}
