"""GeoJSON geometries (RFC 7946, WGS-84, [longitude, latitude]) as notifications carry them.

A circle is a GeoJSON Point with a ``radius_km`` member, a route a LineString with a
``corridor_km`` member (the distance either side of its centre line); both are GeoJSON foreign
members, so any GeoJSON reader still sees the point or the line. Polygons must be closed and
simple: a self-intersecting outline is refused with where it crosses itself (checked with
shapely). Each field of a notice names which shapes it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

import shapely
from pydantic import AfterValidator, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError
from shapely.geometry.base import BaseGeometry

from .common import Model, UtcTime, format_utc

__all__ = [
    "Area",
    "AreaOrRoute",
    "Circle",
    "Location",
    "MultiPolygon",
    "Point",
    "Polygon",
    "Position",
    "Route",
    "TrackPoint",
    "check_track",
    "positions",
]


def _longitude(value: float) -> float:
    if not -180.0 <= value <= 180.0:
        raise PydanticCustomError("longitude_range", "longitude out of range", {"value": value})
    return value


def _latitude(value: float) -> float:
    if not -90.0 <= value <= 90.0:
        raise PydanticCustomError("latitude_range", "latitude out of range", {"value": value})
    return value


Longitude = Annotated[
    float, AfterValidator(_longitude), WithJsonSchema({"type": "number", "minimum": -180, "maximum": 180})
]
Latitude = Annotated[
    float, AfterValidator(_latitude), WithJsonSchema({"type": "number", "minimum": -90, "maximum": 90})
]
Position = tuple[Longitude, Latitude]
"""A GeoJSON position: [longitude, latitude] in decimal degrees."""


def _closed(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if ring and ring[0] != ring[-1]:
        raise PydanticCustomError("ring_not_closed", "ring does not end where it starts")
    return ring


Ring = Annotated[list[Position], Field(min_length=4, max_length=2000), AfterValidator(_closed)]

_WHERE = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s+(-?[0-9.eE+-]+)")


def _check_valid(shape: BaseGeometry) -> None:
    """Refuse a polygon that crosses itself, whose holes are outside it, or that has no area."""
    reason = shapely.is_valid_reason(shape)
    if reason == "Valid Geometry":
        return
    where = _WHERE.search(reason)
    lon, lat = (float(where.group(1)), float(where.group(2))) if where else (float("nan"), float("nan"))
    context = {"lat": round(lat, 5), "lon": round(lon, 5)}
    if "Self-intersection" in reason:
        raise PydanticCustomError("self_intersection", "polygon crosses itself", context)
    if "Too few" in reason:
        raise PydanticCustomError("polygon_degenerate", "polygon has no area", context)
    raise PydanticCustomError("polygon_holes", "polygon holes are outside it or overlap", context)


class Point(Model):
    """A position; with ``radius_km`` it is a circle."""

    type: Literal["Point"] = Field(title="Shape")
    coordinates: Position = Field(title="Position")
    radius_km: float | None = Field(default=None, gt=0, le=500, title="Radius")

    def shape(self) -> BaseGeometry:
        return shapely.Point(self.coordinates)


class Circle(Point):
    """A circle: a Point with a radius (required)."""

    radius_km: float = Field(gt=0, le=500, title="Radius")


class Polygon(Model):
    """A polygon: an outline and optional holes, each a closed ring."""

    type: Literal["Polygon"] = Field(title="Shape")
    coordinates: list[Ring] = Field(min_length=1, max_length=20, title="Vertices")

    @field_validator("coordinates")
    @classmethod
    def _simple(cls, rings: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        _check_valid(shapely.Polygon(rings[0], rings[1:]))
        return rings

    def shape(self) -> BaseGeometry:
        return shapely.Polygon(self.coordinates[0], self.coordinates[1:])


class MultiPolygon(Model):
    """Several polygons that do not overlap."""

    type: Literal["MultiPolygon"] = Field(title="Shape")
    coordinates: list[Annotated[list[Ring], Field(min_length=1, max_length=20)]] = Field(
        min_length=1, max_length=20, title="Vertices"
    )

    @field_validator("coordinates")
    @classmethod
    def _simple(cls, parts: list[list[list[tuple[float, float]]]]) -> list[list[list[tuple[float, float]]]]:
        for part in parts:
            _check_valid(shapely.Polygon(part[0], part[1:]))
        _check_valid(shapely.MultiPolygon([(part[0], part[1:]) for part in parts]))
        return parts

    def shape(self) -> BaseGeometry:
        return shapely.MultiPolygon([(part[0], part[1:]) for part in self.coordinates])


class Route(Model):
    """A route: a line and the corridor either side of it."""

    type: Literal["LineString"] = Field(title="Shape")
    coordinates: list[Position] = Field(min_length=2, max_length=2000, title="Waypoints")
    corridor_km: float = Field(gt=0, le=100, title="Corridor either side")

    def shape(self) -> BaseGeometry:
        return shapely.LineString(self.coordinates)


Area = Annotated[Polygon | MultiPolygon | Circle, Field(discriminator="type")]
"""A polygon, several polygons, or a circle."""
AreaOrRoute = Annotated[Polygon | MultiPolygon | Circle | Route, Field(discriminator="type")]
"""An area, or a route with its corridor."""
Location = Annotated[Point | Polygon | MultiPolygon, Field(discriminator="type")]
"""A position (optionally with an uncertainty radius) or an area."""


class TrackPoint(Model):
    """One observed position of a track, with its time."""

    time: UtcTime = Field(title="Time")
    position: Position = Field(title="Position")
    altitude_ft: int | None = Field(default=None, ge=0, le=100_000, title="Altitude (ft AMSL)")


def check_track(points: list[TrackPoint]) -> list[TrackPoint]:
    """Refuse a track whose times go backwards."""
    for index in range(1, len(points)):
        if points[index].time < points[index - 1].time:
            raise PydanticCustomError(
                "track_order",
                "track times go backwards",
                {"index": index, "time": format_utc(points[index].time)},
            )
    return points


def positions(geometry: Point | Polygon | MultiPolygon | Route) -> Iterator[tuple[float, float]]:
    """Every vertex (lon, lat) of a geometry, closing points of rings left out."""
    if isinstance(geometry, Point):
        yield geometry.coordinates
    elif isinstance(geometry, Route):
        yield from geometry.coordinates
    elif isinstance(geometry, Polygon):
        for ring in geometry.coordinates:
            yield from ring[:-1]
    else:
        for part in geometry.coordinates:
            for ring in part:
                yield from ring[:-1]
