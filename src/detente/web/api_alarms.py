"""The station's alarms: listed in the reader's language, silenced by a person."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from ..alarms.book import AlarmBook, NoSuchAlarm, alarm_view, alarm_views
from ..alarms.model import SilenceRefused
from .api import Call, Operation, Reply, error
from .models import AlarmsQuery, AlarmsReply, ApiError, LangQuery, NoBody, SilencedReply

__all__ = ["OPERATIONS", "SILENCING_ROLES"]

SILENCING_ROLES = frozenset({"operator", "supervisor", "translator", "admin"})
"""Who may silence an alarm: anyone on the watch floor (an auditor only reads)."""


async def _list_alarms(call: Call[NoBody, AlarmsQuery]) -> Response:
    return JSONResponse({"alarms": alarm_views(call.store, call.lang(), include_ended=call.query.all)})


async def _silence(call: Call[NoBody, LangQuery]) -> Response:
    home, console = call.home, call.console
    book = AlarmBook(call.store, station=home.config.station_id, signer=home.signer, publish=console.hub.publish)
    alarm_id = call.param("alarm_id")
    try:
        alarm = book.silence(alarm_id, call.who.label, call.now())
    except NoSuchAlarm as exc:
        return error(404, str(exc))
    except SilenceRefused as exc:
        return error(409, str(exc))
    return JSONResponse({"alarm": alarm_view(alarm, call.lang())})


_V1 = "/api/v1"

OPERATIONS: list[Operation[Any, Any]] = [
    Operation(
        "GET",
        f"{_V1}/alarms",
        "listAlarms",
        "The station's alarms: active ones (with `all=true`, ended ones too), oldest first",
        "line",
        frozenset({"operator", "supervisor", "translator", "auditor", "admin"}),
        NoBody,
        AlarmsQuery,
        {200: Reply("The alarms, each with its text in the reader's language.", AlarmsReply)},
        _list_alarms,
        description="Every condition a duty officer must act on (docs/operations.md, Alarms): a line or a "
        "path down, a message of ours not acknowledged by the peer or one we must acknowledge, at half-time "
        "and at the deadline, a watch check missed, a ledger alarm, a clock offset, a supervisors' channel "
        "that failed or is missing. An alarm ends only when its condition does; silencing stops its sound.",
    ),
    Operation(
        "POST",
        f"{_V1}/alarms/{{alarm_id}}/silence",
        "silenceAlarm",
        "Silence an alarm: its sound stops, the alarm stays until its condition ends",
        "line",
        SILENCING_ROLES,
        NoBody,
        LangQuery,
        {
            200: Reply("Silenced, in the caller's name.", SilencedReply),
            404: Reply("No alarm has this id.", ApiError),
            409: Reply("The alarm has ended, or was silenced already.", ApiError),
        },
        _silence,
    ),
]
