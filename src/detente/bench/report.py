"""The bench's results as a table (plain text for the terminal, Markdown for the README) and as
JSON; the ratios détente / alternative and where détente stands against its targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = [
    "BACKLOG_RATE_SHARE",
    "PRESENT_FIGURES",
    "REQUIRED_FIGURES",
    "figure",
    "floor_path_ms",
    "ratios_and_targets",
    "render_markdown",
    "render_text",
    "write_json",
]

REQUIRED_FIGURES = (
    "floor.fsync.p50_ms",
    "floor.fdatasync.p50_ms",
    "floor.tls_round_trip.p50_ms",
    "floor.tcp_round_trip.p50_ms",
    "floor.ed25519_sign.p50_ms",
    "floor.ed25519_verify.p50_ms",
    "floor.mldsa65_sign.p50_ms",
    "floor.mldsa65_verify.p50_ms",
    "floor.seal_envelope.p50_ms",
    "floor.check_envelope.p50_ms",
    "floor_path_ms",
    *(f"detente.latency.{p}" for p in ("p50_ms", "p90_ms", "p99_ms", "max_ms")),
    "detente.send_accepted.p50_ms",
    "detente.stages.to_receiver_ms",
    "detente.stages.receipt_back_ms",
    "detente.stages.receipt_stored_ms",
    "detente.throughput.msgs_per_s",
    "detente.throughput.submit_msgs_per_s",
    "detente.throughput.cpu_ms_per_message.sender",
    "detente.throughput.cpu_ms_per_message.receiver",
    "detente.throughput.peak_rss_mb.sender",
    "detente.throughput.peak_rss_mb.receiver",
    "detente.peak_rss_mb.sender",
    "detente.peak_rss_mb.receiver",
    "detente.cut.detect_loss_s",
    "detente.cut.first_delivery_after_restore_s",
    "detente.crash.sender_rss_holding_backlog_mb",
    "detente.crash.sender_peak_rss_mb",
    "detente.crash.receiver_peak_rss_mb",
    "detente.crash.restart_to_listening_s",
    "detente.crash.restart_to_first_delivery_s",
    "detente.crash.restart_to_backlog_delivered_s",
    "detente.crash.backlog_msgs_per_s",
    "detente.send_command.p50_ms",
    *(
        f"{system}.{name}"
        for system in ("mosquitto", "jetstream")
        for name in (
            "latency.p50_ms",
            "latency.p90_ms",
            "latency.p99_ms",
            "latency.max_ms",
            "publish_confirmed.p50_ms",
            "throughput.msgs_per_s",
        )
    ),
    *(
        f"ratios.{system}.{name}"
        for system in ("mosquitto", "jetstream")
        for name in ("latency_p50", "latency_p90", "latency_p99", "latency_max", "throughput")
    ),
)
"""Every figure a run produces, as dotted paths into the results; each must be positive."""

PRESENT_FIGURES = (
    "detente.stages.wake_up_ms",
    "detente.fsyncs_per_message.total",
    "detente.fsyncs_per_message.send",
    "detente.fsyncs_per_message.sender_serve",
    "detente.fsyncs_per_message.receiver_serve",
    "mosquitto.fsyncs_per_message",
    "jetstream.fsyncs_per_message",
)
"""Figures that must be present but may be zero: fsync calls per message, counted with strace
(zero for the brokers), and the wake-up stage (a difference of millisecond timestamps of two
processes, about zero since ``send`` pokes ``serve``)."""


BACKLOG_RATE_SHARE = 0.95
"""A backlog counts as delivered at full throughput at this share of the in-flight rate or more:
the two rates are measured minutes apart, and repeated runs spread by a few percent."""


def figure(results: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of the results; None if it is not there."""
    value: Any = results
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def floor_path_ms(floor: dict[str, Any]) -> float:
    """The floor of one message's path from accepted to receipt stored at the sender: the
    receiver's fsync and the sender's (of the receipt), one TLS round trip, the receiver's
    Ed25519 signature of the receipt and two verifications (envelope, receipt); medians."""
    return float(
        2 * floor["fsync"]["p50_ms"]
        + floor["tls_round_trip"]["p50_ms"]
        + floor["ed25519_sign"]["p50_ms"]
        + 2 * floor["ed25519_verify"]["p50_ms"]
    )


