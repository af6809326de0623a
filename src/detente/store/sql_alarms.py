"""The station's alarms and the record of what was done to tell its supervisors, shared by the
SQL engines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .base import StationAlarmRecord, SupervisorNotice
from .sql_base import SQLEngine

__all__ = ["AlarmQueries"]

_COLUMNS = (
    "id, condition, kind, severity, party, peer, message, paths, stage, params, since, ended, end_reason, "
    "silenced_by, silenced_at"
)
_NOTICE_COLUMNS = "message, peer, step, at, channel, recipient, outcome, reason"


def _alarm(row: Sequence[Any]) -> StationAlarmRecord:
    values = list(row)
    values[7] = tuple(json.loads(values[7]))
    values[9] = json.loads(values[9])
    return StationAlarmRecord(*values)


class AlarmQueries(SQLEngine):
    def save_station_alarm(self, alarm: StationAlarmRecord) -> None:
        values = (
            alarm.id,
            alarm.condition,
            alarm.kind,
            alarm.severity,
            alarm.party,
            alarm.peer,
            alarm.message,
            json.dumps(list(alarm.paths)),
            alarm.stage,
            json.dumps(alarm.params, sort_keys=True, ensure_ascii=False),
            alarm.since,
            alarm.ended,
            alarm.end_reason,
            alarm.silenced_by,
            alarm.silenced_at,
        )
        with self._write("record an alarm") as db:
            db.execute(
                f"INSERT INTO station_alarms ({_COLUMNS}) VALUES ({', '.join('?' for _ in values)}) "
                "ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, paths = excluded.paths, "
                "stage = excluded.stage, params = excluded.params, ended = excluded.ended, "
                "end_reason = excluded.end_reason, silenced_by = excluded.silenced_by, "
                "silenced_at = excluded.silenced_at",
                values,
            )

    def station_alarms(self, *, include_ended: bool = False, limit: int = 500) -> list[StationAlarmRecord]:
        rows = self._read(
            "read alarms", f"SELECT {_COLUMNS} FROM station_alarms WHERE ended IS NULL ORDER BY since, id"
        )
        if include_ended:
            ended = self._read(
                "read ended alarms",
                f"SELECT {_COLUMNS} FROM station_alarms WHERE ended IS NOT NULL ORDER BY ended DESC, id LIMIT ?",
                (limit,),
            )
            rows = sorted([*rows, *ended], key=lambda row: (row[10], row[0]))
        return [_alarm(row) for row in rows]

    def station_alarm(self, alarm_id: str) -> StationAlarmRecord | None:
        rows = self._read("read an alarm", f"SELECT {_COLUMNS} FROM station_alarms WHERE id = ?", (alarm_id,))
        return _alarm(rows[0]) if rows else None

    def waiting_by_precedence(self, peer: str) -> dict[str, int]:
        rows = self._read(
            "count undelivered messages",
            "SELECT precedence, COUNT(*) FROM messages WHERE peer = ? AND direction = 'out' AND receipt IS NULL"
            " GROUP BY precedence",
            (peer,),
        )
        return {str(row[0]): int(row[1]) for row in rows}

    def add_supervisor_notices(self, notices: Sequence[SupervisorNotice]) -> None:
        if not notices:
            return
        with self._write("record what the supervisors were told") as db:
            db.executemany(
                f"INSERT INTO supervisor_notices ({_NOTICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(n.message, n.peer, n.step, n.at, n.channel, n.recipient, n.outcome, n.reason) for n in notices],
            )

    def supervisor_notices(self, message_ids: Sequence[str]) -> list[SupervisorNotice]:
        found: list[SupervisorNotice] = []
        ids = list(message_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" for _ in part)
            sql = f"SELECT {_NOTICE_COLUMNS}, id FROM supervisor_notices WHERE message IN ({marks})"
            rows = self._read("read what the supervisors were told", sql, part)
            found += [SupervisorNotice(*row[:8]) for row in sorted(rows, key=lambda r: r[8])]
        return found
