"""CAP 1.2 export: any notification as an OASIS Common Alerting Protocol alert.

One ``<info>`` per language (tr, ar, en, ru), each rendered from the catalogues; the sender's
canonical body rides along as the parameter ``detente:body`` so that a détente importer can read
it back exactly. Areas become ``<polygon>`` (outlines; CAP has no holes) or ``<circle>``; a route
becomes the polygon of its corridor; a track becomes a circle of radius 0 per point.
References map to ``<references>`` and set ``msgType``: Cancel if any reference cancels, Update if
any updates, else Alert.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from ..invisible import shown_value
from ..protocol.envelope import Precedence
from ..protocol.ids import is_uuid7
from ..protocol.timestamps import parse_time
from .bidi import invisible_notice
from .cap_schema import CAP_NS
from .common import AltitudeBand, Relation
from .errors import UsageError
from .formatting import Formatter
from .geodesy import as_polygon, notice_geometries
from .geometry import MultiPolygon, Point, Polygon, Route, TrackPoint
from .languages import LANGUAGES, Lang
from .render import render
from .validation import parse_body

__all__ = ["CapStatus", "ReferencedMessage", "cap_time", "to_cap"]

CapStatus = Literal["Actual", "Exercise", "System", "Test", "Draft"]

_URGENCY: Final = {
    Precedence.FLASH: "Immediate",
    Precedence.IMMEDIATE: "Immediate",
    Precedence.PRIORITY: "Expected",
    Precedence.ROUTINE: "Future",
}
_FORBIDDEN = set(" ,<&")


@dataclass(frozen=True)
class ReferencedMessage:
    """What CAP needs to name an earlier message: its sender and when it was sent."""

    id: str
    sender: str
    sent: datetime


def cap_time(moment: datetime) -> str:
    """CAP's time form: seconds and a numeric offset, ``2026-11-26T09:00:00+00:00``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _moment(value: datetime | str, what: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise UsageError(f"{what} must be timezone-aware")
        return value
    try:
        return datetime.fromtimestamp(parse_time(value), UTC)
    except ValueError as exc:
        raise UsageError(f"{what}: {exc}") from None


def _token(value: str, what: str) -> str:
    if not value or _FORBIDDEN & set(value):
        raise UsageError(f"CAP {what} {value!r} must be non-empty without spaces, commas, < or &")
    return value


