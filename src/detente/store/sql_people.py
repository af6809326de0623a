"""The people's queries, shared by the SQL engines: operators, acknowledgements and escalation
steps, console sessions, failed logins, used one-time codes, certified translations and API tokens."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import StoreError
from .base import (
    AwaitingRecord,
    Direction,
    EscalationRecord,
    LoginFailures,
    MessageRecord,
    OperatorRecord,
    SessionRecord,
    TokenRecord,
    TranslationRecord,
)
from .sql_base import (
    ACKNOWLEDGEMENT,
    ACKNOWLEDGEMENTS_FROM,
    MESSAGE_COLUMNS,
    OPERATOR_COLUMNS,
    SERVICE_KINDS,
    TOKEN_COLUMNS,
    SQLEngine,
    awaiting_columns,
    awaiting_from_row,
    message_from_row,
    operator_from_row,
)

__all__ = ["PeopleQueries"]

_CHUNK = 100
"""Message ids asked about per statement (a watch list of up to 1000 lines takes ten)."""


class PeopleQueries(SQLEngine):
    # --- operators, acknowledgements, escalation ------------------------------------------------------

    def add_operator(self, operator: OperatorRecord) -> None:
        with self._write(f"create operator {operator.name}") as db:
            if db.execute("SELECT 1 FROM operators WHERE name = ?", (operator.name,)).fetchone():
                raise StoreError(f"an operator named {operator.name!r} already exists")
            db.execute(
                "INSERT INTO operators (name, role, password_hash, totp_secret, must_change, created_at, disabled_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    operator.name,
                    operator.role,
                    operator.password_hash,
                    operator.totp_secret,
                    int(operator.must_change),
                    operator.created_at,
                    operator.disabled_at,
                ),
            )

    def operator(self, name: str) -> OperatorRecord | None:
        rows = self._read("read an operator", f"SELECT {OPERATOR_COLUMNS} FROM operators WHERE name = ?", (name,))
        return operator_from_row(rows[0]) if rows else None

    def operators(self) -> list[OperatorRecord]:
        rows = self._read("list operators", f"SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY name")
        return [operator_from_row(row) for row in rows]

    def update_operator(self, operator: OperatorRecord) -> None:
        with self._write(f"update operator {operator.name}") as db:
            db.execute(
                "UPDATE operators SET role = ?, password_hash = ?, totp_secret = ?, must_change = ?, disabled_at = ?"
                " WHERE name = ?",
                (
                    operator.role,
                    operator.password_hash,
                    operator.totp_secret,
                    int(operator.must_change),
                    operator.disabled_at,
                    operator.name,
                ),
            )

    def awaiting(
        self,
        acked_after: int = 0,
        quiet_since: str | None = None,
        linked: Sequence[str] = (),
        *,
        after_row: int = 0,
        limit: int | None = None,
    ) -> list[AwaitingRecord]:
        # ``quiet_since``: no step can be due yet for an unacknowledged message that arrived, or
        # was delivered, after this time (the caller knows the shortest deadline); an undelivered
        # one has no step while its line is up (``linked``), nor once its wait for the link is
        # recorded, until it is delivered. Leaving them out keeps the watch's work to what may
        # be due, not to the whole backlog.
        quiet = ""
        linked = list(linked)
        if quiet_since is not None:
            peers = f" OR m.peer IN ({', '.join('?' for _ in linked)})" if linked else ""
            quiet = (
                " AND NOT (m.acked_at IS NULL AND ((m.direction = 'in' AND m.stored_at > ?)"
                " OR (m.direction = 'out' AND m.delivered_at IS NOT NULL AND m.delivered_at > ?)"
                " OR (m.direction = 'out' AND m.delivered_at IS NULL AND (EXISTS (SELECT 1 FROM escalations e"
                f"   WHERE e.message_id = m.id AND e.step = 'link-wait'){peers}))))"
            )
        rows = self._read(
            "find messages awaiting acknowledgement",
            f"SELECT {awaiting_columns(self._string_agg)} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE m.ack_needed = 1 AND m.kind != ? AND m.rowid > {ACKNOWLEDGEMENTS_FROM} AND m.rowid > ?{quiet}"
            " AND ((m.acked_at IS NULL AND NOT EXISTS (SELECT 1 FROM escalations e"
            "   WHERE e.message_id = m.id AND e.step IN ('overdue', 'peer-overdue')))"
            " OR (m.acked_at IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.message_id = m.id AND e.step = 'late')"
            "   AND (EXISTS (SELECT 1 FROM escalations e"
            "     WHERE e.message_id = m.id AND e.step IN ('overdue', 'peer-overdue'))"
            "   OR (SELECT a.rowid FROM messages a WHERE a.id = m.ack_id) > ?)))"
            " ORDER BY m.rowid" + ("" if limit is None else f" LIMIT {int(limit)}"),
            (
                ACKNOWLEDGEMENT,
                after_row,
                *((quiet_since, quiet_since, *linked) if quiet_since is not None else ()),
                acked_after,
            ),
        )
        return [awaiting_from_row(row) for row in rows]

    def unacknowledged(self, peer: str) -> list[AwaitingRecord]:
        rows = self._read(
            "find unacknowledged messages",
            f"SELECT {awaiting_columns(self._string_agg)} FROM messages m JOIN peers p ON p.station_id = m.peer"
            " WHERE m.peer = ? AND m.ack_needed = 1 AND m.kind != ? AND m.acked_at IS NULL"
            f" AND m.rowid > {ACKNOWLEDGEMENTS_FROM}"
            " ORDER BY m.rowid",
            (peer, ACKNOWLEDGEMENT),
        )
        return [awaiting_from_row(row) for row in rows]

    def record_escalation(
        self, message_id: str, peer: str, step: str, at: str, detail: str, record: tuple[str, bytes]
    ) -> bool:
        with self._write("record an escalation") as db:
            if db.execute("SELECT 1 FROM escalations WHERE message_id = ? AND step = ?", (message_id, step)).fetchone():
                return False
            self._add_record(db, peer, record[0], f"escalation.{step}", at, record[1])
            db.execute(
                "INSERT INTO escalations (message_id, step, at, detail, record) VALUES (?, ?, ?, ?, ?)",
                (message_id, step, at, detail, record[0]),
            )
            return True

    def escalations(self, *, since: str = "") -> list[EscalationRecord]:
        rows = self._read(
            "read escalations",
            "SELECT message_id, step, at, detail FROM escalations WHERE at >= ? ORDER BY id",
            (since,),
        )
        return [EscalationRecord(*row) for row in rows]

    def escalations_of(self, message_ids: Sequence[str]) -> list[EscalationRecord]:
        found: list[tuple[int, EscalationRecord]] = []
        ids = list(dict.fromkeys(message_ids))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            chunk += chunk[-1:] * (_CHUNK - len(chunk))  # always the same statement (prepared once)
            rows = self._read(
                "read the escalation steps of messages",
                f"SELECT id, message_id, step, at, detail FROM escalations"
                f" WHERE message_id IN ({', '.join('?' * _CHUNK)})",
                chunk,
            )
            found.extend((row[0], EscalationRecord(*row[1:])) for row in rows)
        return [record for _, record in sorted(found, key=lambda pair: pair[0])]

    def acknowledgement_times(self, since: str) -> list[AwaitingRecord]:
        rows = self._read(
            "read acknowledgement times",
            f"SELECT {awaiting_columns(self._string_agg)} FROM messages m JOIN peers p ON p.station_id = m.peer"
            " WHERE m.ack_needed = 1 AND m.kind != ? AND m.stored_at >= ?"
            f" AND m.rowid > {ACKNOWLEDGEMENTS_FROM} ORDER BY m.rowid",
            (ACKNOWLEDGEMENT, since),
        )
        return [awaiting_from_row(row) for row in rows]

    def last_sent(self, peer: str, kind: str) -> str | None:
        rows = self._read(
            "find the last message of a kind",
            "SELECT MAX(created_at) FROM messages WHERE peer = ? AND direction = 'out' AND kind = ?",
            (peer, kind),
        )
        return str(rows[0][0]) if rows and rows[0][0] else None

    # --- the console ------------------------------------------------------------------------------------

    def create_session(self, session: SessionRecord) -> None:
        with self._write("open a console session") as db:
            db.execute(
                "INSERT INTO sessions (token_hash, operator, csrf, created_at, last_seen, expires_at, remote)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.operator,
                    session.csrf,
                    session.created_at,
                    session.last_seen,
                    session.expires_at,
                    session.remote,
                ),
            )

    def session(self, token_hash: str) -> SessionRecord | None:
        rows = self._read(
            "read a console session",
            "SELECT token_hash, operator, csrf, created_at, last_seen, expires_at, remote FROM sessions"
            " WHERE token_hash = ?",
            (token_hash,),
        )
        return SessionRecord(*rows[0]) if rows else None

    def touch_session(self, token_hash: str, last_seen: str) -> None:
        with self._write("refresh a console session") as db:
            db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (last_seen, token_hash))

    def live_sessions(self, *, seen_since: str, at: str) -> list[SessionRecord]:
        rows = self._read(
            "read the live console sessions",
            "SELECT token_hash, operator, csrf, created_at, last_seen, expires_at, remote FROM sessions"
            " WHERE last_seen >= ? AND expires_at > ? ORDER BY created_at",
            (seen_since, at),
        )
        return [SessionRecord(*row) for row in rows]

    def end_sessions(
        self, *, token_hash: str | None = None, operator: str | None = None, keep: str | None = None
    ) -> None:
        with self._write("end console sessions") as db:
            db.execute(
                "DELETE FROM sessions WHERE (token_hash = ? OR operator = ?) AND token_hash != ?",
                (token_hash, operator, keep or ""),
            )

    def record_login_failure(self, name: str, remote: str, at: str) -> None:
        with self._write("record a failed login") as db:
            db.execute("INSERT INTO login_failures (at, name, remote) VALUES (?, ?, ?)", (at, name, remote))

    def login_failures(self, since: str, *, name: str, remote: str) -> LoginFailures:
        rows = self._read(
            "count failed logins",
            "SELECT COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END), 0), MAX(CASE WHEN name = ? THEN at END),"
            " COUNT(*), MAX(at) FROM login_failures WHERE remote = ? AND at >= ?",
            (name, name, remote, since),
        )
        row = rows[0]
        return LoginFailures(int(row[0]), row[1], int(row[2]), row[3])

    def clear_login_failures(self, *, name: str, remote: str) -> None:
        with self._write("forget failed logins") as db:
            db.execute("DELETE FROM login_failures WHERE name = ? AND remote = ?", (name, remote))

    def claim_totp_step(self, operator: str, step: int) -> bool:
        with self._write("note a used one-time code") as db:
            cursor = db.execute(
                "INSERT INTO totp_steps (operator, step) VALUES (?, ?)"
                " ON CONFLICT (operator) DO UPDATE SET step = excluded.step WHERE totp_steps.step < excluded.step",
                (operator, step),
            )
            return bool(cursor.rowcount)

    def add_translation(self, translation: TranslationRecord, peer: str, record: tuple[str, bytes]) -> None:
        with self._write("store a certified translation") as db:
            self._add_record(db, peer, record[0], "translation.certified", translation.at, record[1])
            db.execute(
                "INSERT INTO translations (message_id, lang, text, translator, at, record) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    translation.message_id,
                    translation.lang,
                    translation.text,
                    translation.translator,
                    translation.at,
                    record[0],
                ),
            )

    def translations(self, message_id: str) -> list[TranslationRecord]:
        rows = self._read(
            "read translations",
            "SELECT message_id, lang, text, translator, at FROM translations WHERE message_id = ? ORDER BY id",
            (message_id,),
        )
        return [TranslationRecord(*row) for row in rows]

    def find_messages(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        kinds: Sequence[str] = (),
        direction: Direction | None = None,
        id_prefix: str | None = None,
        peer: str | None = None,
        limit: int = 200,
    ) -> list[MessageRecord]:
        hidden = [ACKNOWLEDGEMENT] if kinds else [ACKNOWLEDGEMENT, *SERVICE_KINDS]
        where: list[str] = [f"m.kind NOT IN ({', '.join('?' for _ in hidden)})"]
        params: list[object] = list(hidden)
        if peer is not None:
            where.append("m.peer = ?")
            params.append(peer)
        if since is not None:
            where.append("m.created_at >= ?")
            params.append(since)
        if until is not None:
            where.append("m.created_at < ?")
            params.append(until)
        if kinds:
            where.append(f"m.kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        if direction is not None:
            where.append("m.direction = ?")
            params.append(direction)
        if id_prefix:
            where.append("substr(m.id, 1, ?) = ?")
            params.extend([len(id_prefix), id_prefix])
        rows = self._read(
            "find messages",
            f"SELECT {MESSAGE_COLUMNS} FROM messages m JOIN peers p ON p.station_id = m.peer"
            f" WHERE {' AND '.join(where)} ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?",
            (*params, limit),
        )
        return [message_from_row(row[1:]) for row in rows]

    def add_token(self, token: TokenRecord) -> None:
        try:
            with self._write("store an API token") as db:
                db.execute(
                    f"INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        token.id,
                        token.token_hash,
                        token.operator,
                        token.created_at,
                        token.expires_at,
                        token.revoked_at,
                        token.last_used_at,
                    ),
                )
        except StoreError as exc:
            if "UNIQUE" in str(exc):
                raise StoreError(f"an API token with id {token.id} already exists; issue another") from None
            raise

    def token(self, token_hash: str) -> TokenRecord | None:
        rows = self._read(
            "read an API token", f"SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?", (token_hash,)
        )
        return TokenRecord(*rows[0]) if rows else None

    def tokens(self) -> list[TokenRecord]:
        rows = self._read("list API tokens", f"SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id")
        return [TokenRecord(*row) for row in rows]

    def revoke_tokens(self, at: str, *, token_id: str | None = None, operator: str | None = None) -> list[str]:
        with self._write("revoke API tokens") as db:
            rows = db.execute(
                "SELECT id FROM api_tokens WHERE revoked_at IS NULL AND (id = ? OR operator = ?) ORDER BY id",
                (token_id, operator),
            ).fetchall()
            ids = [str(row[0]) for row in rows]
            db.executemany("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [(at, i) for i in ids])
        return ids

    def touch_token(self, token_id: str, at: str) -> None:
        with self._write("note an API token's use") as db:
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (at, token_id))
