"""The station's Prometheus metrics, read from the store at scrape time.

Nothing is counted along the way: each scrape reads what the store already holds (link
statuses the running station saves every second, the messages with their receipt and
acknowledgement times, escalations, checkpoints, alarms, the journal), so the figures survive
a restart and agree with `detente status`. Labels are bounded: party, path, precedence, kind of
alarm, direction; never a message id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ..protocol.envelope import Precedence
from ..protocol.timestamps import parse_time
from ..store import Store
from ..store.base import AwaitingRecord
from ..store.timing import COMMIT_BUCKETS, commit_times

__all__ = ["ACK_BUCKETS", "RECEIPT_BUCKETS", "StationCollector"]

RECEIPT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
"""Upper bounds (seconds) of the time-to-receipt histogram: from a message stored to its signed receipt."""
ACK_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 6 * 3600.0, 86400.0)
"""Upper bounds (seconds) of the time-to-acknowledgement histogram: from stored to a person's acknowledgement."""
PRECEDENCES = tuple(p.value for p in Precedence)


@dataclass
class _Journal:
    """Link-up events counted from the journal, read on from where the last scrape stopped."""

    after: int = 0
    ups: dict[str, int] = field(default_factory=dict)


class StationCollector(Collector):
    """Every ``detente_`` metric of one station. ``open_store`` is called on the first scrape
    (from the scraping thread) and the store kept; ``active`` says whether this server is the
    station's active one."""

    def __init__(self, open_store: Callable[[], Store], active: Callable[[], bool], clock: Callable[[], float]) -> None:
        self._open_store = open_store
        self._active = active
        self._clock = clock
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._journal = _Journal()

    def store(self) -> Store:
        if self._store is None:
            self._store = self._open_store()
        return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def readiness(self) -> dict[str, object]:
        """What ``/readyz`` says: whether the store answers, this server is active, and each link's state."""
        with self._lock:
            try:
                store = self.store()
                peers = {peer.station_id: peer.party for peer in store.peers()}
                links = {peers[s.peer]: s.state.lower() for s in store.link_statuses() if s.peer in peers}
                reachable = True
            except Exception:  # unreachable, whatever the reason
                self.close_quietly()
                links, reachable = {}, False
        active = self._active()
        return {"ready": reachable and active, "store": reachable, "active": active, "links": links}

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            yield from self._collect()

    def _collect(self) -> Iterator[Metric]:
        active = GaugeMetricFamily("detente_server_active", "1 while this server runs the station, 0 standing by")
        active.add_metric([], 1.0 if self._active() else 0.0)
        yield active
        up = GaugeMetricFamily("detente_store_up", "1 when the last scrape could read the store")
        try:
            metrics = list(self._from_store(self.store()))
        except Exception:  # any failure to read is the answer: the store is not reachable
            self.close_quietly()
            up.add_metric([], 0.0)
            metrics = []
        else:
            up.add_metric([], 1.0)
        yield up
        yield from metrics
        yield from _commit_metrics()

    def close_quietly(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except Exception:
                pass

    def _from_store(self, store: Store) -> Iterator[Metric]:
        now = self._clock()
        peers = {peer.station_id: peer.party for peer in store.peers()}
        yield from _link_metrics(store, peers)
        yield self._reconnects(store, peers)
        yield from _queue_metrics(store, peers, now)
        yield from _exchange_metrics(store, peers)
        yield from _ledger_metrics(store, peers, now)
        yield _alarm_metric(store)

    def _reconnects(self, store: Store, peers: dict[str, str]) -> Metric:
        while True:
            entries = store.journal_entries(after_id=self._journal.after, limit=1000)
            for entry in entries:
                if entry.event == "link.up" and entry.peer:
                    self._journal.ups[entry.peer] = self._journal.ups.get(entry.peer, 0) + 1
                self._journal.after = max(self._journal.after, entry.id)
            if len(entries) < 1000:
                break
        metric = CounterMetricFamily(
            "detente_link_reconnects",
            "Times the link to each peer came up (the first connection included)",
            labels=["party"],
        )
        for station_id, party in sorted(peers.items()):
            metric.add_metric([party], float(self._journal.ups.get(station_id, 0)))
        return metric


def _link_metrics(store: Store, peers: dict[str, str]) -> Iterator[Metric]:
    link_up = GaugeMetricFamily("detente_link_up", "1 while the link to the peer is up", labels=["party"])
    path_up = GaugeMetricFamily(
        "detente_path_up",
        "1 while a path to the peer is established (carrying the link or standing by)",
        labels=["party", "path"],
    )
    path_current = GaugeMetricFamily(
        "detente_path_current", "1 for the path that carries the link", labels=["party", "path"]
    )
    round_trip = GaugeMetricFamily(
        "detente_link_round_trip_seconds", "Last heartbeat round trip on the link", labels=["party"]
    )
    path_round_trip = GaugeMetricFamily(
        "detente_path_round_trip_seconds", "Last heartbeat round trip on each path", labels=["party", "path"]
    )
    offset = GaugeMetricFamily(
        "detente_clock_offset_seconds",
        "The peer's clock minus this station's, as measured by heartbeats",
        labels=["party"],
    )
    for status in store.link_statuses():
        party = peers.get(status.peer)
        if party is None:
            continue
        link_up.add_metric([party], 1.0 if status.state == "UP" else 0.0)
        if status.round_trip is not None:
            round_trip.add_metric([party], status.round_trip)
        if status.clock_offset is not None:
            offset.add_metric([party], status.clock_offset)
        for path in status.paths:
            path_up.add_metric([party, path.name], 1.0 if path.state in ("current", "standby") else 0.0)
            path_current.add_metric([party, path.name], 1.0 if path.state == "current" else 0.0)
            if path.round_trip is not None:
                path_round_trip.add_metric([party, path.name], path.round_trip)
    yield from (link_up, path_up, path_current, round_trip, path_round_trip, offset)


def _queue_metrics(store: Store, peers: dict[str, str], now: float) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        "detente_queue_depth_messages",
        "Messages to the peer without its signed receipt yet",
        labels=["party", "precedence"],
    )
    oldest = GaugeMetricFamily(
        "detente_oldest_unacknowledged_age_seconds",
        "Age of the oldest message (either direction) still waiting for a person's acknowledgement",
        labels=["party", "precedence"],
    )
    for station_id, party in sorted(peers.items()):
        waiting = store.waiting_by_precedence(station_id)
        ages: dict[str, float] = {}
        for record in store.unacknowledged(station_id):
            age = max(0.0, now - parse_time(record.stored_at))
            ages[record.precedence] = max(ages.get(record.precedence, 0.0), age)
        for precedence in PRECEDENCES:
            depth.add_metric([party, precedence], float(waiting.get(precedence, 0)))
            oldest.add_metric([party, precedence], ages.get(precedence, 0.0))
    yield depth
    yield oldest


