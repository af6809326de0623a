"""CAP 1.2: every kind exports to a schema-valid alert; alerts import as incident reports, safely."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from detente.notifications import LANGUAGES, CapImportError, ReferencedMessage, from_cap, to_cap
from detente.notifications.cap_schema import CAP_NS, parse_untrusted, schema_errors

from .conftest import DATA, KINDS, load_example, valid

NS = {"cap": CAP_NS}
MESSAGE_ID = "01a216a7-6980-7d11-8a3b-0f6e5d4c3b2a"
REQUEST_ID = "01a21753-12d0-7c2e-9a41-5d8e2f0b7c31"


def export(kind: str, body: object | None = None, **options: object) -> etree._Element:
    data = to_cap(
        kind,
        body if body is not None else valid(kind, load_example(kind)).body,
        identifier=MESSAGE_ID,
        sender="TR-ANKARA",
        sent="2026-11-26T07:00:00.000Z",
        recipient="SY-DAMASCUS",
        **options,  # type: ignore[arg-type]
    )
    root = parse_untrusted(data)
    assert schema_errors(root) == []
    return root


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_exports_valid_cap(kind: str) -> None:
    root = export(kind)
    infos = root.findall("cap:info", NS)
    assert [info.findtext("cap:language", namespaces=NS) for info in infos] == list(LANGUAGES)
    assert root.findtext("cap:msgType", namespaces=NS) == ("Alert" if kind != "clarification-response" else "Alert")
    for info in infos:
        assert info.findtext("cap:eventCode/cap:value", namespaces=NS) == kind
        assert info.findtext("cap:description", namespaces=NS)


def test_areas_become_polygons_and_circles() -> None:
    fire = export("fire-notice")
    areas = fire.findall("cap:info[1]/cap:area", NS)
    assert [area.findtext("cap:areaDesc", namespaces=NS) for area in areas] == [
        "Düşme bölgesi",
        "Emniyet bölgesi",
        "Atış mevzii",
    ]
    assert areas[0].findtext("cap:polygon", namespaces=NS) == ("36.4,37.1 36.4,37.2 36.45,37.2 36.45,37.1 36.4,37.1")
    assert areas[2].findtext("cap:circle", namespaces=NS) == "36.25,37.15 0"
    incident = export("incident-report")
    assert incident.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "36.712,38.947 0.3"
    flight = export("flight-notice")
    area = flight.find("cap:info/cap:area", NS)
    assert area is not None
    polygon = area.findtext("cap:polygon", namespaces=NS) or ""
    points = polygon.split()
    assert len(points) > 10 and points[0] == points[-1]
    assert (area.findtext("cap:altitude", namespaces=NS), area.findtext("cap:ceiling", namespaces=NS)) == (
        "15000",
        "25000",
    )
    track = export("clarification-request")
    assert len(track.findall("cap:info[1]/cap:area/cap:circle", NS)) == 3


def test_references_set_msg_type() -> None:
    response = export("clarification-response")
    assert response.findtext("cap:references", namespaces=NS) == (
        f"SY-DAMASCUS,{REQUEST_ID},{'2026-11-26T10:07:30+00:00'}"
    )
    body = dict(valid("flight-notice", load_example("flight-notice")).body)
    body["references"] = [{"id": REQUEST_ID, "relation": "update"}]
    known = {
        REQUEST_ID: ReferencedMessage(
            REQUEST_ID,
            "TR-ANKARA",
            __import__("datetime").datetime(2026, 11, 26, 6, 0, tzinfo=__import__("datetime").UTC),
        )
    }
    update = export("flight-notice", body, referenced=known)
    assert update.findtext("cap:msgType", namespaces=NS) == "Update"
    assert update.findtext("cap:references", namespaces=NS) == f"TR-ANKARA,{REQUEST_ID},2026-11-26T06:00:00+00:00"
    body["references"] = [{"id": REQUEST_ID, "relation": "cancel"}]
    assert export("flight-notice", body).findtext("cap:msgType", namespaces=NS) == "Cancel"


def test_own_incident_report_comes_back_exactly() -> None:
    body = valid("incident-report", load_example("incident-report")).body
    imported = from_cap(
        to_cap("incident-report", body, identifier=MESSAGE_ID, sender="TR-ANKARA", sent="2026-11-26T04:00:00.000Z")
    )
    assert imported.exact and imported.body == body
    assert (imported.identifier, imported.sender, imported.msg_type) == (MESSAGE_ID, "TR-ANKARA", "Alert")


def test_import_turkish_earthquake_alert_with_circle() -> None:
    imported = from_cap((DATA / "cap" / "earthquake-tr-en-circle.xml").read_bytes())
    body = imported.body
    assert (imported.language, body["lang"], body["type"], body["request"]) == ("tr-TR", "tr", "other", "none")
    assert body["time"] == "2026-11-26T01:17:32Z"
    assert body["location"] == {"type": "Point", "coordinates": [37.22, 36.65], "radius_km": 40.0}
    assert body["description"].startswith("Deprem\nKilis merkezli 4,9 büyüklüğünde deprem")
    assert body["description"].endswith(
        "CAP Alert TR-AFET-2026-11-26-0417 — uyari@afet.example.gov.tr, 2026-11-26T01:21:10Z"
    )
    assert from_cap((DATA / "cap" / "earthquake-tr-en-circle.xml").read_bytes(), prefer=("en",)).body["lang"] == "en"


def test_import_update_with_several_polygons() -> None:
    imported = from_cap((DATA / "cap" / "border-closure-update-en-polygons.xml").read_bytes())
    assert imported.msg_type == "Update" and imported.body["lang"] == "en"
    location = imported.body["location"]
    assert location["type"] == "MultiPolygon" and len(location["coordinates"]) == 3
    vertices = [point for part in location["coordinates"] for point in part[0]]
    assert [36.66, 36.23] in vertices and [37.05, 36.6] in vertices
    assert "references" not in imported.body  # external identifiers are not détente message ids
    assert imported.body["time"] == "2026-11-27T09:40:00Z"


def test_import_arabic_point() -> None:
    imported = from_cap((DATA / "cap" / "shelling-ar-point.xml").read_bytes())
    assert imported.body["location"] == {"type": "Point", "coordinates": [38.96, 36.65]}
    assert imported.body["lang"] == "ar"
    assert "&" in imported.body["description"]


OASIS = {
    "oasis-cap12-example1-homeland-security-advisory.xml": (
        "d1dceac71450af12b43d5a9a0cabc7c3f100201fb81ff32b166b0e6dd4c78d49"
    ),
    "oasis-cap12-example2-severe-thunderstorm-warning.xml": (
        "a81f20fafb156772119975a0376e64f47c7027447a80571dbadaf6a15911f71d"
    ),
    "oasis-cap12-example3-earthquake-report-update.xml": (
        "d021268c51459ae96de61ac370c2d01606c73a049513815f6d1b27973153eeaa"
    ),
    "oasis-cap12-example4-amber-alert-en-es.xml": "76bbc53a7887c561d70a545083c956721b046fcb054e90d2b6ae278adf2b6c46",
}
"""The CAP 1.2 specification's own examples (Appendix A), verbatim: see data/cap/SOURCES.md."""


