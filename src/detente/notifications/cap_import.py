"""CAP 1.2 import: an alert from outside becomes an incident-report body.

The document is parsed safely and validated against the OASIS schema (``cap_schema``); an unsafe,
malformed or invalid document is refused with the reason. An alert that détente exported from an
incident report carries its body as the parameter ``detente:body`` and is read back exactly; any
other alert is mapped: the first ``<info>`` in one of the line's languages (in the order asked
for), its onset (or effective, or the alert's sent time), its polygons and circles, and its
headline, description and instruction with the alert's identity (and status other than Actual,
and the alerts it refers to) as the description. An alert that says where only by a description
or geocodes (a county's FIPS/SAME code…) is refused: without a gazetteer there is no position to
report, and an incident report needs one.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from .bidi import BIDI_CONTROLS
from .cap_schema import CAP_NS, parse_untrusted, schema_errors
from .common import format_utc
from .errors import CapImportError
from .geodesy import as_polygon
from .geometry import Circle
from .languages import LANGUAGES, Lang
from .problems import Problems
from .validation import ValidNotice, validate

__all__ = ["ImportedAlert", "from_cap"]

_NS: Final = {"cap": CAP_NS}
_MAX_DESCRIPTION: Final = 2000
_MAX_REFERENCES_TEXT: Final = 400


@dataclass(frozen=True)
class ImportedAlert:
    """A CAP alert read as an incident report."""

    notice: ValidNotice
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    language: str
    """The CAP language of the <info> used."""
    exact: bool
    """True when the body was read back from détente's own ``detente:body`` parameter."""

    @property
    def body(self) -> Mapping[str, Any]:
        return self.notice.body