def _exchange_metrics(store: Store, peers: dict[str, str]) -> Iterator[Metric]:
    delivered = CounterMetricFamily(
        "detente_messages_delivered", "Messages from the peer stored and receipted here", labels=["party"]
    )
    receipts = CounterMetricFamily(
        "detente_receipts_received", "Signed receipts the peer returned for this station's messages", labels=["party"]
    )
    for station_id, party in sorted(peers.items()):
        counts = store.exchange_counts(station_id)
        delivered.add_metric([party], float(counts.received))
        receipts.add_metric([party], float(counts.delivered))
    yield delivered
    yield receipts
    records = store.acknowledgement_times("")
    acknowledged = CounterMetricFamily(
        "detente_acknowledgements",
        "Messages a person acknowledged: direction in (by this station's watch) or out (by the peer's)",
        labels=["party", "direction"],
    )
    ack_counts: dict[tuple[str, str], int] = {}
    for record in records:
        if record.acked_at:
            key = (record.party, record.direction)
            ack_counts[key] = ack_counts.get(key, 0) + 1
    for party in sorted(set(peers.values())):
        for direction in ("in", "out"):
            acknowledged.add_metric([party, direction], float(ack_counts.get((party, direction), 0)))
    yield acknowledged
    yield _histogram(
        "detente_time_to_receipt_seconds",
        "From a message of this station stored to the peer's signed receipt",
        [r for r in records if r.direction == "out"],
        lambda r: r.delivered_at,
        RECEIPT_BUCKETS,
    )
    yield _histogram(
        "detente_time_to_acknowledgement_seconds",
        "From a message stored to a person's acknowledgement (direction in: this station's watch)",
        records,
        lambda r: r.acked_at,
        ACK_BUCKETS,
        by_direction=True,
    )
    escalations = CounterMetricFamily(
        "detente_escalations", "Escalation steps taken for messages nobody acknowledged in time", labels=["step"]
    )
    steps: dict[str, int] = {}
    for escalation in store.escalations():
        steps[escalation.step] = steps.get(escalation.step, 0) + 1
    for step, count in sorted(steps.items()):
        escalations.add_metric([step], float(count))
    yield escalations


