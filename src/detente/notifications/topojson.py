"""A small TopoJSON reader (https://github.com/topojson/topojson-specification).

Only what the border data needs: quantized, delta-encoded arcs; Polygon and MultiPolygon
geometries; cutting a topology down to some of its geometries; and the arcs two geometries share,
which in a topology built from country polygons (as world-atlas is) are exactly their common land
border.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["decode_arcs", "dump_topology", "geometry_arcs", "polygons", "shared_arcs", "subset"]

Coordinates = list[tuple[float, float]]


def decode_arcs(topology: Mapping[str, Any]) -> list[Coordinates]:
    """Every arc as absolute (lon, lat) positions (applying the transform, if quantized)."""
    transform = topology.get("transform")
    arcs: list[Coordinates] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indices: Sequence[int], arcs: Sequence[Coordinates]) -> Coordinates:
    ring: Coordinates = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def polygons(geometry: Mapping[str, Any], arcs: Sequence[Coordinates]) -> list[list[Coordinates]]:
    """The polygons (each a list of rings) of a Polygon or MultiPolygon geometry object."""
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        parts = geometry["arcs"]
    else:
        raise ValueError(f"TopoJSON geometry type {kind!r} is not a polygon")
    return [[_ring(ring, arcs) for ring in part] for part in parts]


def geometry_arcs(geometry: Mapping[str, Any]) -> set[int]:
    """The (non-negative) indices of every arc a polygon geometry uses."""
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    return {index if index >= 0 else ~index for part in parts for ring in part for index in ring}


def shared_arcs(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[int]:
    """Arcs used by both geometries: their common boundary."""
    return sorted(geometry_arcs(a) & geometry_arcs(b))


def subset(topology: Mapping[str, Any], objects: str, keep: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A topology holding only the given geometries of ``objects`` and the arcs they use.

    ``keep`` are replacement geometry objects (same ``type`` and ``arcs`` as in the source, with
    whatever ``id`` and ``properties`` the caller wants); arcs keep their source order.
    """
    kept = list(keep)
    used = sorted(set().union(*(geometry_arcs(geometry) for geometry in kept)))
    renumber = {old: new for new, old in enumerate(used)}

    def remap(index: int) -> int:
        return renumber[index] if index >= 0 else ~renumber[~index]

    geometries = []
    for geometry in kept:
        parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        mapped = [[[remap(index) for index in ring] for ring in part] for part in parts]
        out = dict(geometry)
        out["arcs"] = mapped[0] if geometry["type"] == "Polygon" else mapped
        geometries.append(out)
    result: dict[str, Any] = {"type": "Topology"}
    if "transform" in topology:
        result["transform"] = topology["transform"]
    result["objects"] = {objects: {"type": "GeometryCollection", "geometries": geometries}}
    result["arcs"] = [topology["arcs"][index] for index in used]
    return result


def dump_topology(topology: Mapping[str, Any]) -> str:
    """Deterministic text for a topology: compact, one arc per line (readable diffs)."""
    head = {key: value for key, value in topology.items() if key != "arcs"}
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    arcs = ",\n".join(json.dumps(arc, separators=(",", ":")) for arc in topology["arcs"])
    return text[:-1] + ',"arcs":[\n' + arcs + "\n]}\n"
