"""Reading a station's `[metrics] listen`: its samples by name and labels, and its health."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def fetch(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def scrape(port: int, token: str | None = None) -> Samples:
    status, body = fetch(port, "/metrics", token)
    if status != 200:
        raise AssertionError(f"/metrics answered {status}: {body!r}")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def ready(port: int) -> tuple[int, dict[str, Any]]:
    status, body = fetch(port, "/readyz")
    return status, json.loads(body)
