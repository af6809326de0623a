-- The line: peers, messages in both directions with their signed receipts, link status and
-- the station's journal of what happened on the line.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE peers (
    station_id  TEXT PRIMARY KEY,
    party       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    card        TEXT NOT NULL,            -- the peer's card, as pinned (JSON)
    fingerprint TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,       -- UUIDv7 from the envelope
    direction     TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    peer          TEXT NOT NULL REFERENCES peers (station_id),
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    kind          TEXT NOT NULL,
    precedence    TEXT NOT NULL,
    created_at    TEXT NOT NULL,          -- the sender's time, from the envelope
    envelope      BLOB NOT NULL,          -- canonical bytes of the signed envelope
    envelope_hash TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'received')),
    stored_at     TEXT NOT NULL,          -- when this station stored it (queued or received)
    sent_at       TEXT,                   -- out: first time it was handed to a connection
    receipt       BLOB,                   -- canonical bytes of the signed receipt
    receipted_at  TEXT,                   -- the receiver's time, from the receipt
    delivered_at  TEXT,                   -- out: when the receipt was stored here
    UNIQUE (peer, direction, seq)
);

CREATE INDEX messages_undelivered ON messages (peer, direction, seq) WHERE receipt IS NULL;
CREATE INDEX messages_stored ON messages (stored_at);

CREATE TABLE link_status (
    peer           TEXT PRIMARY KEY REFERENCES peers (station_id),
    state          TEXT NOT NULL,
    since          TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '',
    round_trip     REAL,
    clock_offset   REAL,
    last_heartbeat TEXT,
    updated_at     TEXT NOT NULL,
    serve_pid      INTEGER
);

CREATE TABLE journal (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    event  TEXT NOT NULL,
    peer   TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