@pytest.mark.parametrize("name", sorted(OASIS))
def test_oasis_examples_are_the_verbatim_copies_and_schema_valid(name: str) -> None:
    data = (DATA / "cap" / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == OASIS[name], "SOURCES.md records this file's digest"
    assert b"Copyright OASIS Open 2010 All Rights Reserved" in data
    assert schema_errors(parse_untrusted(data)) == []


def test_oasis_severe_thunderstorm_warning_imports_with_its_polygon() -> None:
    imported = from_cap((DATA / "cap" / "oasis-cap12-example2-severe-thunderstorm-warning.xml").read_bytes())
    body = imported.body
    assert (imported.identifier, imported.sender, imported.msg_type, imported.status) == (
        "KSTO1055887203",
        "KSTO@NWS.NOAA.GOV",
        "Alert",
        "Actual",
    )
    assert (imported.language, body["lang"], body["type"], body["request"]) == ("en-US", "en", "other", "none")
    assert body["time"] == "2003-06-17T21:57:00Z", "no onset or effective: the alert's sent time"
    assert body["location"] == {
        "type": "Polygon",
        "coordinates": [[[-120.14, 38.47], [-119.95, 38.34], [-119.74, 38.52], [-119.89, 38.62], [-120.14, 38.47]]],
    }
    assert body["description"].startswith("SEVERE THUNDERSTORM\nSEVERE THUNDERSTORM WARNING\nAT 254 PM PDT")
    assert "TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES." in body["description"]
    assert body["description"].endswith("CAP Alert KSTO1055887203 — KSTO@NWS.NOAA.GOV, 2003-06-17T21:57:00Z")


def test_oasis_earthquake_update_imports_as_a_point_quoting_what_it_updates() -> None:
    imported = from_cap((DATA / "cap" / "oasis-cap12-example3-earthquake-report-update.xml").read_bytes())
    body = imported.body
    assert imported.msg_type == "Update" and imported.identifier == "TRI13970876.2"
    assert body["location"] == {"type": "Point", "coordinates": [-115.5527, 32.9525]}, "a circle of radius 0"
    assert body["time"] == "2003-06-12T03:56:00Z"
    assert body["description"].startswith("Earthquake\nEQ 3.4 Imperial County CA\nA minor earthquake measuring 3.4")
    assert body["description"].endswith(
        "CAP Update TRI13970876.2 — trinet@caltech.edu, 2003-06-12T03:56:00Z; "
        "refers to trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00"
    )
    assert "references" not in body, "an outside alert's identifiers are not détente message ids"


def test_oasis_alerts_without_a_position_are_refused_clearly() -> None:
    with pytest.raises(CapImportError) as homeland:
        from_cap((DATA / "cap" / "oasis-cap12-example1-homeland-security-advisory.xml").read_bytes())
    assert str(homeland.value) == (
        "CAP alert 43b080713727 has no <polygon> or <circle>: an incident report needs a position or an area "
        "(areas described: U.S. nationwide and interests worldwide)"
    )
    with pytest.raises(CapImportError) as amber:
        from_cap((DATA / "cap" / "oasis-cap12-example4-amber-alert-en-es.xml").read_bytes())
    assert str(amber.value) == (
        "CAP alert KAR0-0306112239-SW has no <polygon> or <circle>: an incident report needs a position or an "
        "area (areas described: Los Angeles County; geocodes SAME 006037, which détente cannot place without a "
        "gazetteer)"
    )


def test_an_exercise_is_marked_as_one() -> None:
    point = _alert(status="Exercise").replace(
        b"<areaDesc>somewhere</areaDesc>", b"<areaDesc>a</areaDesc><circle>36.65,37.08 1</circle>"
    )
    assert from_cap(point).body["description"].endswith("(status: Exercise)")


def _alert(extra: str = "", info: str | None = None, status: str = "Actual") -> bytes:
    info = (
        info
        if info is not None
        else (
            "<info><category>Safety</category><event>x</event><urgency>Past</urgency><severity>Minor</severity>"
            "<certainty>Observed</certainty><area><areaDesc>somewhere</areaDesc></area></info>"
        )
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{extra}<alert xmlns="{CAP_NS}"><identifier>A1</identifier>'
        f"<sender>s@example.org</sender><sent>2026-11-26T07:00:00+00:00</sent><status>{status}</status>"
        f"<msgType>Alert</msgType><scope>Public</scope>{info}</alert>"
    ).encode()


def test_billion_laughs_is_refused() -> None:
    bomb = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
    )
    data = _alert(bomb).replace(b"<event>x</event>", b"<event>&lol4;</event>")
    with pytest.raises(CapImportError, match="unsafe"):
        from_cap(data)