def _histogram(
    name: str,
    documentation: str,
    records: Iterable[AwaitingRecord],
    end: Callable[[AwaitingRecord], str | None],
    bounds: tuple[float, ...],
    *,
    by_direction: bool = False,
) -> Metric:
    labels = ["party", "precedence"] + (["direction"] if by_direction else [])
    metric = HistogramMetricFamily(name, documentation, labels=labels)
    series: dict[tuple[str, ...], list[float]] = {}
    for record in records:
        finished = end(record)
        if not finished:
            continue
        key = (record.party, record.precedence) + ((record.direction,) if by_direction else ())
        series.setdefault(key, []).append(max(0.0, parse_time(finished) - parse_time(record.stored_at)))
    for key, values in sorted(series.items()):
        buckets = [(_bound(b), float(sum(1 for v in values if v <= b))) for b in bounds]
        buckets.append(("+Inf", float(len(values))))
        metric.add_metric(list(key), buckets, sum(values))
    return metric


def _bound(value: float) -> str:
    return str(value)


def _ledger_metrics(store: Store, peers: dict[str, str], now: float) -> Iterator[Metric]:
    checkpoint_lag = GaugeMetricFamily(
        "detente_checkpoint_lag_entries",
        "Entries of this station's log of the line not yet in a signed checkpoint",
        labels=["party"],
    )
    cosignature_lag = GaugeMetricFamily(
        "detente_cosignature_lag_entries",
        "Entries of this station's log not yet in a checkpoint the peer co-signed",
        labels=["party"],
    )
    cosignature_age = GaugeMetricFamily(
        "detente_cosignature_wait_seconds",
        "How long the oldest checkpoint the peer has not co-signed has waited (0: none waits)",
        labels=["party"],
    )
    for station_id, party in sorted(peers.items()):
        size = store.log_size("own", station_id)
        checkpoints = store.checkpoints("own", station_id)
        signed = max((c.size for c in checkpoints), default=0)
        cosigned = max((c.size for c in checkpoints if c.cosigned_at), default=0)
        waiting = [parse_time(c.created_at) for c in checkpoints if not c.cosigned_at and c.size > cosigned]
        checkpoint_lag.add_metric([party], float(max(0, size - signed)))
        cosignature_lag.add_metric([party], float(max(0, size - cosigned)))
        cosignature_age.add_metric([party], max(0.0, now - min(waiting)) if waiting else 0.0)
    yield from (checkpoint_lag, cosignature_lag, cosignature_age)


def _alarm_metric(store: Store) -> Metric:
    metric = GaugeMetricFamily("detente_alarms_active", "Alarms raised and not yet ended, by kind", labels=["kind"])
    kinds: dict[str, int] = {}
    for alarm in store.station_alarms():
        kinds[alarm.kind] = kinds.get(alarm.kind, 0) + 1
    for kind, count in sorted(kinds.items()):
        metric.add_metric([kind], float(count))
    return metric


def _commit_metrics() -> Iterator[Metric]:
    metric = HistogramMetricFamily(
        "detente_store_commit_seconds",
        "Duration of the store's commits in this process (durable: waited for the disk, an fsync on SQLite)",
        labels=["durable"],
    )
    for durable in (True, False):
        figures = commit_times.figures(durable)
        buckets = [(_bound(b), float(c)) for b, c in zip(COMMIT_BUCKETS, figures.buckets, strict=True)]
        buckets.append(("+Inf", float(figures.count)))
        metric.add_metric(["true" if durable else "false"], buckets, figures.total)
    yield metric
