"""An alarm as a person reads it, in their own language, from the facts it was raised with.

Every word comes from the catalogues (``N_`` and ``ngettext`` mark them for ``make messages``);
counts take the language's plural forms; names and codes from elsewhere (a party, a path, a
message id) are isolated so that they keep their direction inside Arabic text.
"""

from __future__ import annotations

import math
from typing import Any

from ..notifications.bidi import isolate_auto
from ..notifications.i18n import N_, Translator, translator
from ..store import SupervisorNotice
from .model import Alarm, Kind

__all__ = ["alarm_text", "describe_alarms", "duration_text", "notice_text"]


def _iso(t: Translator, text: str) -> str:
    return isolate_auto(text, rtl_context=t.lang == "ar")


def duration_text(seconds: float, t: Translator) -> str:
    """``2 min 14 s``, ``3 h 5 min``, ``45 s``: how long, to the second below an hour."""
    total = max(0, math.floor(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return t.format(N_("{hours} h {minutes} min"), hours=hours, minutes=minutes)
    if minutes:
        return t.format(N_("{minutes} min {seconds} s"), minutes=minutes, seconds=secs)
    return t.format(N_("{seconds} s"), seconds=secs)


def _clock(text: str) -> str:
    """``2026-12-07T22:56:22.123Z`` → ``22:56:22Z`` (times on the watch floor are UTC)."""
    return text[11:19] + "Z" if len(text) >= 19 else text


def _waiting(params: dict[str, Any], t: Translator) -> str:
    waiting = int(params.get("waiting", 0))
    text = t.ngettext("{count} message waits", "{count} messages wait", waiting).format(count=waiting)
    urgent = []
    for key, label in (("waiting_flash", "FLASH"), ("waiting_immediate", "IMMEDIATE")):
        count = int(params.get(key, 0))
        if count:
            urgent.append(t.format(N_("{count} {precedence}"), count=count, precedence=label))
    if urgent:
        text += t.format(N_(" (of them {list})"), list=", ".join(urgent))
    return text


def _line_down(alarm: Alarm, t: Translator, party: str) -> str:
    params = dict(alarm.params)
    parts = [
        t.format(
            N_("Line to {party} down since {since}: no path left ({paths})."),
            party=party,
            since=_clock(str(params.get("down_since", ""))),
            paths=", ".join(_iso(t, p) for p in alarm.paths) or "-",
        ),
        _waiting(params, t) + ".",
    ]
    contact = params.get("contact")
    if contact:
        parts.append(t.format(N_("Call {party}: {contact}."), party=party, contact=_iso(t, str(contact))))
    else:
        parts.append(
            t.format(
                N_("No contact for {party} is configured (set {party} in [contacts] of station.toml)."), party=party
            )
        )
    parts.append(t.format(N_("Or send by courier: {command}"), command=_iso(t, str(params.get("courier", "")))))
    return " ".join(parts)


def _what(alarm: Alarm, t: Translator) -> str:
    params = dict(alarm.params)
    return t.format(
        N_("{precedence} {kind} {message}"),
        precedence=str(params.get("precedence", "")).upper(),
        kind=_iso(t, str(params.get("kind", ""))),
        message=_iso(t, alarm.message or ""),
    )


def _active(alarm: Alarm, t: Translator, party: str) -> str:
    params = dict(alarm.params)
    deadline = duration_text(float(params.get("deadline_s", 0)), t)
    match alarm.kind:
        case Kind.LINE_DOWN:
            return _line_down(alarm, t, party)
        case Kind.PATH_DOWN:
            return t.format(
                N_("Path {path} to {party} down since {since}: {detail}"),
                path=_iso(t, ", ".join(alarm.paths)),
                party=party,
                since=_clock(str(params.get("down_since", ""))),
                detail=_iso(t, str(params.get("detail", ""))),
            )
        case Kind.NOT_ACKNOWLEDGED if alarm.stage == "deadline":
            return t.format(
                N_("{what} to {party} was not acknowledged within {deadline}: call {party} or the mediator"),
                what=_what(alarm, t),
                party=party,
                deadline=deadline,
            )
        case Kind.NOT_ACKNOWLEDGED:
            return t.format(
                N_("{what} to {party} is not yet acknowledged: half of its {deadline} deadline is gone"),
                what=_what(alarm, t),
                party=party,
                deadline=deadline,
            )
        case Kind.ACKNOWLEDGEMENT_DUE if alarm.stage == "deadline":
            return t.format(
                N_("{what} from {party} is past its {deadline} deadline without our acknowledgement"),
                what=_what(alarm, t),
                party=party,
                deadline=deadline,
            )
        case Kind.ACKNOWLEDGEMENT_DUE:
            return t.format(
                N_("{what} from {party} awaits our acknowledgement: half of its {deadline} deadline is gone"),
                what=_what(alarm, t),
                party=party,
                deadline=deadline,
            )
        case Kind.WATCH_CHECK_MISSED if params.get("side") == "theirs":
            return t.format(
                N_("Our watch check to {party} was not answered within {deadline}"), party=party, deadline=deadline
            )
        case Kind.WATCH_CHECK_MISSED:
            return t.format(
                N_("The watch check from {party} was not answered here within {deadline}"),
                party=party,
                deadline=deadline,
            )
        case Kind.LEDGER:
            return t.format(
                N_("The ledger of the line to {party} raised {code}: {detail}"),
                party=party,
                code=_iso(t, str(params.get("code", ""))),
                detail=_iso(t, str(params.get("detail", ""))),
            )
        case Kind.CLOCK_OFFSET:
            return t.format(
                N_("The clock of {party} is {offset} s from ours (more than {threshold} s)"),
                party=party,
                offset=_iso(t, f"{float(params.get('offset_s', 0)):+.1f}"),
                threshold=f"{float(params.get('threshold_s', 0)):g}",
            )
        case Kind.NOTIFY_FAILED:
            return t.format(
                N_("The supervisors could not be told about {message}: {reason}"),
                message=_iso(t, alarm.message or "-"),
                reason=_iso(t, str(params.get("reason", ""))),
            )
        case Kind.NOBODY_ON_WATCH:
            return t.format(
                N_("{party} reports nobody on watch (report of {time}): call {party} or the mediator"),
                party=party,
                time=_clock(str(params.get("reported_at", ""))),
            )
        case Kind.LOGIN_THROTTLED if params.get("scope") == "name":
            failures = int(params.get("failures", 0))
            return t.ngettext(
                "Logins of {name} from {source} held back after {failures} failed attempt: "
                "someone may be guessing the password",
                "Logins of {name} from {source} held back after {failures} failed attempts: "
                "someone may be guessing the password",
                failures,
            ).format(
                name=_iso(t, str(params.get("name", ""))),
                source=_iso(t, str(params.get("source", ""))),
                failures=failures,
            )
        case Kind.LOGIN_THROTTLED:
            failures = int(params.get("failures", 0))
            return t.ngettext(
                "Logins from {source} held back for every name after {failures} failed attempt",
                "Logins from {source} held back for every name after {failures} failed attempts",
                failures,
            ).format(source=_iso(t, str(params.get("source", ""))), failures=failures)
        case Kind.NOTIFY_MISSING:
            return t.gettext(
                N_(
                    "No supervisor contact is configured: nobody is told when a message is not acknowledged "
                    "(set notify in [watch] of station.toml)"
                )
            )
    return alarm.kind.value


_ENDED = {
    "restored": N_("restored"),
    "acknowledged": N_("acknowledged"),
    "answered": N_("answered"),
    "cleared": N_("cleared"),
    "within-threshold": N_("back within the threshold"),
    "delivered": N_("supervisors told"),
    "configured": N_("a channel is configured"),
    "withdrawn": N_("no longer awaited"),
    "someone-on-watch": N_("someone is on watch again"),
    "quiet": N_("no more failed attempts"),
}


def _ended(alarm: Alarm, t: Translator, party: str) -> str:
    duration = duration_text(alarm.duration or 0.0, t)
    if alarm.kind is Kind.LINE_DOWN:
        return t.format(N_("Line to {party} restored after {duration}"), party=party, duration=duration)
    if alarm.kind is Kind.PATH_DOWN:
        return t.format(
            N_("Path {path} to {party} restored after {duration}"),
            path=_iso(t, ", ".join(alarm.paths)),
            party=party,
            duration=duration,
        )
    reason = _ENDED.get(alarm.end_reason or "")
    return t.format(
        N_("{alarm} — ended after {duration}: {reason}"),
        alarm=_active(alarm, t, party),
        duration=duration,
        reason=t.gettext(reason) if reason else _iso(t, alarm.end_reason or ""),
    )


def alarm_text(alarm: Alarm, lang: str, *, strict: bool = False) -> str:
    """The alarm's text in ``lang``: what is wrong and what to do, or how it ended."""
    t = translator(lang, strict=strict)
    party = _iso(t, alarm.party or "-")
    return _active(alarm, t, party) if alarm.active else _ended(alarm, t, party)


def notice_text(notice: SupervisorNotice, lang: str, *, strict: bool = False) -> str:
    """What telling the supervisors did, for a message's history: which channel, to whom, and
    whether it delivered (or that no channel is configured, and so nobody was told)."""
    t = translator(lang, strict=strict)
    if notice.outcome == "none":
        return t.gettext(N_("no supervisor contact is configured: nobody was notified"))
    if notice.outcome == "delivered":
        return t.format(
            N_("supervisors notified via {channel} to {recipient}: delivered"),
            channel=_iso(t, notice.channel),
            recipient=_iso(t, notice.recipient),
        )
    return t.format(
        N_("supervisors NOT notified via {channel} to {recipient}: failed ({reason})"),
        channel=_iso(t, notice.channel),
        recipient=_iso(t, notice.recipient),
        reason=_iso(t, notice.reason),
    )


def describe_alarms(views: list[dict[str, Any]], lang: str, *, include_ended: bool = False) -> list[str]:
    """The lines ``detente alarms`` and ``detente status`` print (from :func:`~.book.alarm_view`'s views)."""
    t = translator(lang)
    active = [v for v in views if v["ended"] is None]
    if not views:
        return [t.gettext(N_("no alarms")) if include_ended else t.gettext(N_("no active alarms"))]
    count = len(active)
    lines = [t.ngettext("{count} active alarm", "{count} active alarms", count).format(count=count)]
    for view in views:
        severity = t.gettext(_SEVERITY[view["severity"]])
        state = (
            t.format(N_("silenced by {name}"), name=_iso(t, view["silenced_by"]))
            if view["silenced_by"] and view["ended"] is None
            else (t.gettext(N_("ended")) if view["ended"] else "")
        )
        since = _clock(view["since"])
        lines.append(f"  {severity:<9} {since}  {view['kind']:<20} {view['text']}" + (f"  [{state}]" if state else ""))
    return lines


_SEVERITY = {"critical": N_("CRITICAL"), "warning": N_("warning")}
