"""The Grafana dashboard in examples/grafana names only metrics a real station's `/metrics` serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from watch.conftest import configure

from .conftest import StationFactory
from .metrics_scrape import fetch
from .stations import free_port, wait_until

DASHBOARD = Path(__file__).resolve().parents[2] / "examples" / "grafana" / "detente.json"
_FUNCTIONS = {
    "sum",
    "by",
    "rate",
    "increase",
    "histogram_quantile",
    "le",
    "job",
    "max",
    "min",
    "avg",
    "without",
    "label_values",
}
_SUFFIXES = {"counter": ("",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        if isinstance(node.get("query"), str) and "(" in node["query"]:
            found.append(node["query"])
        return found + [e for value in node.values() for e in _expressions(value)]
    if isinstance(node, list):
        return [e for item in node for e in _expressions(item)]
    return []


def _metric_names(expression: str) -> set[str]:
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", expression)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare)) - _FUNCTIONS
    by_lists = set(re.findall(r"by \(([^)]*)\)", bare))
    labels = {label.strip() for group in by_lists for label in group.split(",")}
    return {w for w in words - labels if "_" in w}


def test_every_metric_the_dashboard_queries_is_in_a_real_scrape(make_station: StationFactory) -> None:
    station = make_station("Ankara Operations Centre", "TR", "tr")
    peer = make_station("Damascus Operations Centre", "SY", "ar")
    station.pin(peer)
    peer.pin(station)
    port = free_port()
    configure(station.home, {"metrics": {"listen": f"127.0.0.1:{port}"}})
    station.start()
    peer.start()
    station.send("Routine report", "SY")
    wait_until(lambda: b"detente_time_to_receipt_seconds_bucket" in fetch(port, "/metrics")[1], what="a receipt")
    text = fetch(port, "/metrics")[1].decode()
    served = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", text, re.M))
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):  # those without samples yet, too
        served |= {f"{family}{suffix}" for suffix in _SUFFIXES.get(kind, ("",))}
    expressions = _expressions(json.loads(DASHBOARD.read_text(encoding="utf-8")))
    assert len(expressions) >= 15
    named = {name for expression in expressions for name in _metric_names(expression)}
    assert {"detente_link_up", "detente_time_to_receipt_seconds_bucket", "process_open_fds"} <= named
    assert named - served == set(), "metrics the dashboard queries that no station serves"
    assert all(name.startswith(("detente_", "process_")) for name in named)
    peer.stop()
    station.stop()
