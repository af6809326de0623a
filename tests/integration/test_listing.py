"""`detente inbox` and `outbox` read like the console: kind, precedence, the state with who
acknowledged and when, the message rendered in the reader's language in full, mixed-direction
text isolated; `--json` keeps the members scripts read."""

from __future__ import annotations

import json
import time

from detente.home import Home
from detente.operators import add_operator
from detente.watch.acks import acknowledge

from .stations import StationProcess, wait_until

FSI, RLI, PDI, RLM = "\u2068", "\u2067", "\u2069", "\u200f"
JSON_MEMBERS = {
    "id",
    "direction",
    "from",
    "to",
    "from_station",
    "to_station",
    "seq",
    "kind",
    "precedence",
    "body",
    "created_at",
    "state",
    "stored_at",
    "sent_at",
    "receipt_at",
    "delivered_at",
    "acknowledged_at",
    "acknowledged_by",
    "acknowledgement_id",
    "envelope_hash",
}
"""What `--json` has always printed for a message: scripts depend on these members."""
ADDED_MEMBERS = {"invisible_characters"}
"""Members added since, that no script reading the others is disturbed by (docs/operations.md)."""

LONG_TURKISH = (
    "Kilis'in 12 km doğusunda 14:00Z ile 16:00Z arasında topçu atış tatbikatı yapılacaktır; lütfen onaylayın."
)
ARABIC = "طائرة مسيّرة فوق Kilis عند 14:05Z"


def test_inbox_and_outbox_show_kind_state_and_the_rendered_text(pair: tuple[StationProcess, StationProcess]) -> None:
    tr, sy = pair
    tr.start()
    sy.start()
    flash = tr.send(LONG_TURKISH, "SY", "flash")
    answer = sy.send(ARABIC, "TR", "immediate")
    wait_until(
        lambda: all(m["state"] == "delivered" for m in tr.messages("outbox") + sy.messages("outbox")),
        what="both messages delivered",
    )
    home = Home(sy.home)
    store = home.open_store()
    try:
        add_operator(store, name="Lt. Haddad", role="operator", now=time.time())
        acknowledge(home, store, message_id=flash, operator="Lt. Haddad", note=None, now=time.time())
    finally:
        store.close()
    wait_until(lambda: tr.messages("outbox")[0]["acknowledged_by"] == "Lt. Haddad", what="the acknowledgement")

    # Ankara's outbox, in Turkish (the station's language): acknowledged, by whom, and the whole text.
    out = tr.cli("outbox").stdout
    assert out.startswith("FLASH · Serbest metin (free-text) · alıcı SY · Lt. Haddad tarafından onaylandı, ")
    assert "teslim edildi" not in out, "an acknowledged message is shown as acknowledged, as in the console"
    assert LONG_TURKISH in out and "…" not in out, "never truncated"
    assert "{" not in out, "no JSON"
    assert "1 mesaj" in out.splitlines()[-1]

    # Ankara's inbox in English: the Arabic text with Latin inside is isolated on the terminal.
    inbox = tr.cli("inbox", "--lang", "en").stdout
    assert "IMMEDIATE · " in inbox and "from SY" in inbox and "received " in inbox
    assert f"{RLI}{ARABIC}{PDI}" in inbox, "Arabic free text stays right to left on the terminal"
    assert inbox.strip().splitlines()[-1] == "1 message"

    # Damascus reads in Arabic: right-to-left lines begin with RLM; the plural is Arabic's.
    arabic = sy.cli("inbox").stdout
    lines = [line for line in arabic.splitlines() if line]
    assert all(line.startswith(RLM) for line in lines), lines
    assert f"{FSI}نص حر{PDI}" in arabic and f"أقرّ به {FSI}Lt. Haddad{PDI}" in arabic and "رسالة واحدة" in lines[-1]
    assert sy.cli("outbox", "--lang", "ru").stdout.strip().splitlines()[-1] == "1 сообщение"

    # --json: the same members as ever, the state as stored.
    for box, station, ids in (("outbox", tr, [flash]), ("inbox", tr, [answer, "ack"]), ("inbox", sy, [flash])):
        rows = [json.loads(line) for line in station.cli(box, "--json").stdout.splitlines()]
        assert [r["id"] if r["kind"] != "acknowledgement" else "ack" for r in rows] == ids, "acknowledgements too"
        assert all(set(r) == JSON_MEMBERS | ADDED_MEMBERS for r in rows), [sorted(r) for r in rows]
    assert json.loads(tr.cli("outbox", "--json").stdout)["state"] == "delivered"
