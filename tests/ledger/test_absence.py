"""Proofs of absence (PROTOCOL.md §17.7), with two real stations: Ankara (TR) sends two messages to
Damascus (SY) over real TLS on loopback; SY's operator acknowledges the first and never the
second; both logs are co-signed. TR exports both with ``--prove-absence``: ``verify-bundle``
reports the receipts and the acknowledgement present, and the missing acknowledgement and
answers proven absent up to the head, with its size and cosignature time. An exporter that
leaves a receipt, an acknowledgement or a record out of such a bundle, and signs it again, is
caught; so is a log revealed with an object left out, swapped or relabelled."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from detente.home import Home
from detente.ledger.bundle import BundleError, describe, verify_bundle
from detente.ledger.records import seal_record
from detente.outbox import queue_message
from detente.peers import peer_by_party
from detente.protocol.canonical import parse_json
from detente.protocol.envelope import Precedence
from detente.protocol.ids import uuid7
from detente.protocol.timestamps import format_time
from integration.stations import run_cli
from ledger.bundle_factory import example, sign_bundle
from ledger.twostations import queue, run_in_process, two_stations


@dataclass(frozen=True)
class Line:
    tr: Path
    sy: Path
    acknowledged: str
    ignored: str
    bundle: bytes


def _acknowledge(sy: Path, message_id: str) -> str:
    home = Home(sy)
    store = home.open_store()
    try:
        record = store.message(message_id)
        assert record is not None
        return queue_message(
            home,
            store,
            peer=peer_by_party(store, "TR").station_id,
            kind="acknowledgement",
            precedence=Precedence.IMMEDIATE,
            body={
                "acknowledges": message_id,
                "envelope": record.envelope_hash,
                "operator": "Lt. Haddad",
                "role": "operator",
                "at": format_time(time.time()),
            },
            now=time.time(),
        ).id
    finally:
        store.close()


def _record_about(tr: Path, message_id: str) -> None:
    """TR records, in its own log, a fact about the ignored message (as an escalation step would)."""
    home = Home(tr)
    store = home.open_store()
    try:
        peer = peer_by_party(store, "SY").station_id
        now = time.time()
        record = seal_record(
            home.signer,
            id=uuid7(int(now * 1000), os.urandom(10)),
            station=home.config.station_id,
            peer=peer,
            event="escalation.overdue",
            at=format_time(now),
            detail="no acknowledgement by the deadline",
            evidence={"message": message_id},
        )
        store.add_alarm(peer, "escalation.overdue", record.detail, record.at, (record.id, record.canonical))
    finally:
        store.close()


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("absence")
    with two_stations(folder) as (tr, sy):
        acknowledged, ignored = queue(tr.home, "SY", 2, "Kilis kuzeyinde iki F-16 sınır devriyesi")
        run_in_process(tr.home, sy.home)
        _acknowledge(sy.home, acknowledged)
        _record_about(tr.home, ignored)
        run_in_process(tr.home, sy.home)
        out = folder / "absence.json"
        result = run_cli(
            "ledger", "export", "--home", str(tr.home), "--out", str(out),
            "--message", acknowledged, ignored, "--prove-absence",
        )  # fmt: skip
        assert "wrote" in result.stdout
        yield Line(tr.home, sy.home, acknowledged, ignored, out.read_bytes())


def _report(path: Path) -> dict[str, Any]:
    result = run_cli("ledger", "verify-bundle", str(path), "--json")
    return dict(json.loads(result.stdout))


def _resign(line: Line, bundle: dict[str, Any]) -> bytes:
    return sign_bundle(bundle, Home(line.tr).signer)


def test_absence_is_proven_for_a_message_never_acknowledged_with_the_checkpoint_and_its_time(
    line: Line, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(line.bundle)
    report = _report(path)
    assert report["verified"] is True and report["proves_absence"] is True
    head = report["head"]
    messages = {m["id"]: m for m in report["messages"]}
    ignored = messages[line.ignored]
    assert ignored["receipt"]["status"] == "present"
    assert ignored["acknowledgement"] == {"status": "absent", "checkpoint": head}
    assert ignored["responses"] == {"status": "absent", "checkpoint": head}
    assert head["size"] == len(parse_json(line.bundle)["log"])
    assert head["cosigned_at"].endswith("Z") and head["time"] <= format_time(time.time())


def test_present_items_are_still_reported_present_with_when_they_were_not_yet_logged(
    line: Line, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(line.bundle)
    messages = {m["id"]: m for m in _report(path)["messages"]}
    acknowledged = messages[line.acknowledged]
    assert acknowledged["receipt"]["status"] == "present"
    assert acknowledged["responses"]["status"] == "absent"
    ack = acknowledged["acknowledgement"]
    assert ack["status"] == "present"
    (item,) = ack["items"]
    assert item["operator"] == "Lt. Haddad" and item["receipt"] is not None
    before = item["absent_before"]
    assert before is not None and before["size"] <= item["index"]  # a checkpoint from before it was logged


def test_a_bundle_without_the_log_says_nothing_is_proven_absent(line: Line, tmp_path: Path) -> None:
    out = tmp_path / "plain.json"
    run_cli("ledger", "export", "--home", str(line.tr), "--out", str(out), "--message", line.ignored)
    (message,) = _report(out)["messages"]
    assert message["receipt"]["status"] == "present"
    assert message["acknowledgement"] == {"status": "unknown"}
    assert message["responses"] == {"status": "unknown"}


def _without(bundle: dict[str, Any], drop: Any) -> dict[str, Any]:
    bundle = dict(bundle)
    bundle["entries"] = [e for e in bundle["entries"] if not drop(e)]
    return bundle


def _omitting(line: Line, what: str) -> Any:
    """Which entries an exporter leaves out to hide ``what``."""
    bundle = parse_json(line.bundle)
    acks = {
        e["object"]["id"]
        for e in bundle["entries"]
        if e["object"]["type"] == "envelope" and e["object"]["body"].get("acknowledges") == line.acknowledged
    }
    if what == "acknowledgement":
        return lambda e: e["object"]["id"] in acks  # the acknowledgement and its receipt
    if what == "receipt":
        return lambda e: e["object"]["type"] == "receipt" and e["object"]["id"] == line.ignored
    return lambda e: e["kind"] == "record"


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("acknowledgement", r"an envelope \(acknowledgement\) that acknowledges message"),
        ("receipt", "a receipt for message"),
        ("record", "a record about message"),
    ],
)
def test_an_exporter_that_omits_an_entry_and_signs_again_is_caught(line: Line, what: str, reason: str) -> None:
    bundle = parse_json(line.bundle)
    cut = _without(bundle, _omitting(line, what))
    assert len(cut["entries"]) < len(bundle["entries"]), what
    with pytest.raises(BundleError, match=f"log\\[\\d+\\] is {reason}.*the exporter omitted it"):
        verify_bundle(_resign(line, cut))


def test_the_omission_is_caught_by_the_command_too(line: Line, tmp_path: Path) -> None:
    bundle = parse_json(line.bundle)
    path = tmp_path / "cut.json"
    path.write_bytes(_resign(line, _without(bundle, lambda e: e["kind"] == "receipt-in")))
    result = run_cli("ledger", "verify-bundle", str(path), "--json", check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout)["verified"] is False
    assert "the exporter omitted it" in result.stderr


@pytest.mark.parametrize("change", ["drop", "swap", "relabel", "truncate-both"])
def test_a_log_revealed_with_an_object_left_out_swapped_or_relabelled_is_caught(line: Line, change: str) -> None:
    bundle = parse_json(line.bundle)
    log = bundle["log"]
    if change == "drop":
        bundle["log"] = log[:1] + log[2:]
    elif change == "swap":
        bundle["log"] = [log[1], log[0], *log[2:]]
    elif change == "relabel":
        receipt = next(i for i, (kind, _) in enumerate(log) if kind == "receipt-in")
        bundle["log"] = [*log[:receipt], ["record", log[receipt][1]], *log[receipt + 1 :]]
    else:
        bundle["log"] = log[:-1]
    with pytest.raises(BundleError, match="^log"):
        verify_bundle(_resign(line, bundle))


@pytest.mark.parametrize("lang", ["en", "tr", "ar", "ru"])
def test_the_statement_says_what_is_proven_absent_in_each_language(line: Line, lang: str) -> None:
    text = describe(verify_bundle(line.bundle), lang)
    head = parse_json(line.bundle)["log"]
    expected = {
        "en": "no acknowledgement of it is in the log",
        "tr": "teyidi bulunmadığı ispatlanmıştır",
        "ar": "ثبت أن سجل",
        "ru": "доказано, что",
    }[lang]
    assert expected in text
    assert f"\u2066{len(head)}\u2069" in text  # the checkpoint size, isolated


def test_the_worked_example_proves_absence_of_an_answer_and_catches_a_left_out_acknowledgement() -> None:
    made = example()
    bundle = dict(made.bundle)
    bundle["log"] = [[kind, obj] for kind, obj in made.line.entries]
    report = verify_bundle(sign_bundle(bundle, made.line.exporter.signer))
    assert report.complete
    cut = dict(bundle)
    cut["entries"] = bundle["entries"][:2]
    cut["checkpoints"] = bundle["checkpoints"]
    with pytest.raises(BundleError, match=r"log\[2\] is an envelope \(acknowledgement\) that acknowledges"):
        verify_bundle(sign_bundle(cut, made.line.exporter.signer))


def test_export_with_page_writes_the_verifier_page_beside_the_bundle(line: Line, tmp_path: Path) -> None:
    out = tmp_path / "evidence.json"
    result = run_cli(
        "ledger", "export", "--home", str(line.tr), "--out", str(out), "--message", line.ignored,
        "--prove-absence", "--with-page",
    )  # fmt: skip
    page = tmp_path / "evidence-verifier.html"
    assert str(page) in result.stdout
    alone = tmp_path / "alone.html"
    run_cli("ledger", "verifier-page", "--out", str(alone))
    assert page.read_bytes() == alone.read_bytes()
    assert b"content=\"default-src 'none';" in page.read_bytes()  # the page may load nothing from anywhere


def test_a_selection_by_time_proves_absence_too(line: Line, tmp_path: Path) -> None:
    out = tmp_path / "period.json"
    run_cli(
        "ledger", "export", "--home", str(line.tr), "--out", str(out),
        "--from", "2000-01-01T00:00:00Z", "--prove-absence",
    )  # fmt: skip
    report = _report(out)
    messages = {m["id"]: m for m in report["messages"]}
    assert report["proves_absence"] and {line.acknowledged, line.ignored} <= set(messages)
    assert messages[line.ignored]["acknowledgement"]["status"] == "absent"
    bundle = parse_json(out.read_bytes())
    cut = _without(bundle, lambda e: e["kind"] == "envelope-out" and e["object"]["id"] == line.ignored)
    cut["entries"] = [e for e in cut["entries"] if e["object"]["id"] != line.ignored or e["kind"] == "record"]
    with pytest.raises(BundleError, match="created within the selected range.*the exporter omitted it"):
        verify_bundle(_resign(line, cut))
