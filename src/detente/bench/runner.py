"""One whole bench run: the floor, détente's two stations, Mosquitto and NATS JetStream, in a
scratch folder that is deleted at the end; every process the run starts, it stops."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .brokers import GUARANTEES
from .floor import measure_floor
from .fsyncs import FsyncCounter, parse_strace_summary, strace_prefix
from .line import Sender, crash_recovery, link_cut, one_at_a_time, throughput
from .machine import machine_facts, peak_rss_mb
from .report import ratios_and_targets
from .sizes import BenchSizes
from .stations import BenchStation, make_pair
from .stats import summarize
from .tools import missing_tools

__all__ = ["run_bench"]

Progress = Callable[[str], None]


def _send_command(station: BenchStation, to: str, rounds: int) -> dict[str, float]:
    """Wall time of ``detente send`` as an operator runs it: a new process each time."""
    samples = []
    for number in range(rounds):
        start = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "detente",
                "send",
                "--home",
                str(station.home),
                "--to",
                to,
                "--text",
                f"cli {number}",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        samples.append(time.monotonic() - start)
    return summarize(samples)


def _count_detente_fsyncs(sender: BenchStation, receiver: BenchStation, count: int, payload: int, folder: Path) -> Any:
    """fsync calls per message over a short one-at-a-time run: the sending process (queueing),
    the sender's serve and the receiver's serve (their background writes included)."""
    output = folder / "strace-send.txt"
    command = [sys.executable, "-m", "detente.bench.queuer", str(sender.home), sender.peer_id, str(count), str(payload)]
    with FsyncCounter({"sender_serve": sender.pid, "receiver_serve": receiver.pid}, folder) as counter:
        subprocess.run([*strace_prefix(output), *command], check=True, capture_output=True, timeout=600)
    per = {name: calls / count for name, calls in counter.counts.items()}
    per["send"] = parse_strace_summary(output.read_text(encoding="utf-8", errors="replace")) / count
    per["total"] = per["send"] + per["sender_serve"] + per["receiver_serve"]
    return per


def _detente(folder: Path, sizes: BenchSizes, count_fsyncs: bool, progress: Progress) -> dict[str, Any]:
    """Two stations for the figures of one line (latency first, while its history is short; the
    throughput run last), and two fresh ones for the crash, so that no figure depends on the
    history an earlier one left behind."""
    folder.mkdir()
    result: dict[str, Any] = {}
    (folder / "line").mkdir()
    sender_station, receiver = make_pair(folder / "line")
    try:
        result["start_to_listening_s"] = sender_station.start()
        receiver.start()
        sender = Sender(sender_station, sizes.payload_bytes)
        try:
            progress(f"détente: {sizes.one_at_a_time} messages one at a time")
            result.update(one_at_a_time(sender, receiver, sizes.one_at_a_time))
            if count_fsyncs:
                progress(f"détente: counting fsyncs over {sizes.fsync_messages} messages")
                result["fsyncs_per_message"] = _count_detente_fsyncs(
                    sender_station, receiver, sizes.fsync_messages, sizes.payload_bytes, folder
                )
            progress("détente: the link cut (receiver frozen with SIGSTOP) and restored")
            result["cut"] = link_cut(sender, receiver, sizes.cut_hold)
            progress("détente: `detente send` as a command")
            result["send_command"] = _send_command(sender_station, receiver.party, 1 if sizes.quick else 3)
            progress(f"détente: {sizes.in_flight} messages in flight")
            result["throughput"] = throughput(sender, receiver, sizes.in_flight, timeout=3600)
        finally:
            sender.close()
        result["peak_rss_mb"] = {"sender": peak_rss_mb(sender_station.pid), "receiver": peak_rss_mb(receiver.pid)}
    finally:
        for station in (sender_station, receiver):
            station.stop()
    (folder / "crash").mkdir()
    sender_station, receiver = make_pair(folder / "crash")
    try:
        sender_station.start()
        receiver.start()
        sender = Sender(sender_station, sizes.payload_bytes)
        try:
            sender.wait_delivered(sender.queue())
            progress(f"détente: kill -9 of the receiver, a backlog of {sizes.backlog}, restart")
            result["crash"] = crash_recovery(sender, receiver, sizes.backlog, timeout=3600)
        finally:
            sender.close()
    finally:
        for station in (sender_station, receiver):
            station.stop()
    return result


def _alternative(name: str, run: Callable[[], dict[str, Any]], missing: set[str], needs: set[str]) -> dict[str, Any]:
    lacking = sorted(needs & missing)
    if lacking:
        return {"skipped": f"not measured: {', '.join(lacking)} not installed"}
    return run()


def run_bench(sizes: BenchSizes, *, folder: Path | None = None, progress: Progress = print) -> dict[str, Any]:
    """Run everything; every figure in one dict (seconds as ``_s``, milliseconds as ``_ms``)."""
    missing_list = missing_tools()
    missing = {tool.name for tool in missing_list}
    scratch = Path(tempfile.mkdtemp(prefix="detente-bench-", dir=folder))
    try:
        results: dict[str, Any] = {
            "machine": machine_facts(scratch),
            "sizes": dataclasses.asdict(sizes),
            "missing": [{"name": tool.name, "install": tool.how} for tool in missing_list],
            "guarantees": GUARANTEES,
        }
        count_fsyncs = "strace" not in missing
        progress("floor: fsync, round trips, signatures")
        (scratch / "floor").mkdir()
        results["floor"] = measure_floor(scratch / "floor", sizes.floor_rounds, sizes.payload_bytes)
        results["detente"] = _detente(scratch / "detente", sizes, count_fsyncs, progress)
        progress("Mosquitto")
        from .mosquitto import run_mosquitto

        results["mosquitto"] = _alternative(
            "mosquitto",
            lambda: run_mosquitto(scratch / "mosquitto", sizes, count_fsyncs),
            missing,
            {"mosquitto", "paho-mqtt"},
        )
        progress("NATS JetStream")
        from .jetstream import run_jetstream

        results["jetstream"] = _alternative(
            "jetstream",
            lambda: run_jetstream(scratch / "jetstream", sizes, count_fsyncs),
            missing,
            {"nats-server", "nats-py"},
        )
        results.update(ratios_and_targets(results))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
