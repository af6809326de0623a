"""`[metrics] listen` on two real stations: Prometheus scrapes while messages flow, while the line
is cut and while a FLASH goes unacknowledged, and the figures move as they should; `/healthz`
and `/readyz` answer as a load balancer expects; a bearer token is required off loopback."""

from __future__ import annotations

import pytest

from detente.errors import ConfigError
from detente.home import Home
from watch.conftest import configure

from .conftest import StationFactory
from .metrics_scrape import Samples, fetch, ready, scrape, value
from .stations import StationProcess, free_port, wait_until


def _with_metrics(station: StationProcess) -> int:
    port = free_port()
    configure(station.home, {"metrics": {"listen": f"127.0.0.1:{port}"}, "deadlines": {"flash": 4.0}})
    return port


def _having(samples: Samples, name: str, **labels: str) -> Samples | None:
    return samples if value(samples, name, **labels) is not None else None


@pytest.mark.slow
def test_two_stations_scraped_through_traffic_a_cut_and_an_escalation(
    pair: tuple[StationProcess, StationProcess],
) -> None:
    tr, sy = pair
    tr_port, sy_port = _with_metrics(tr), _with_metrics(sy)
    tr.start()
    sy.start()
    wait_until(lambda: value(scrape(tr_port), "detente_link_up", party="SY") == 1.0, what="the link up in TR's metrics")
    samples = wait_until(
        lambda: _having(scrape(tr_port), "detente_link_round_trip_seconds", party="SY"),
        what="the first round trip measured",
    )
    assert value(samples, "detente_server_active") == 1.0 and value(samples, "detente_store_up") == 1.0
    assert value(samples, "detente_path_current", party="SY", path="direct") == 1.0
    assert (value(samples, "detente_link_round_trip_seconds", party="SY") or -1) >= 0
    assert (value(samples, "detente_path_round_trip_seconds", party="SY", path="direct") or -1) >= 0
    assert value(samples, "detente_clock_offset_seconds", party="SY") is not None
    assert value(samples, "detente_link_reconnects_total", party="SY") == 1.0
    assert value(samples, "process_resident_memory_bytes") is not None, "the process collector"
    assert fetch(tr_port, "/healthz")[0] == 200
    assert ready(tr_port) == (200, {"ready": True, "store": True, "active": True, "links": {"SY": "up"}})
    assert all("id" not in dict(labels) for _, labels in samples), "never a message id as a label"

    # traffic: two messages TR → SY, receipted; one acknowledged by a person at SY
    sy.cli("operator", "add", "--name", "Lt. Haddad", "--role", "operator")
    receipts = value(samples, "detente_receipts_received_total", party="SY") or 0.0
    timed = value(samples, "detente_time_to_receipt_seconds_count", party="SY", precedence="routine") or 0.0
    delivered = value(scrape(sy_port), "detente_messages_delivered_total", party="TR") or 0.0
    routine = [tr.send(f"Routine report {n}", "SY") for n in range(2)]
    wait_until(
        lambda: all(m["state"] == "delivered" for m in tr.messages("outbox") if m["id"] in routine),
        what="the receipts",
    )
    samples = scrape(tr_port)
    assert value(samples, "detente_receipts_received_total", party="SY") == receipts + 2
    assert value(samples, "detente_time_to_receipt_seconds_count", party="SY", precedence="routine") == timed + 2
    assert value(samples, "detente_queue_depth_messages", party="SY", precedence="routine") == 0.0
    at_sy = scrape(sy_port)
    assert value(at_sy, "detente_messages_delivered_total", party="TR") == delivered + 2
    assert (value(at_sy, "detente_oldest_unacknowledged_age_seconds", party="TR", precedence="routine") or 0) > 0
    sy.cli("ack", "--operator", "Lt. Haddad", routine[0])
    wait_until(
        lambda: value(scrape(tr_port), "detente_acknowledgements_total", party="SY", direction="out") == 1.0,
        what="the acknowledgement counted at TR",
    )
    at_sy = scrape(sy_port)
    assert value(at_sy, "detente_acknowledgements_total", party="TR", direction="in") == 1.0
    assert (
        value(at_sy, "detente_time_to_acknowledgement_seconds_count", party="TR", precedence="routine", direction="in")
        == 1.0
    )
    assert (value(at_sy, "detente_store_commit_seconds_count", durable="true") or 0) > 0

    # a cut: SY stops; TR's link goes down, the queue grows, an alarm is raised
    sy.stop()
    wait_until(lambda: value(scrape(tr_port), "detente_link_up", party="SY") == 0.0, timeout=15, what="link down")
    tr.send("Patrol moving north", "SY", precedence="immediate")
    wait_until(
        lambda: value(scrape(tr_port), "detente_queue_depth_messages", party="SY", precedence="immediate") == 1.0,
        what="the queued message counted",
    )
    wait_until(
        lambda: (value(scrape(tr_port), "detente_alarms_active", kind="line-down") or 0) >= 1.0,
        timeout=15,
        what="line-down among the active alarms",
    )
    assert (value(scrape(tr_port), "detente_cosignature_lag_entries", party="SY") or 0) >= 1.0, "not co-signed"
    assert ready(tr_port)[1]["links"] == {"SY": "down"}, "ready (the server is active) but the link is down"

    # restored: one more reconnect, the queue drains, the alarm ends
    sy.start()
    wait_until(
        lambda: value(scrape(tr_port), "detente_queue_depth_messages", party="SY", precedence="immediate") == 0.0,
        what="the queue drained",
    )
    samples = scrape(tr_port)
    assert value(samples, "detente_link_reconnects_total", party="SY") == 2.0
    assert value(samples, "detente_receipts_received_total", party="SY") == receipts + 3

    # an escalation: a FLASH nobody at SY acknowledges within its 4 s
    tr.send("Unidentified aircraft heading south", "SY", precedence="flash")
    wait_until(
        lambda: (value(scrape(tr_port), "detente_escalations_total", step="peer-overdue") or 0) >= 1.0,
        timeout=20,
        what="the escalation counted at TR",
    )
    samples = scrape(tr_port)
    assert (value(samples, "detente_oldest_unacknowledged_age_seconds", party="SY", precedence="flash") or 0) >= 4.0
    assert (value(samples, "detente_alarms_active", kind="not-acknowledged") or 0) >= 1.0
    wait_until(  # each side takes its step by its own clock and watch loop
        lambda: (value(scrape(sy_port), "detente_escalations_total", step="overdue") or 0) >= 1.0,
        timeout=20,
        what="the escalation counted at SY",
    )

    sy.stop()
    tr.stop()
    assert "STOPPING" not in tr.log(), "no systemd here: nothing sent, nothing logged"


def test_off_loopback_a_token_file_is_required_and_with_one_every_request_needs_the_token(
    make_station: StationFactory,
) -> None:
    station = make_station("Ankara Operations Centre", "TR", "tr")
    configure(station.home, {"metrics": {"listen": "192.0.2.10:9470"}})
    with pytest.raises(ConfigError, match="token_file"):
        Home(station.home).config  # noqa: B018 - loading it is the test
    port = free_port()
    token = "s3cret-token-of-the-scraper-0123"
    (station.home / "metrics.token").write_text(token + "\n")
    configure(station.home, {"metrics": {"listen": f"127.0.0.1:{port}", "token_file": "metrics.token"}})
    station.start()
    wait_until(lambda: fetch(port, "/healthz", token)[0] == 200, what="the metrics listener")
    assert fetch(port, "/metrics")[0] == 401
    assert fetch(port, "/readyz", "wrong-token-wrong-token")[0] == 401
    assert value(scrape(port, token), "detente_server_active") == 1.0
    station.stop()