def ratios_and_targets(results: dict[str, Any]) -> dict[str, Any]:
    """détente / alternative for each figure, and each of détente's targets with where it stands."""
    ratios: dict[str, Any] = {}
    detente = results["detente"]
    for system in ("mosquitto", "jetstream"):
        other = results.get(system, {})
        if "latency" not in other:
            continue
        ratios[system] = {
            **{
                f"latency_{p}": detente["latency"][f"{p}_ms"] / other["latency"][f"{p}_ms"]
                for p in ("p50", "p90", "p99", "max")
            },
            "throughput": detente["throughput"]["msgs_per_s"] / other["throughput"]["msgs_per_s"],
        }
    path = floor_path_ms(results["floor"])
    backlog_rss = max(detente["crash"]["sender_rss_holding_backlog_mb"], detente["crash"]["sender_peak_rss_mb"])
    targets = [
        {
            "target": "one-at-a-time p99 within 2x the floor of its path",
            "measured": f"{detente['latency']['p99_ms'] / path:.1f}x ({detente['latency']['p99_ms']:.1f} ms "
            f"against {path:.2f} ms)",
            "met": detente["latency"]["p99_ms"] <= 2 * path,
        },
        {
            "target": f"backlog memory under 200 MB (measured with {detente['crash']['backlog']:.0f} messages)",
            "measured": f"{backlog_rss:.0f} MB (the sender's peak, holding and delivering it)",
            "met": backlog_rss < 200,
        },
        {
            "target": "link loss detected in 3 s or less",
            "measured": f"{detente['cut']['detect_loss_s']:.2f} s",
            "met": detente["cut"]["detect_loss_s"] <= 3.0,
        },
        {
            "target": "first message through 1 s or less after the link comes back",
            "measured": f"{detente['cut']['first_delivery_after_restore_s']:.2f} s",
            "met": detente["cut"]["first_delivery_after_restore_s"] <= 1.0,
        },
        {
            "target": "a backlog after a crash delivered at full throughput (within 5%, the spread between runs)",
            "measured": f"{detente['crash']['backlog_msgs_per_s']:.0f} msg/s against "
            f"{detente['throughput']['msgs_per_s']:.0f} msg/s in flight",
            "met": detente["crash"]["backlog_msgs_per_s"] >= BACKLOG_RATE_SHARE * detente["throughput"]["msgs_per_s"],
        },
    ]
    if "jetstream" in ratios:
        targets[1:1] = [
            {
                "target": "p50 within 3x NATS JetStream's send-to-receive",
                "measured": f"{ratios['jetstream']['latency_p50']:.1f}x",
                "met": ratios["jetstream"]["latency_p50"] <= 3,
            },
            {
                "target": "throughput at least NATS JetStream's",
                "measured": f"{ratios['jetstream']['throughput']:.3f}x",
                "met": ratios["jetstream"]["throughput"] >= 1,
            },
        ]
    return {"floor_path_ms": path, "ratios": ratios, "targets": targets}


# --- rendering ---------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 1:
        return f"{value:.1f} ms"
    return f"{value:.3f} ms"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}x" if value >= 10 else f"{value:.2f}x"


def _number(value: float | None, unit: str, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f} {unit}"