def from_cap(data: bytes | str, *, prefer: Sequence[Lang] = LANGUAGES) -> ImportedAlert:
    """Read a CAP 1.2 alert as an incident-report body; CapImportError says why one is refused."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root = parse_untrusted(raw)
    problems = schema_errors(root)
    if problems:
        raise CapImportError("not a valid CAP 1.2 alert: " + "; ".join(problems[:5]))
    identifier = _text(root, "cap:identifier") or ""
    sender = _text(root, "cap:sender") or ""
    sent = _time(_text(root, "cap:sent") or "", "sent")
    status = _text(root, "cap:status") or ""
    msg_type = _text(root, "cap:msgType") or ""
    infos = root.findall("cap:info", _NS)
    if not infos:
        raise CapImportError(f"CAP alert {identifier} ({msg_type}) has no <info>: there is nothing to report")
    info, lang = _choose(infos, prefer, identifier)
    exact = _own_body(info)
    if exact is not None:
        notice = _validated(exact, identifier)
        return ImportedAlert(
            notice, identifier, sender, sent, status, msg_type, _text(info, "cap:language") or "", True
        )
    when = _text(info, "cap:onset") or _text(info, "cap:effective")
    source = f"CAP {msg_type} {identifier} — {sender}, {format_utc(sent)}"
    if status != "Actual":
        source += f" (status: {status})"
    references = " ".join((_text(root, "cap:references") or "").split())
    if references:
        if len(references) > _MAX_REFERENCES_TEXT:
            references = references[: _MAX_REFERENCES_TEXT - 1].rstrip() + "…"
        source += f"; refers to {_clean(references)}"
    body: dict[str, Any] = {
        "lang": lang,
        "type": "other",
        "time": format_utc(_time(when, "onset") if when else sent),
        "location": _location(info, identifier),
        "description": _description(info, source),
        "request": "none",
    }
    notice = _validated(body, identifier)
    return ImportedAlert(
        notice, identifier, sender, sent, status, msg_type, _text(info, "cap:language") or "en-US", False
    )


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, _NS)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _time(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        raise CapImportError(f"CAP <{what}> {text!r} is not a time") from None


def _choose(infos: list[etree._Element], prefer: Sequence[Lang], identifier: str) -> tuple[etree._Element, Lang]:
    by_lang: dict[str, etree._Element] = {}
    for info in infos:
        code = (_text(info, "cap:language") or "en-US").split("-")[0].lower()
        by_lang.setdefault(code, info)
    for lang in prefer:
        if lang in by_lang:
            return by_lang[lang], lang
    found = ", ".join(sorted(by_lang))
    raise CapImportError(f"CAP alert {identifier} has no <info> in tr, ar, en or ru (only {found})")


def _own_body(info: etree._Element) -> dict[str, Any] | None:
    kind = None
    for code in info.findall("cap:eventCode", _NS):
        if _text(code, "cap:valueName") == "detente:kind":
            kind = _text(code, "cap:value")
    if kind != "incident-report":
        return None
    for parameter in info.findall("cap:parameter", _NS):
        if _text(parameter, "cap:valueName") == "detente:body":
            try:
                value = json.loads(_text(parameter, "cap:value") or "")
            except ValueError:
                raise CapImportError("CAP parameter detente:body is not JSON") from None
            return value if isinstance(value, dict) else None
    return None


def _pairs(text: str, where: str) -> list[tuple[float, float]]:
    points = []
    for pair in text.split():
        try:
            lat, lon = (float(item) for item in pair.split(","))
        except ValueError:
            raise CapImportError(f"CAP {where}: {pair!r} is not a latitude,longitude pair") from None
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # (NaN fails this too)
            raise CapImportError(f"CAP {where}: {pair!r} is not a latitude and longitude on the Earth")
        points.append((lon, lat))
    return points


def _location(info: etree._Element, identifier: str) -> dict[str, Any]:
    polygons: list[list[tuple[float, float]]] = []
    circles: list[tuple[float, float, float]] = []
    names = []
    geocodes = []
    for index, area in enumerate(info.findall("cap:area", _NS), 1):
        names.append(_text(area, "cap:areaDesc") or "")
        for geocode in area.findall("cap:geocode", _NS):
            geocodes.append(f"{_text(geocode, 'cap:valueName') or ''} {_text(geocode, 'cap:value') or ''}".strip())
        for polygon in area.findall("cap:polygon", _NS):
            pairs = _pairs(polygon.text or "", f"area {index} polygon")
            if len(pairs) < 4:
                raise CapImportError(
                    f"CAP alert {identifier}: area {index} polygon has {len(pairs)} point(s); CAP 1.2 needs at "
                    "least 4, the first repeated as the last"
                )
            polygons.append(pairs)
        for circle in area.findall("cap:circle", _NS):
            circles.append(_circle(circle.text or "", f"area {index} circle"))
    if not polygons and len(circles) == 1:
        point: dict[str, Any] = {"type": "Point", "coordinates": [circles[0][0], circles[0][1]]}
        if circles[0][2] > 0:
            point["radius_km"] = circles[0][2]
        return point
    for lon, lat, radius in circles:
        shape = as_polygon(Circle(type="Point", coordinates=(lon, lat), radius_km=max(radius, 0.01)))
        polygons.append(_exterior(shape))
    if not polygons:
        described = "; ".join(name for name in names if name) or "none"
        coded = (
            f"; geocodes {', '.join(geocodes[:5])}{', …' if len(geocodes) > 5 else ''}, which détente cannot "
            "place without a gazetteer"
            if geocodes
            else ""
        )
        raise CapImportError(
            f"CAP alert {identifier} has no <polygon> or <circle>: an incident report needs a position "
            f"or an area (areas described: {described}{coded})"
        )
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": [[list(p) for p in polygons[0]]]}
    try:
        merged = shapely.unary_union([shapely.Polygon(p) for p in polygons])
    except shapely.errors.GEOSException as exc:
        raise CapImportError(
            f"CAP alert {identifier}: its {len(polygons)} polygons cannot be joined into one area ({exc}); "
            "check that none of them crosses itself"
        ) from None
    parts = list(getattr(merged, "geoms", [merged]))
    return {
        "type": "MultiPolygon",
        "coordinates": [[[list(point) for point in _exterior(part)]] for part in parts],
    }


def _circle(text: str, where: str) -> tuple[float, float, float]:
    centre, _, size = text.strip().partition(" ")
    centres = _pairs(centre, where)
    if len(centres) != 1:
        raise CapImportError(f"CAP {where} {text!r} is not 'latitude,longitude radius'")
    try:
        radius = float(size)
    except ValueError:
        raise CapImportError(f"CAP {where} radius {size!r} is not a number") from None
    lon, lat = centres[0]
    if not 0.0 <= radius <= 20_000.0:  # (NaN fails this too)
        raise CapImportError(f"CAP {where} radius {size!r} km is not between 0 and 20,000")
    return lon, lat, radius


def _exterior(shape: BaseGeometry) -> list[tuple[float, float]]:
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shape))
    return [(float(x), float(y)) for x, y in ring]


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text if ch in "\n\t" or (ch not in BIDI_CONTROLS and unicodedata.category(ch) not in ("Cc", "Cf"))
    )


def _description(info: etree._Element, source: str) -> str:
    parts = [_text(info, name) for name in ("cap:event", "cap:headline", "cap:description", "cap:instruction")]
    text = "\n".join(_clean(part) for part in parts if part)
    room = _MAX_DESCRIPTION - len(source) - 2
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"{text}\n{source}".strip()


def _validated(body: Mapping[str, Any], identifier: str) -> ValidNotice:
    result = validate("incident-report", dict(body), lang="en")
    if isinstance(result, Problems):
        raise CapImportError(f"CAP alert {identifier} does not make a valid incident report: {result.text()}")
    return result