def test_external_entities_are_refused() -> None:
    xxe = '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = _alert(xxe).replace(b"<event>x</event>", b"<event>&xxe;</event>")
    with pytest.raises(CapImportError, match="unsafe"):
        from_cap(data)
    with pytest.raises(CapImportError, match="unsafe"):
        from_cap(_alert('<!DOCTYPE alert SYSTEM "http://example.org/cap.dtd">'))


def test_invalid_documents_are_refused_with_the_reason() -> None:
    with pytest.raises(CapImportError, match="not a valid CAP 1.2 alert: line 1: .*status"):
        from_cap(_alert(status="Rumour"))
    with pytest.raises(CapImportError, match="not well-formed"):
        from_cap(b"<alert><unclosed></alert>")
    with pytest.raises(CapImportError, match="no <polygon> or <circle>.*somewhere"):
        from_cap(_alert())
    with pytest.raises(CapImportError, match="has no <info>"):
        from_cap(_alert(info=""))
    with pytest.raises(CapImportError, match="larger than"):
        from_cap(b" " * (2 << 20))
    spanish = (
        "<info><language>es-US</language><category>Safety</category><event>x</event><urgency>Past</urgency>"
        "<severity>Minor</severity><certainty>Observed</certainty></info>"
    )
    with pytest.raises(CapImportError, match="only es"):
        from_cap(_alert(info=spanish))
    bad_polygon = _alert().replace(
        b"<areaDesc>somewhere</areaDesc>", b"<areaDesc>a</areaDesc><polygon>36.1;37.0</polygon>"
    )
    with pytest.raises(CapImportError, match="polygon"):
        from_cap(bad_polygon)


def test_a_peers_invisible_characters_are_exported_as_code_points_and_flagged() -> None:
    body = {"lang": "en", "text": "Convoy 0400Z \u202eZ0021 ta sessorc\u202c ok\u200b"}
    root = export("free-text", body)
    for info in root.findall("cap:info", NS):
        description = info.findtext("cap:description", namespaces=NS) or ""
        assert "⟨U+202E⟩Z0021 ta sessorc⟨U+202C⟩ ok⟨U+200B⟩" in description
        assert "\u202e" not in description and "\u200b" not in description
        assert "⟨U+…⟩" in description.splitlines()[0]  # the notice, in the info's language
        flags = {
            p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
            for p in info.findall("cap:parameter", NS)
        }
        assert flags["detente:invisible-characters"] == "true"
        assert "⟨U+202E⟩" in (flags["detente:body"] or "")
    clean = export("free-text", {"lang": "en", "text": "Convoy crosses at 1200Z"})
    assert "detente:invisible-characters" not in etree.tostring(clean).decode()
