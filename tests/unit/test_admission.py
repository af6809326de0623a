"""Admission of connections not yet authenticated: the limits, the place kept for known
sources, the open-files reserve and the once-per-interval reports, with literal times."""

from __future__ import annotations

import pytest

from detente.transports.admission import Admission, AdmissionLimits, Admitted, Refusal, RefusalsCounted


def admission(pending: int = 16, per_source: int = 4, reserve: int = 0, known: tuple[str, ...] = ()) -> Admission:
    return Admission(AdmissionLimits(pending, per_source, reserve, report_interval=10.0), known=known)


def test_a_source_may_hold_only_its_share_and_gets_it_back_when_a_handshake_ends() -> None:
    gate = admission(per_source=2)
    first, second = gate.admit("10.0.0.1", 0.0), gate.admit("10.0.0.1", 0.0)
    assert isinstance(first, Admitted) and isinstance(second, Admitted)
    assert gate.admit("10.0.0.1", 0.1) is Refusal.SOURCE
    assert isinstance(gate.admit("10.0.0.2", 0.1), Admitted), "another address is not held back"
    gate.finished(first, authenticated=False)
    assert isinstance(gate.admit("10.0.0.1", 0.2), Admitted)
    assert gate.pending == 3 and gate.refused == {"source": 1}


def test_unknown_sources_fill_all_but_the_places_kept_for_known_ones() -> None:
    gate = admission(pending=16, per_source=16, known=("192.0.2.7",))
    assert gate.limits.known_reserve == 2
    admitted = [gate.admit(f"10.0.0.{i}", 0.0) for i in range(14)]
    assert all(isinstance(a, Admitted) for a in admitted)
    assert gate.admit("10.0.0.99", 0.0) is Refusal.TOTAL
    peer = gate.admit("192.0.2.7", 0.0)
    assert isinstance(peer, Admitted) and peer.known
    assert isinstance(gate.admit("192.0.2.7", 0.0), Admitted)
    assert gate.admit("192.0.2.7", 0.0) is Refusal.TOTAL, "the total is a hard cap, for known sources too"


def test_a_source_is_known_once_a_pinned_peer_authenticated_from_it() -> None:
    gate = admission(pending=8, per_source=8)
    ticket = gate.admit("198.51.100.4", 0.0)
    assert isinstance(ticket, Admitted) and not ticket.known
    gate.finished(ticket, authenticated=True)
    for i in range(7):
        assert isinstance(gate.admit(f"10.0.1.{i}", 1.0), Admitted)
    assert gate.admit("10.0.2.1", 1.0) is Refusal.TOTAL
    again = gate.admit("198.51.100.4", 1.0)
    assert isinstance(again, Admitted) and again.known


def test_with_few_open_files_left_only_known_sources_get_in() -> None:
    gate = admission(reserve=64, known=("192.0.2.7",))
    assert gate.admit("10.0.0.1", 0.0, descriptors_free=63) is Refusal.DESCRIPTORS
    assert isinstance(gate.admit("10.0.0.1", 0.0, descriptors_free=64), Admitted)
    assert isinstance(gate.admit("192.0.2.7", 0.0, descriptors_free=16), Admitted)
    assert gate.admit("192.0.2.7", 0.0, descriptors_free=15) is Refusal.DESCRIPTORS


def test_refusals_are_reported_once_per_interval_busiest_sources_first_the_rest_summed() -> None:
    gate = admission(pending=1, per_source=1)
    assert isinstance(gate.admit("10.0.0.1", 100.0), Admitted)
    for i in range(1000):
        gate.admit("10.9.9.9", 100.5 + i / 1000)
    for n in range(12):
        gate.admit(f"10.8.0.{n}", 101.0)
    assert gate.next_report() == 110.5
    assert gate.reports(110.4) == [], "nothing before the interval is over"
    reports = gate.reports(110.5)
    assert reports[0] == RefusalsCounted("10.9.9.9", 1, 1000, (("total", 1000),), 100.5)
    assert len(reports) == 11 and sum(r.count for r in reports) == 1012
    assert reports[-1] == RefusalsCounted(None, 3, 3, (("total", 3),), 101.0)
    assert gate.reports(200.0) == [] and gate.next_report() is None
    assert gate.refused == {"total": 1012}


def test_a_failed_handshake_frees_its_place_and_only_a_few_refused_by_tls_are_worth_a_line() -> None:
    gate = admission(pending=64, per_source=64)
    tickets = [t for _ in range(8) if isinstance(t := gate.admit("10.0.0.1", 0.0), Admitted)]
    assert len(tickets) == 8 and gate.pending == 8
    assert [gate.failed(t, 5.0, "timeout" if n % 2 else "closed") for n, t in enumerate(tickets[:2])] == [False] * 2
    assert [gate.failed(t, 5.0, "handshake") for t in tickets[2:]] == [True] * 4 + [False] * 2
    assert gate.pending == 0
    assert gate.reports(15.0) == [
        RefusalsCounted("10.0.0.1", 1, 8, (("closed", 1), ("handshake", 6), ("timeout", 1)), 5.0)
    ]
    again = gate.admit("10.0.0.1", 20.0)
    assert isinstance(again, Admitted) and gate.failed(again, 21.0, "handshake") is True, "a new interval"


def test_no_more_than_32_lines_per_interval_from_all_sources_together() -> None:
    gate = admission(pending=128, per_source=1)
    worth = []
    for n in range(100):
        ticket = gate.admit(f"10.0.{n}.1", 0.0)
        assert isinstance(ticket, Admitted)
        worth.append(gate.failed(ticket, 0.0, "handshake"))
    assert worth == [True] * 32 + [False] * 68


def test_a_ticket_finished_twice_is_a_bug_said_so() -> None:
    gate = admission()
    ticket = gate.admit("10.0.0.1", 0.0)
    assert isinstance(ticket, Admitted)
    gate.finished(ticket, authenticated=False)
    with pytest.raises(ValueError, match="finished twice"):
        gate.finished(ticket, authenticated=False)


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        AdmissionLimits(0, 1)
    with pytest.raises(ValueError, match="report_interval"):
        AdmissionLimits(1, 1, report_interval=float("nan"))


def test_a_flood_from_very_many_addresses_is_summed_past_ten_thousand() -> None:
    gate = admission(pending=1, per_source=1)
    assert isinstance(gate.admit("10.255.255.255", 0.0), Admitted)
    for n in range(12000):
        gate.admit(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", 1.0)
    reports = gate.reports(11.0)
    assert len(reports) == 11 and sum(r.count for r in reports) == 12000
    assert reports[-1].source is None and reports[-1].sources == 10000 - 10 + 1