def to_cap(
    kind: str,
    body: object,
    *,
    identifier: str,
    sender: str,
    sent: datetime | str,
    recipient: str | None = None,
    status: CapStatus = "Actual",
    precedence: Precedence | None = None,
    referenced: Mapping[str, ReferencedMessage] | None = None,
    sender_name: str | None = None,
    tz: str | None = None,
) -> bytes:
    """The notification as a CAP 1.2 alert (UTF-8 XML bytes, valid against the OASIS schema).

    ``identifier`` is the message id, ``sender`` and ``recipient`` the station ids, ``sent`` the
    envelope's ``created``. References are named with ``referenced`` when given; otherwise a reply
    is taken to answer a message of the recipient, and an update or cancellation to concern one of
    the sender's own, sent at the time its UUIDv7 id carries.

    Invisible and direction-changing characters in the body (a peer's station can sign anything)
    are exported as ``⟨U+202E⟩`` (:mod:`detente.invisible`), in the rendered text and in
    ``detente:body`` alike; each ``<info>`` then says so in its language at the head of its
    ``<description>`` and carries the parameter ``detente:invisible-characters`` = ``true``. The
    signed body itself is in the ledger and its evidence bundles.
    """
    invisible = False
    if isinstance(body, dict):
        body, invisible = shown_value(body)
    notice = parse_body(kind, body)
    model = notice.notice
    sent_at = _moment(sent, "sent")
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    sub = _sub
    relations = {ref.relation for ref in model.references or ()}
    msg_type = "Cancel" if Relation.CANCEL in relations else "Update" if Relation.UPDATE in relations else "Alert"
    sub(alert, "identifier", _token(identifier, "identifier"))
    sub(alert, "sender", _token(sender, "sender"))
    sub(alert, "sent", cap_time(sent_at))
    sub(alert, "status", status)
    sub(alert, "msgType", msg_type)
    if recipient is not None:
        sub(alert, "scope", "Private")
        sub(alert, "addresses", _token(recipient, "recipient"))
    else:
        sub(alert, "scope", "Restricted")
        sub(alert, "restriction", "For the parties to this crisis line only")
    sub(alert, "code", "detente:1")
    if model.references:
        names = []
        for ref in model.references:
            names.append(_reference(ref.id, ref.relation, sender, recipient, referenced or {}))
        sub(alert, "references", " ".join(names))

    activity = model.activity()
    onset = activity[0] if activity else model.event_time()
    expires = activity[1] if activity else None
    band = getattr(model, "altitude", None)
    body_text = json.dumps(notice.body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    urgency = _URGENCY[precedence or notice.precedence]
    for lang in LANGUAGES:
        rendering = render(kind, notice, lang=lang, tz=tz)
        info = sub(alert, "info")
        sub(info, "language", lang)
        sub(info, "category", notice.spec.cap.category)
        sub(info, "event", rendering.title)
        sub(info, "urgency", urgency)
        sub(info, "severity", notice.spec.cap.severity)
        sub(info, "certainty", notice.spec.cap.certainty)
        code = sub(info, "eventCode")
        sub(code, "valueName", "detente:kind")
        sub(code, "value", kind)
        sub(info, "effective", cap_time(sent_at))
        if onset is not None:
            sub(info, "onset", cap_time(onset))
        if expires is not None:
            sub(info, "expires", cap_time(expires))
        if sender_name:
            sub(info, "senderName", sender_name)
        headline = rendering.title
        if rendering.fields and not rendering.fields[0].original:
            headline += ": " + rendering.fields[0].value.split("\n")[0]
        sub(info, "headline", headline[:160])
        description = rendering.text()
        sub(info, "description", f"{invisible_notice(lang)}\n{description}" if invisible else description)
        parameter = sub(info, "parameter")
        sub(parameter, "valueName", "detente:body")
        sub(parameter, "value", body_text)
        if invisible:
            flag = sub(info, "parameter")
            sub(flag, "valueName", "detente:invisible-characters")
            sub(flag, "value", "true")
        _areas(info, model, lang, band)
    return bytes(etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _reference(
    message_id: str,
    relation: Relation,
    sender: str,
    recipient: str | None,
    referenced: Mapping[str, ReferencedMessage],
) -> str:
    known = referenced.get(message_id)
    if known is not None:
        return f"{_token(known.sender, 'reference sender')},{message_id},{cap_time(known.sent)}"
    author = recipient if relation == Relation.REPLY else sender
    if author is None:
        raise UsageError(f"reply to {message_id}: give recipient= or referenced= to name its sender in CAP")
    if not is_uuid7(message_id):
        raise UsageError(f"reference {message_id!r} is not a message id")
    millis = int(message_id.replace("-", "")[:12], 16)
    return f"{author},{message_id},{cap_time(datetime.fromtimestamp(millis / 1000, UTC))}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _areas(info: etree._Element, model: object, lang: Lang, band: object) -> None:
    """One <area> per geometry field; the altitude band (feet AMSL) goes with the flight area."""
    fmt = Formatter(lang)
    for name, title, value in notice_geometries(model):
        area = _sub(info, "area")
        _sub(area, "areaDesc", fmt.t.gettext(title))
        for polygon in _polygons(value):
            _sub(area, "polygon", polygon)
        for circle in _circles(value):
            _sub(area, "circle", circle)
        if isinstance(band, AltitudeBand) and name == "area":
            low, high = band.lower.approximate_feet(), band.upper.approximate_feet()
            if low is not None and high is not None:
                _sub(area, "altitude", str(low))
                _sub(area, "ceiling", str(high))


def _num(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _ring(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in points)


def _polygons(value: Point | Polygon | MultiPolygon | Route | list[TrackPoint]) -> list[str]:
    if isinstance(value, Polygon):
        return [_ring(value.coordinates[0])]
    if isinstance(value, MultiPolygon):
        return [_ring(part[0]) for part in value.coordinates]
    if isinstance(value, Route):
        shape: BaseGeometry = as_polygon(value)
        ring = shapely.get_coordinates(shapely.get_exterior_ring(shape))
        return [_ring([(float(x), float(y)) for x, y in ring])]
    return []


def _circles(value: Point | Polygon | MultiPolygon | Route | list[TrackPoint]) -> list[str]:
    if isinstance(value, Point):
        lon, lat = value.coordinates
        return [f"{_num(lat)},{_num(lon)} {_num(value.radius_km or 0.0)}"]
    if isinstance(value, list):
        return [f"{_num(point.position[1])},{_num(point.position[0])} 0" for point in value]
    return []
