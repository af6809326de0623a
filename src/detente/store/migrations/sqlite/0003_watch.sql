-- Is anybody there? Operator accounts, acknowledgements by a person, and escalation steps.

CREATE TABLE operators (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'translator', 'auditor', 'admin')),
    password_hash TEXT NOT NULL,          -- argon2id
    totp_secret   TEXT,                   -- base32, when the operator enrolled a second factor
    must_change   INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

-- A person's acknowledgement is an envelope of kind 'acknowledgement' whose body names the
-- message it acknowledges ("acknowledges"). When one is stored (queued here, or received from
-- the peer), the acknowledged message is marked in the same transaction:
ALTER TABLE messages ADD COLUMN ack_id TEXT;        -- the acknowledgement envelope's id
ALTER TABLE messages ADD COLUMN acked_at TEXT;      -- when the person acknowledged (their station's clock)
ALTER TABLE messages ADD COLUMN acked_by TEXT;      -- the operator's name

CREATE INDEX messages_awaiting_ack ON messages (direction, stored_at)
    WHERE acked_at IS NULL AND kind != 'acknowledgement';

CREATE TABLE escalations (
    id         INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id),
    step       TEXT NOT NULL,             -- half-time, overdue, peer-overdue, link-wait, late
    at         TEXT NOT NULL,
    detail     TEXT NOT NULL,
    record     TEXT REFERENCES records (id),
    UNIQUE (message_id, step)
);
