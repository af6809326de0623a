"""Evidence of a line of more than two stations: what every member saw of chosen line messages.

A line bundle holds, for every other member this station exchanged the chosen messages with, an
ordinary evidence bundle of that pairwise line (:mod:`detente.ledger.evidence`): the envelope to
that member, its receipt signed by the member, its acknowledgement, the charters and signatures
of the line exchanged with it, each proven against a checkpoint the member co-signed. Anyone can
check it offline; it says, member by member, what each received and acknowledged, and when.
The bundle is signed by the exporting station.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..home import Home
from ..protocol.canonical import canonical_json, parse_json
from ..protocol.signing import Verifier, b64decode, b64encode
from ..store import Store
from .bundle import export_bundle
from .evidence import BundleError, BundleReport, verify_bundle

__all__ = ["LINE_BUNDLE_FORMAT", "LineBundleReport", "describe_line", "export_line_bundle", "verify_line_bundle"]

LINE_BUNDLE_FORMAT = "detente-line-bundle/1"
_DOMAIN = b"detente line bundle v1\n"
_CHARTER_KINDS = ("line-charter", "line-accept")


@dataclass(frozen=True)
class LineBundleReport:
    sha256: str
    line: str
    exporter: str
    members: tuple[BundleReport, ...]
    """One verified pairwise bundle per other member, in the order of the bundle."""


def export_line_bundle(home: Home, store: Store, *, line: str, groups: list[str], now: float) -> bytes:
    """A line bundle of the line messages ``groups`` (their envelopes to every recipient), with the
    line's charters and signatures as exchanged with each member."""
    if not groups:
        raise BundleError("say which line messages to export (their group ids, from `detente line show`)")
    per_peer: dict[str, list[str]] = {}
    for group in groups:
        records = store.group_messages(group)
        if not records:
            raise BundleError(f"no line message with group id {group} is held here")
        for record in records:
            if record.line_name != line:
                raise BundleError(f"message group {group} is on line {record.line_name}, not {line}")
            per_peer.setdefault(record.peer, []).append(record.id)
    for peer in per_peer:
        per_peer[peer] += [
            m.id
            for _, m in store.messages("out") + store.messages("in")
            if m.peer == peer and m.kind in _CHARTER_KINDS and m.line_name == line
        ]
    bundles = []
    for _peer, ids in sorted(per_peer.items()):
        data = export_bundle(home, store, message_ids=sorted(set(ids)), now=now)
        bundles.append(parse_json(data))
    line_bundle: dict[str, Any] = {
        "bundle": LINE_BUNDLE_FORMAT,
        "line": line,
        "groups": sorted(groups),
        "exporter": home.config.station_id,
        "members": bundles,
    }
    signer = home.signer
    line_bundle["signature"] = {"alg": signer.alg, "kid": signer.kid}
    line_bundle["signature"]["value"] = b64encode(signer.sign(_DOMAIN + canonical_json(line_bundle)))
    out = canonical_json(line_bundle)
    verify_line_bundle(out)
    return out


def verify_line_bundle(data: bytes) -> LineBundleReport:
    """Check a line bundle with nothing else: every member's bundle, the exporter's signature
    over the whole (by the key in the members' bundles), and that they all come from one station."""
    try:
        obj = parse_json(data)
    except ValueError as exc:
        raise BundleError(f"the line bundle is not valid JSON: {exc}") from None
    if not isinstance(obj, dict) or obj.get("bundle") != LINE_BUNDLE_FORMAT:
        raise BundleError(f'not a line bundle (expected "bundle": "{LINE_BUNDLE_FORMAT}")')
    if set(obj) != {"bundle", "line", "groups", "exporter", "members", "signature"}:
        raise BundleError("the line bundle has missing or unknown members")
    members = obj["members"]
    if not isinstance(members, list) or not members:
        raise BundleError("the line bundle holds no member's bundle")
    reports = []
    for position, member in enumerate(members):
        try:
            reports.append(verify_bundle(canonical_json(member)))
        except BundleError as exc:
            raise BundleError(f"member bundle {position + 1}: {exc}") from None
    exporters = {r.exporter.station_id for r in reports}
    if exporters != {obj["exporter"]}:
        raise BundleError(f"the member bundles were exported by {sorted(exporters)}, not by {obj['exporter']}")
    key = members[0]["cards"]["exporter"]["signing_key"]
    signature = obj["signature"]
    unsigned = dict(obj)
    unsigned["signature"] = {k: v for k, v in signature.items() if k != "value"} if isinstance(signature, dict) else {}
    try:
        verifier = Verifier.from_json(key)
        good = verifier.verify(b64decode(str(signature.get("value"))), _DOMAIN + canonical_json(unsigned))
    except (ValueError, AttributeError):
        good = False
    if not good:
        raise BundleError("the line bundle's signature does not verify with the exporter's key: it was altered")
    lines = {
        str(m.get("line", {}).get("name"))
        for report_obj in members
        for entry in report_obj["entries"]
        if isinstance((m := entry["object"]), dict) and isinstance(m.get("line"), dict)
    }
    if lines - {obj["line"]}:
        raise BundleError(f"the bundle mixes lines: {sorted(lines)}")
    return LineBundleReport(hashlib.sha256(data).hexdigest(), str(obj["line"]), str(obj["exporter"]), tuple(reports))


def describe_line(report: LineBundleReport, lang: str) -> str:
    """What a verified line bundle proves: each member's part, then each member's statement."""
    from .bundle import describe

    lines = [
        f"Line bundle {report.sha256} of line {report.line}, exported by {report.exporter}: verified.",
        "What each member saw of the chosen messages (its own signed receipt, and a person's acknowledgement):",
    ]
    for member in report.members:
        peer = member.peer
        for message in member.messages:
            if message.kind in _CHARTER_KINDS:
                continue
            seen = f"received {message.receipt.received}" if message.receipt else "no receipt in the bundle"
            acks = "; ".join(
                f"acknowledged {a.at}" + (f" by {a.operator}" if a.operator else "") for a in message.acknowledgements
            )
            lines.append(
                f"  {peer.party} ({peer.station_id}): {message.id} {message.kind}, {seen}; {acks or 'not acknowledged'}"
            )
    for member in report.members:
        lines += ["", describe(member, lang)]
    return "\n".join(lines)
