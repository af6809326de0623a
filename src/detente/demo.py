"""``detente demo``: two real stations on this machine, talking over TLS on loopback.

Ankara Operations Centre (TR) and Damascus Operations Centre (SY) are created in a scratch
folder, pinned to each other after checking fingerprints, and started as two separate
``detente serve`` processes. Sample messages go both ways; their progress is narrated from the
stations' own logs. ``--check`` waits until every sample is delivered, verifies that each
inbox holds each message exactly once and in order with a stored receipt, and exits.
"""

from __future__ import annotations

import datetime
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .compose import compose
from .home import Home, create_station
from .operators import add_operator, set_password
from .outbox import queue_message
from .peers import pin_peer
from .protocol.envelope import Precedence
from .store import Store
from .views import status_view
from .watch.deadlines import ROSTER

__all__ = ["DEMO_OPERATORS", "DEMO_PASSWORD", "run_demo"]

DEMO_PASSWORD = "demo-password"
"""The demo accounts' password: a demonstration on one machine, never a real station."""
DEMO_OPERATORS = {
    "TR": [("Yzb. Demir", "operator"), ("Bnb. Aydın", "supervisor"), ("admin-ankara", "admin")],
    "SY": [("Lt. Haddad", "operator"), ("Maj. Khoury", "supervisor"), ("admin-damascus", "admin")],
}

SAMPLES: dict[str, list[tuple[Precedence, str]]] = {
    "TR": [
        (
            Precedence.FLASH,
            "Kilis kuzeyinde iki F-16 sınır devriyesi, 11:00–13:00Z; hava sahanıza girmeyecek. "
            "(Two F-16s on border patrol north of Kilis, 11:00–13:00Z; they will not enter your airspace.)",
        ),
        (
            Precedence.IMMEDIATE,
            "Akçakale yakınında topçu atışı gözlemlendi; açıklama rica ediyoruz. "
            "(Artillery fire observed near Akçakale; we request clarification.)",
        ),
        (Precedence.ROUTINE, "Hat testi — Ankara Harekât Merkezi. (Line test — Ankara Operations Centre.)"),
    ],
    "SY": [
        (Precedence.IMMEDIATE, "تم استلام إشعاركم بشأن الدورية الجوية. (Your notice of the air patrol is received.)"),
        (
            Precedence.PRIORITY,
            "قافلة إنسانية تعبر معبر باب الهوى غداً الساعة 08:00Z. "
            "(A humanitarian convoy crosses at Bab al-Hawa tomorrow at 08:00Z.)",
        ),
        (Precedence.ROUTINE, "اختبار الخط — مركز عمليات دمشق. (Line test — Damascus Operations Centre.)"),
    ],
}


@dataclass
class _Station:
    label: str
    party: str
    home: Home
    process: subprocess.Popen[str] | None = None