def _tables(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Each table as (title, header, rows)."""
    r = results
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    m = r["machine"]
    tables.append(
        (
            "Machine",
            ["fact", "value"],
            [
                ["CPU", f"{m['cpu']}, {m['cores']} cores, {m['memory']}"],
                ["Python", f"{m['python']} on {m['os']}"],
                ["disk of the stations", m["disk"]],
                ["load average at the start", m["load"]],
                ["date", m["date"]],
            ],
        )
    )
    f = r["floor"]
    floor_rows = [
        ["fsync of a 512-byte append", "fsync"],
        ["fdatasync of a 512-byte append", "fdatasync"],
        ["TLS 1.3 round trip of 500 bytes, two processes", "tls_round_trip"],
        ["TCP round trip of 500 bytes, two processes", "tcp_round_trip"],
        ["Ed25519 sign (envelopes, receipts)", "ed25519_sign"],
        ["Ed25519 verify", "ed25519_verify"],
        ["ML-DSA-65 sign (checkpoints)", "mldsa65_sign"],
        ["ML-DSA-65 verify", "mldsa65_verify"],
        ["détente: seal one envelope (canonical JSON, hash, sign)", "seal_envelope"],
        ["détente: parse and check one envelope", "check_envelope"],
    ]
    rows = [[label, _ms(f[key]["p50_ms"]), _ms(f[key]["p99_ms"])] for label, key in floor_rows]
    rows.append(
        ["floor of one message's path: 2 fsync + TLS round trip + sign + 2 verify", _ms(r["floor_path_ms"]), ""]
    )
    tables.append(("The floor on this machine", ["figure", "p50", "p99"], rows))

    d = r["detente"]
    systems = [(name, r.get(name, {})) for name in ("mosquitto", "jetstream")]
    header = ["figure", "détente"]
    for name, _ in systems:
        label = {"mosquitto": "Mosquitto QoS 2", "jetstream": "NATS JetStream"}[name]
        header += [label, f"détente / {label.split()[0]}"]
    rows = []
    for p in ("p50", "p90", "p99", "max"):
        row = [f"latency {p} (détente: accepted → receipt stored at sender; brokers: publish → received)"]
        row.append(_ms(d["latency"][f"{p}_ms"]))
        for name, data in systems:
            row.append(_ms(figure(data, f"latency.{p}_ms")))
            row.append(_ratio(figure(r, f"ratios.{name}.latency_{p}")))
        rows.append(row)
    row = ["send accepted p50 (détente: stored and fsync'd; brokers: publish confirmed)"]
    row.append(_ms(d["send_accepted"]["p50_ms"]))
    for _, data in systems:
        row += [_ms(figure(data, "publish_confirmed.p50_ms")), ""]
    rows.append(row)
    row = [f"throughput, {d['throughput']['messages']:,} messages in flight"]
    row.append(_number(d["throughput"]["msgs_per_s"], "msg/s"))
    for name, data in systems:
        row += [_number(figure(data, "throughput.msgs_per_s"), "msg/s"), _ratio(figure(r, f"ratios.{name}.throughput"))]
    rows.append(row)
    row = ["fsync calls per message (strace -f -c, short one-at-a-time run)"]
    row.append(_number(figure(d, "fsyncs_per_message.total"), "", 2).strip())
    for _, data in systems:
        row += [_number(figure(data, "fsyncs_per_message"), "", 2).strip(), ""]
    rows.append(row)
    for name, data in systems:
        if "skipped" in data:
            rows.append([f"{name}: {data['skipped']}"] + [""] * (len(header) - 1))
    tables.append(("détente and the alternatives, same run, same machine", header, rows))

    fs = d.get("fsyncs_per_message", {})
    rows = [
        ["wake-up: accepted → serve sends it (mean)", _ms(d["stages"]["wake_up_ms"])],
        ["sent → stored at the receiver (mean)", _ms(d["stages"]["to_receiver_ms"])],
        ["stored at the receiver → receipt arrives at the sender (mean)", _ms(d["stages"]["receipt_back_ms"])],
        ["receipt arrives → stored and seen by another process (mean)", _ms(d["stages"]["receipt_stored_ms"])],
        ["`detente send` as a command (new process), p50", _ms(d["send_command"]["p50_ms"])],
        [
            "CPU per message during the throughput run (sender's serve / receiver's serve)",
            " / ".join(_ms(d["throughput"]["cpu_ms_per_message"][k]) for k in ("sender", "receiver")),
        ],
        [
            "submitting, one process handing over 100 messages per transaction",
            _number(d["throughput"]["submit_msgs_per_s"], "msg/s"),
        ],
        [
            "fsyncs per message: sending process / sender's serve / receiver's serve",
            " / ".join(f"{fs.get(k, 0):.2f}" for k in ("send", "sender_serve", "receiver_serve")) if fs else "-",
        ],
        [
            "peak memory of each station (sender / receiver)",
            f"{d['peak_rss_mb']['sender']:.0f} MB / {d['peak_rss_mb']['receiver']:.0f} MB",
        ],
        [
            f"sender's memory holding a backlog of {d['crash']['backlog']:,.0f}",
            _number(d["crash"]["sender_rss_holding_backlog_mb"], "MB"),
        ],
        [
            "peak memory while the backlog is delivered (sender / receiver)",
            f"{d['crash']['sender_peak_rss_mb']:.0f} MB / {d['crash']['receiver_peak_rss_mb']:.0f} MB",
        ],
        ["after kill -9 of the receiver: restart → listening", _number(d["crash"]["restart_to_listening_s"], "s", 2)],
        [
            "restart → first message of the backlog delivered",
            _number(d["crash"]["restart_to_first_delivery_s"], "s", 2),
        ],
        ["restart → whole backlog delivered", _number(d["crash"]["restart_to_backlog_delivered_s"], "s", 2)],
        ["backlog delivery rate (once listening)", _number(d["crash"]["backlog_msgs_per_s"], "msg/s")],
        ["link cut (receiver frozen): loss detected after", _number(d["cut"]["detect_loss_s"], "s", 2)],
        ["link restored: first message delivered after", _number(d["cut"]["first_delivery_after_restore_s"], "s", 2)],
    ]
    tables.append(("détente in detail", ["figure", "value"], rows))
    rows = [[t["target"], t["measured"], "yes" if t["met"] else "NO"] for t in r["targets"]]
    tables.append(("Targets détente sets itself", ["target", "measured", "met"], rows))
    rows = [[f"{name} {figure(r, f'{name}.version') or ''}".strip(), text] for name, text in r["guarantees"].items()]
    tables.append(("What each guarantees when it says a message is sent", ["system", "guarantee"], rows))
    return tables


def _missing_lines(results: dict[str, Any]) -> list[str]:
    return [
        f"MISSING: {tool['name']} is not installed ({tool['install']}); its figures are not measured"
        for tool in results["missing"]
    ]


def render_text(results: dict[str, Any]) -> str:
    """The tables for a terminal, columns aligned."""
    out = [f"détente bench{' (--quick: tiny sizes, figures not meaningful)' if results['sizes']['quick'] else ''}"]
    out += _missing_lines(results)
    for title, header, rows in _tables(results):
        out += ["", title]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(out) + "\n"


def render_markdown(results: dict[str, Any]) -> str:
    """The tables in Markdown (as in the README's "How fast")."""
    out = _missing_lines(results)
    for title, header, rows in _tables(results):
        out += ["", f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(out).lstrip("\n") + "\n"


def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
