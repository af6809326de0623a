"""What ``detente status`` prints, in the reader's language, from the plain data of
:func:`detente.views.status_view` (the same data ``status --json`` prints).

Every word comes from the catalogues (``N_`` and ``Nn_`` mark them for ``make messages``); counts
take the language's plural forms; what the station stored in English about its links and paths
is said again in the reader's language (:func:`detente.link_text.say_in`); names, codes and
times are isolated so that Arabic and Latin text cannot reorder each other on the terminal.
"""

from __future__ import annotations

from typing import Any

from .alarms.texts import describe_alarms, duration_text
from .link_text import say_in
from .notifications import Lang
from .notifications.bidi import RLM, isolate_auto
from .notifications.i18n import N_, Nn_, Translator, translator

__all__ = ["roster_line", "status_lines"]

_WINDOWS = {"shift": N_("last shift"), "7d": N_("7 days"), "30d": N_("30 days")}
_ROLES = {"operator": N_("operator"), "supervisor": N_("supervisor")}


class _Say:
    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.t: Translator = translator(lang)

    def iso(self, value: object) -> str:
        return isolate_auto(str(value), rtl_context=self.lang == "ar")

    def __call__(self, message: str, **values: object) -> str:
        return self.t.format(message, **{k: self.iso(v) for k, v in values.items()})

    def counted(self, forms: tuple[str, str], count: int, **values: object) -> str:
        return self.t.nformat(*forms, count, **{k: self.iso(v) for k, v in values.items()})

    def duration(self, seconds: float | None) -> str:
        return "-" if seconds is None else duration_text(seconds, self.t)

    def ms(self, value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return "-"
        return self.iso(self.t.format(N_("{value} ms"), value=f"{value:+.1f}" if signed else f"{value:.1f}"))


def _servers(say: _Say, view: dict[str, Any]) -> list[str]:
    servers, database, serve = view["servers"], view["servers"]["database"], view["serve"]
    if database["engine"] != "postgresql":
        running = say(N_("serve: running, pid {pid}"), pid=serve["pid"]) if serve["running"] else None
        size = f"{database['size_bytes'] / 1e6:.1f}"
        return [
            running or say.t.gettext(N_("serve: not running")),
            say(N_("database: SQLite {path}, {size} MB"), path=database["path"], size=size),
        ]
    active = servers["active"]
    lines = []
    if active is None:
        lines.append(say(N_("servers: none has been active yet (this one: {this})"), this=servers["this_server"]))
    elif active["live"]:
        lines.append(
            say(
                N_("servers: {server} active since {since} (epoch {epoch}); this one: {this}"),
                server=active["server"],
                since=active["since"],
                epoch=active["epoch"],
                this=servers["this_server"],
            )
        )
    else:
        lines.append(
            say(
                N_("servers: {server} SILENT since {renewed} (a standby takes over; epoch {epoch}); this one: {this}"),
                server=active["server"],
                renewed=active["renewed_at"],
                epoch=active["epoch"],
                this=servers["this_server"],
            )
        )
    template = (
        N_("database: PostgreSQL {version} at {url}, a READ-ONLY REPLICA, {size} MB, round trip {rtt}")
        if database["replica"]
        else N_("database: PostgreSQL {version} at {url}, {size} MB, round trip {rtt}")
    )
    lines.append(
        say(
            template,
            version=database["server_version"],
            url=database["url"],
            size=f"{database['size_bytes'] / 1e6:.1f}",
            rtt=say.ms(database["round_trip_ms"]),
        )
    )
    return lines


def _watch(say: _Say, state: dict[str, Any], party: str) -> list[str]:
    if state["last_check_sent_at"] is None:
        check = say.t.gettext(N_("watch: no watch check sent yet"))
    elif state["last_check_answered"]:
        check = say(
            N_("watch: last check sent {sent}, answered by {who} at {at}"),
            sent=state["last_check_sent_at"],
            who=state["last_check_acknowledged_by"],
            at=state["last_check_acknowledged_at"],
        )
    else:
        check = say(N_("watch: last check sent {sent}, not answered yet"), sent=state["last_check_sent_at"])
    lines = [check]
    if state["peer_not_answering_s"] is not None:
        lines.append(
            say.counted(
                Nn_(
                    "watch NOT ANSWERING for {duration}: {count} message to {party} past its deadline without a "
                    "person's acknowledgement (oldest {id})",
                    "watch NOT ANSWERING for {duration}: {count} messages to {party} past their deadline without "
                    "a person's acknowledgement (oldest {id})",
                ),
                state["peer_overdue"],
                duration=say.duration(state["peer_not_answering_s"]),
                party=party,
                id=state["peer_oldest_overdue_id"],
            )
        )
    if state["awaiting_here"]:
        line = say.counted(
            Nn_(
                "here: {count} message from {party} not yet acknowledged, oldest {duration} ({id})",
                "here: {count} messages from {party} not yet acknowledged, oldest {duration} ({id})",
            ),
            state["awaiting_here"],
            party=party,
            duration=say.duration(state["oldest_awaiting_here_s"]),
            id=state["oldest_awaiting_here_id"],
        )
        if state["awaiting_here_overdue"]:
            line += say.counted(
                Nn_(", {count} past the deadline", ", {count} past the deadline"), state["awaiting_here_overdue"]
            )
        lines.append(line)
    else:
        lines.append(say(N_("here: nothing from {party} awaits a person's acknowledgement"), party=party))
    lines.append(_roster(say, state.get("peer_on_watch"), party))
    return lines


def _roster(say: _Say, roster: dict[str, Any] | None, party: str) -> str:
    """``on watch at SY: Lt. Haddad (operator) since 2026-12-07T06:00:00.000Z``, or why not."""
    if roster is None:
        return say(N_("on watch at {party}: not reported yet"), party=party)
    stale = say(N_(" (report of {time}, STALE)"), time=roster["reported_at"]) if roster["stale"] else ""
    if not roster["on_watch"]:
        return (
            say(N_("NOBODY ON WATCH at {party}, as reported {time}"), party=party, time=roster["reported_at"]) + stale
        )
    people = ", ".join(
        say(
            N_("{name} ({role}) since {since}"),
            name=p["name"],
            role=say.t.gettext(_ROLES[p["role"]]) if p["role"] in _ROLES else p["role"],
            since=p["since"],
        )
        for p in roster["on_watch"]
    )
    return say(N_("on watch at {party}: {people}"), party=party, people=people) + stale


def roster_line(roster: dict[str, Any] | None, party: str, lang: Lang) -> str:
    """Who ``party`` last reported on watch (a watch state's ``peer_on_watch``), in ``lang``."""
    return _roster(_Say(lang), roster, party)


def _figures(say: _Say, figures: list[dict[str, Any]]) -> str:
    parts = []
    for side, who in (("ours", N_("here")), ("theirs", N_("peer"))):
        row = next((f for f in figures if f["side"] == side and f["precedence"] == "all"), None)
        if row is None or not row["messages"]:
            parts.append(say(N_("{who}: no messages"), who=say.t.gettext(who)))
            continue
        parts.append(
            say.t.format(
                N_("{who}: median {median}, p95 {p95}, {acknowledged} of {messages} acknowledged, {missed} missed"),
                who=say.t.gettext(who),
                median=say.duration(row["median_s"]),
                p95=say.duration(row["p95_s"]),
                acknowledged=row["acknowledged"],
                messages=row["messages"],
                missed=row["missed"],
            )
        )
    window = figures[0]["window"] if figures else "shift"
    label = say.t.gettext(_WINDOWS[window]) if window in _WINDOWS else window
    return say.t.format(
        N_("response times to a person's acknowledgement, {window}: {parts}"), window=label, parts="; ".join(parts)
    )


def _peer(say: _Say, peer: dict[str, Any]) -> list[str]:
    indent = "       "
    lines = [
        f"  {peer['party']:<4} {say.iso(peer['name'])}",
        indent
        + say(
            N_("link {link} since {since} ({detail})"),
            link=peer["link"],
            since=peer["since"] or "-",
            detail=say_in(peer["detail"], say.lang),
        ),
        indent
        + say(
            N_("round trip {rtt}   last heartbeat {heartbeat}   clock offset {offset}"),
            rtt=say.ms(peer["round_trip_ms"]),
            heartbeat=peer["last_heartbeat"] or "-",
            offset=say.ms(peer["clock_offset_ms"], signed=True),
        ),
    ]
    for path in peer["paths"] if len(peer["paths"]) > 1 else []:
        lines.append(
            indent
            + say(
                N_("path {name} {state}, round trip {rtt}, last success {last} ({detail})"),
                name=path["name"],
                state=path["state"],
                rtt=say.ms(path["round_trip_ms"]),
                last=path["last_success"] or "-",
                detail=say_in(path["detail"], say.lang),
            )
        )
    lines.append(
        indent
        + say.counted(
            Nn_("queue depth {count}: message awaiting a receipt", "queue depth {count}: messages awaiting a receipt"),
            peer["queue_depth"],
        )
    )
    alarms = peer["alarms"]
    if alarms["count"]:
        latest = alarms["latest"]
        lines.append(
            indent
            + say.counted(
                Nn_(
                    "{count} LEDGER ALARM, latest {at} {kind}: {detail}",
                    "{count} LEDGER ALARMS, latest {at} {kind}: {detail}",
                ),
                alarms["count"],
                at=latest["at"],
                kind=latest["kind"],
                detail=latest["detail"],
            )
        )
    else:
        lines.append(indent + say.t.gettext(N_("ledger alarms: none")))
    lines += [indent + line for line in _watch(say, peer["watch"], peer["party"])]
    return lines


def status_lines(view: dict[str, Any], lang: Lang) -> list[str]:
    """The lines of ``detente status`` in ``lang``."""
    say = _Say(lang)
    station = view["station"]
    lines = [
        say(
            N_("{name} (party {party}, station {station_id})"),
            name=station["name"],
            party=station["party"],
            station_id=station["station_id"],
        ),
        *_servers(say, view),
    ]
    if not view["peers"]:
        lines.append(say.t.gettext(N_("no peers pinned")))
    for peer in view["peers"]:
        lines += _peer(say, peer)
    if view["peers"]:
        lines.append(_figures(say, view["figures"]))
    lines += describe_alarms(view["alarms"], lang)
    return [RLM + line for line in lines] if lang == "ar" else lines
