"""Geodesic helpers: true distances on the WGS-84 ellipsoid, circles and corridors as polygons.

Distances are geodesic (pyproj.Geod). To find *where* two shapes come closest, both are projected
into an azimuthal equidistant projection centred on the first, where shapely finds the nearest
points; the distance reported is then the geodesic distance between those two points, which is
exact for the points found and within metres of the true minimum at the ranges this library deals
with (tens of kilometres).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pydantic import BaseModel
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .geometry import Circle, MultiPolygon, Point, Polygon, Route, TrackPoint

__all__ = [
    "GEOD",
    "LocalProjection",
    "Nearest",
    "as_polygon",
    "geodesic_km",
    "ground",
    "nearest",
    "notice_geometries",
    "xy",
]

GEOD = Geod(ellps="WGS84")


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in kilometres between two (lon, lat) points."""
    _, _, metres = GEOD.inv(a[0], a[1], b[0], b[1])
    return float(metres) / 1000.0


@dataclass(frozen=True)
class LocalProjection:
    """An azimuthal equidistant projection (metres) centred on one point."""

    lon: float
    lat: float

    @functools.cached_property
    def _forward(self) -> Transformer:
        return _transformer(round(self.lon, 4), round(self.lat, 4), True)

    @functools.cached_property
    def _inverse(self) -> Transformer:
        return _transformer(round(self.lon, 4), round(self.lat, 4), False)

    def project(self, shape: BaseGeometry) -> BaseGeometry:
        return _apply(self._forward, shape)

    def unproject(self, shape: BaseGeometry) -> BaseGeometry:
        return _apply(self._inverse, shape)

    @classmethod
    def around(cls, shape: BaseGeometry) -> LocalProjection:
        centre = shape.centroid if not shape.is_empty else shapely.Point(0, 0)
        return cls(float(centre.x), float(centre.y))


def _apply(transformer: Transformer, shape: BaseGeometry) -> BaseGeometry:
    def convert(coordinates: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(shape, convert)


@functools.lru_cache(maxsize=64)
def _transformer(lon: float, lat: float, forward: bool) -> Transformer:
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    return (
        Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
        if forward
        else Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    )


def as_polygon(geometry: Point | Circle | Polygon | MultiPolygon | Route, *, segments: int = 32) -> BaseGeometry:
    """The ground a geometry covers, in (lon, lat): circles and corridors become polygons.

    A point without a radius stays a point.
    """
    shape = geometry.shape()
    width_km = geometry.radius_km if isinstance(geometry, Point) else None
    if isinstance(geometry, Route):
        width_km = geometry.corridor_km
    if not width_km:
        return shape
    local = LocalProjection.around(shape)
    buffered = local.project(shape).buffer(width_km * 1000.0, quad_segs=max(segments // 4, 2))
    return local.unproject(buffered)


@dataclass(frozen=True)
class Nearest:
    """Where two shapes come closest: a point on each (lon, lat) and the geodesic distance."""

    here: tuple[float, float]
    there: tuple[float, float]
    km: float


def nearest(shape: BaseGeometry, other: BaseGeometry, *, local: LocalProjection | None = None) -> Nearest:
    """The nearest points of two (lon, lat) shapes and the geodesic distance between them."""
    local = local or LocalProjection.around(shape)
    a, b = nearest_points(local.project(shape), local.project(other))
    p, q = xy(local.unproject(a)), xy(local.unproject(b))
    return Nearest(here=p, there=q, km=geodesic_km(p, q))


def xy(point: BaseGeometry) -> tuple[float, float]:
    """The (x, y) of a point geometry."""
    x, y = shapely.get_coordinates(point)[0]
    return float(x), float(y)


def notice_geometries(
    notice: object,
) -> list[tuple[str, str, Point | Polygon | MultiPolygon | Route | list[TrackPoint]]]:
    """Every geometry field of a notice as (field name, English title, value), in field order."""
    found: list[tuple[str, str, Point | Polygon | MultiPolygon | Route | list[TrackPoint]]] = []
    if not isinstance(notice, BaseModel):
        return found
    for name, info in type(notice).model_fields.items():
        value = getattr(notice, name)
        if isinstance(value, Point | Polygon | MultiPolygon | Route):
            found.append((name, info.title or name, value))
        elif isinstance(value, list) and value and all(isinstance(item, TrackPoint) for item in value):
            found.append((name, info.title or name, value))
    return found


def ground(value: Point | Polygon | MultiPolygon | Route | list[TrackPoint]) -> BaseGeometry:
    """The ground a geometry field covers (lon, lat); a track is its points."""
    if isinstance(value, list):
        return shapely.MultiPoint([item.position for item in value])
    return as_polygon(value)