def _flight_notice(now: float) -> dict[str, object]:
    """A border patrol announced two hours ahead (the kind asks for at least one)."""
    start = datetime.datetime.fromtimestamp(now, tz=datetime.UTC).replace(second=0, microsecond=0)
    start += datetime.timedelta(hours=2)
    return {
        "lang": "tr",
        "mission": "patrol",
        "aircraft": [{"count": 2, "category": "fighter", "model": "F-16C Block 50"}],
        "callsigns": ["ASENA11", "ASENA12"],
        "area": {
            "type": "LineString",
            "coordinates": [[37.05, 36.80], [37.60, 36.95], [38.30, 37.06]],
            "corridor_km": 4,
        },
        "window": {
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "altitude": {"lower": {"unit": "fl", "value": 150}, "upper": {"unit": "fl", "value": 250}},
        "intent": ["will-not-enter-your-airspace", "transponders-on"],
        "remarks": "Kilis–Akçakale hattı boyunca sınır devriyesi.",
    }


def _rendered(station: _Station, kind: str, body: dict[str, object]) -> str:
    from .notifications import NotificationError, render_text

    zone = {"tr": "Europe/Istanbul", "ar": "Asia/Damascus"}.get(station.home.config.language)
    try:
        text = render_text(kind, body, lang=station.home.config.language, tz=zone)  # type: ignore[arg-type]
    except NotificationError as exc:
        return f"    (cannot be rendered: {exc})"
    return "\n".join("    " + line for line in text.splitlines()[:14])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fields(text: str) -> tuple[str, dict[str, str]]:
    """Split a log line's ``event key=value …`` part (values may be double-quoted)."""
    try:
        words = shlex.split(text)
    except ValueError:
        return text, {}
    pairs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return (words[0] if words else ""), pairs


def _short(message_id: str) -> str:
    return f"{message_id[:8]}…{message_id[-4:]}"


def _is_roster(store: Store | None, f: dict[str, str]) -> bool:
    record = store.message(f.get("id", "")) if store else None
    return record is not None and record.kind == ROSTER


def _describe(station: _Station, event: str, f: dict[str, str], store: Store | None) -> str | None:
    """A sentence for a duty officer new to détente, "" to print nothing, or None to print the raw line."""
    peer = f.get("party", "?")
    match event:
        case "peer.loaded":
            role = "will connect to it" if f.get("dials") == "True" else "waits for it to connect"
            return f"started; pinned peer {peer} ({f.get('queued', '0')} message(s) queued for it); {role}"
        case "station.listening":
            return f"listening for the peer on {f.get('address')} (TCP + TLS 1.3, pinned certificates only)"
        case "link.up":
            how = "we connected" if f.get("dialed") == "True" else "the peer connected"
            return f"link to {peer} is UP ({how}, protocol v{f.get('version')})"
        case "link.down":
            return f"link to {peer} is DOWN: {f.get('reason')}: {f.get('detail')}"
        case "message.received" | "message.delivered" if _is_roster(store, f):
            return ""  # who is on watch: said when it is sent (watch.roster_sent), not as a sample message
        case "watch.roster_sent":
            count = f.get("on_watch", "0")
            return f"told {peer} who is on watch here ({count} logged in with a duty role): a signed watch-roster"
        case "message.received":
            text = ""
            record = store.message(f.get("id", "")) if store else None
            if record is not None and record.kind == "free-text":
                body = record.body.get("text", "")
                text = f": «{body[:90]}{'…' if len(body) > 90 else ''}»"
            elif record is not None:
                text = (
                    ", rendered in "
                    + station.home.config.language
                    + ":\n"
                    + _rendered(station, record.kind, record.body)
                )
            return (
                f"received {f.get('precedence', '').upper()} message {_short(f.get('id', ''))} from {peer} "
                f"(seq {f.get('seq')}), stored, signed receipt sent{text}"
            )
        case "message.delivered":
            return (
                f"{peer} signed the receipt for message {_short(f.get('id', ''))} (seq {f.get('seq')}) at "
                f"{f.get('receipted', '')[11:]}: DELIVERED"
            )
        case "station.stopped":
            return "stopped; anything undelivered stays queued"
    return None


def _narrate(station: _Station, stream: IO[str], lock: threading.Lock) -> None:
    store: Store | None = None
    try:
        for line in stream:
            match = re.match(r"^(\S+)\s+(\S+)\s+(.*)$", line.rstrip("\n"))
            if match is None:
                with lock:
                    print(f"[{station.label}] {line.rstrip()}", flush=True)
                continue
            event, fields = _fields(match.group(3))
            if store is None and event in ("message.received", "message.delivered"):
                store = station.home.open_store()
            sentence = _describe(station, event, fields, store)
            if sentence == "":
                continue
            with lock:
                print(f"[{station.label}] {match.group(1)[11:23]} {sentence or match.group(3)}", flush=True)
    finally:
        if store is not None:
            store.close()


def _start(station: _Station, lock: threading.Lock) -> None:
    station.process = subprocess.Popen(
        [sys.executable, "-m", "detente.cli", "serve", "--home", str(station.home.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )
    assert station.process.stderr is not None
    threading.Thread(target=_narrate, args=(station, station.process.stderr, lock), daemon=True).start()


def _stop(station: _Station) -> None:
    process = station.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _verify(sender: _Station, receiver: _Station, expected: list[str]) -> str | None:
    """None if every expected id is delivered once, in order, with a receipt; else the reason."""
    out: Store = sender.home.open_store()
    inn: Store = receiver.home.open_store()
    try:
        sent = [r for _, r in out.messages("out")]
        received = [r for _, r in inn.messages("in")]
    finally:
        out.close()
        inn.close()
    # The stations' own reports of who is on watch travel on the same line, between the samples.
    outbox = [r for r in sent if r.kind != ROSTER]
    inbox = [r for r in received if r.kind != ROSTER]
    sent_ids = [r.id for r in outbox]
    if sent_ids != expected:
        order = " in another order" if sorted(sent_ids) == sorted(expected) else ""
        return f"{sender.label.strip()}'s outbox holds {len(sent_ids)} messages{order}, expected {len(expected)}"
    undelivered = [r.id for r in sent if r.state != "delivered" or r.receipt is None]
    if undelivered:
        return f"{len(undelivered)} message(s) from {sender.label} have no stored receipt: {undelivered[:3]}"
    got = [r.id for r in inbox]
    if got != expected:
        duplicates = len(got) - len(set(got))
        return (
            f"{receiver.label}'s inbox holds {len(got)} messages ({duplicates} duplicated), "
            f"expected {len(expected)} in order"
        )
    if [r.seq for r in received] != list(range(1, len(received) + 1)):
        return f"{receiver.label}'s inbox sequence numbers are not 1..{len(received)}"
    by_id = {r.id: r for r in outbox}
    for record in inbox:
        if record.envelope_hash != by_id[record.id].envelope_hash:
            return f"message {record.id} arrived with a different hash than it was sent with"
    return None


def _all_delivered(station: _Station) -> bool:
    store = station.home.open_store()
    try:
        return all(r.state == "delivered" for _, r in store.messages("out"))
    finally:
        store.close()


def run_demo(*, check: bool, folder: Path | None, timeout: float = 60.0) -> int:
    scratch = folder is None
    base = Path(tempfile.mkdtemp(prefix="detente-demo-")) if folder is None else folder
    lock = threading.Lock()
    stations = [
        _Station("Ankara  ", "TR", Home(base / "ankara")),
        _Station("Damascus", "SY", Home(base / "damascus")),
    ]
    try:
        for station, (name, lang) in zip(
            stations, [("Ankara Operations Centre", "tr"), ("Damascus Operations Centre", "ar")], strict=True
        ):
            station.home = create_station(
                station.home.path,
                name=name,
                party=station.party,
                listen=f"127.0.0.1:{_free_port()}",
                language=lang,
                console=f"127.0.0.1:{_free_port()}",
            )
            store = station.home.open_store()
            try:
                for person, role in DEMO_OPERATORS[station.party]:
                    account, _ = add_operator(store, name=person, role=role, now=time.time())
                    set_password(store, account, DEMO_PASSWORD)
            finally:
                store.close()
        print(f"détente demo: two stations in {base}")
        for station, other in (stations, stations[::-1]):
            card = other.home.card()
            store = station.home.open_store()
            try:
                pin_peer(
                    station.home,
                    store,
                    card,
                    source=f"{other.label.strip()} card",
                    now=time.time(),
                    expected_fingerprint=card["fingerprint"],
                )
            finally:
                store.close()
            print(
                f"  {station.home.config.name} ({station.party}) pinned {card['name']}: "
                f"fingerprint {card['fingerprint']}, listening on {station.home.config.listen[0]}"
            )
        for station in stations:
            print(f"  {station.home.config.name} accounts ({_accounts(station.party)})")
        for station in stations:
            _start(station, lock)
        expected: dict[str, list[str]] = {"TR": [], "SY": []}
        for station, other in (stations, stations[::-1]):
            store = station.home.open_store()
            try:
                for precedence, text in SAMPLES[station.party]:
                    envelope = queue_message(
                        station.home,
                        store,
                        peer=other.home.config.station_id,
                        kind="free-text",
                        precedence=precedence,
                        body={"text": text, "lang": station.home.config.language},
                        now=time.time(),
                    )
                    expected[station.party].append(envelope.id)
                    with lock:
                        print(
                            f"[{station.label}] queued {precedence.value.upper()} message {envelope.id} "
                            f"to {other.party}: {text[:70]}…",
                            flush=True,
                        )
                    if station.party == "TR" and precedence is Precedence.FLASH:
                        notice = compose(
                            station.home,
                            store,
                            to_party=other.party,
                            kind="flight-notice",
                            data=_flight_notice(time.time()),
                            precedence=None,
                            now=time.time(),
                        ).envelope
                        expected[station.party].append(notice.id)
                        with lock:
                            print(
                                f"[{station.label}] queued PRIORITY flight-notice {notice.id} to {other.party} "
                                "(structured: the other side reads it in its own language)",
                                flush=True,
                            )
            finally:
                store.close()
        if check:
            return _check(stations, expected, timeout, lock)
        _explain(stations, lock)
        next_report = time.monotonic() + 15
        while all(s.process is not None and s.process.poll() is None for s in stations):
            time.sleep(0.5)
            if time.monotonic() >= next_report:
                next_report += 15
                _report(stations, lock)
        print("a station stopped unexpectedly", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nstopping both stations; their folders stay in {base} for you to inspect")
        return 0
    finally:
        for station in stations:
            _stop(station)
        if scratch and check:
            shutil.rmtree(base, ignore_errors=True)


def _check(stations: list[_Station], expected: dict[str, list[str]], timeout: float, lock: threading.Lock) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for station in stations:
            if station.process is not None and station.process.poll() is not None:
                print(
                    f"demo check FAILED: {station.label.strip()} exited with {station.process.returncode}",
                    file=sys.stderr,
                )
                return 1
        if all(_all_delivered(s) for s in stations):
            break
        time.sleep(0.2)
    time.sleep(0.3)  # let a late duplicate, if there were one, land before counting
    problems = [
        p
        for p in (_verify(stations[0], stations[1], expected["TR"]), _verify(stations[1], stations[0], expected["SY"]))
        if p
    ]
    if problems:
        print("demo check FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    with lock:
        total = len(expected["TR"]) + len(expected["SY"])
        print(
            f"demo check passed: {total} messages ({len(expected['TR'])} TR→SY, {len(expected['SY'])} SY→TR) "
            "each delivered exactly once, in order, with a signed receipt stored at the sender",
            flush=True,
        )
    return 0


def _report(stations: list[_Station], lock: threading.Lock) -> None:
    for station in stations:
        store = station.home.open_store()
        try:
            view = status_view(station.home, store)
        finally:
            store.close()
        for peer in view["peers"]:
            rtt = f"{peer['round_trip_ms']:.2f} ms" if peer["round_trip_ms"] is not None else "-"
            offset = f"{peer['clock_offset_ms']:+.2f} ms" if peer["clock_offset_ms"] is not None else "-"
            with lock:
                print(
                    f"[{station.label}] status: link to {peer['party']} {peer['link']} since {peer['since']}, "
                    f"round trip {rtt}, clock offset {offset}, {peer['queue_depth']} awaiting receipt",
                    flush=True,
                )


def _accounts(party: str) -> str:
    """The demo accounts of a station and their password, as the demo prints them (the
    administrator's opens the accounts page)."""
    people = " or ".join(f"'{person}' ({role})" for person, role in DEMO_OPERATORS[party])
    return f"{people}, password {DEMO_PASSWORD}"


def _explain(stations: list[_Station], lock: threading.Lock) -> None:
    ankara, damascus = (s.home.path for s in stations)
    consoles = "".join(
        f"  {s.home.config.name}: http://{s.home.config.console}/  log in as {_accounts(s.party)}\n" for s in stations
    )
    with lock:
        print(
            "\nBoth stations are running, each with its operator console:\n"
            + consoles
            + "\nTry, in another terminal:\n"
            f"  detente send --home {ankara} --to SY --precedence flash --text 'Acil: ...'\n"
            f"  detente inbox --home {damascus} --follow\n"
            f"  detente status --home {ankara}\n"
            "Press Ctrl-C to stop both stations.\n",
            flush=True,
        )
