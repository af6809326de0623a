-- The operator console: login sessions, failed logins (for rate limiting), certified translations.

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,         -- SHA-256 of the session cookie; the cookie itself is never stored
    operator    TEXT NOT NULL REFERENCES operators (name),
    csrf        TEXT NOT NULL,            -- the token every state-changing request must carry
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,            -- absolute end, whatever the activity
    remote      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    name    TEXT NOT NULL,
    remote  TEXT NOT NULL
);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE translations (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages (id),
    lang        TEXT NOT NULL,
    text        TEXT NOT NULL,
    translator  TEXT NOT NULL,
    at          TEXT NOT NULL,
    record      TEXT REFERENCES records (id)  -- the signed record of it in the line's log
);
CREATE INDEX translations_message ON translations (message_id);
