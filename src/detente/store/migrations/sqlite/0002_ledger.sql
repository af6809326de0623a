-- The co-signed record. Each station keeps, per peer, an append-only log (RFC 9162 Merkle tree)
-- of every envelope and receipt it sends or accepts and of its own signed records (alarms);
-- it also keeps the leaves of the peer's log as the peer revealed them in its checkpoints, and
-- the checkpoints of both logs with their signatures and cosignatures.

CREATE TABLE ledger_entries (
    peer TEXT NOT NULL REFERENCES peers (station_id),
    idx  INTEGER NOT NULL CHECK (idx >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('envelope-out', 'envelope-in', 'receipt-in', 'receipt-out', 'record')),
    ref  TEXT NOT NULL,            -- message id (envelopes, receipts) or record id (records)
    leaf BLOB NOT NULL,            -- SHA-256(0x00 || the entry's canonical bytes)
    PRIMARY KEY (peer, idx)
);
CREATE UNIQUE INDEX ledger_entries_ref ON ledger_entries (peer, kind, ref);

CREATE TABLE ledger_nodes (
    peer  TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level >= 1),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL,           -- root of the perfect subtree over leaves [idx << level, (idx + 1) << level)
    PRIMARY KEY (peer, level, idx)
);

CREATE TABLE records (
    id    TEXT PRIMARY KEY,        -- UUIDv7 of the record
    peer  TEXT NOT NULL REFERENCES peers (station_id),
    event TEXT NOT NULL,
    at    TEXT NOT NULL,
    data  BLOB NOT NULL            -- canonical bytes of the signed record
);

CREATE TABLE peer_log (
    peer TEXT NOT NULL REFERENCES peers (station_id),
    idx  INTEGER NOT NULL CHECK (idx >= 0),
    kind TEXT NOT NULL,            -- as the peer labelled it (envelope-out = sent by the peer)
    ref  TEXT NOT NULL,
    leaf BLOB NOT NULL,
    PRIMARY KEY (peer, idx)
);

CREATE TABLE peer_log_nodes (
    peer  TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level >= 1),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL,
    PRIMARY KEY (peer, level, idx)
);

CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    log         TEXT NOT NULL CHECK (log IN ('own', 'peer')),
    peer        TEXT NOT NULL REFERENCES peers (station_id),
    size        INTEGER NOT NULL CHECK (size >= 0),
    root        BLOB NOT NULL,
    note        TEXT NOT NULL,     -- the signed note as held, cosignatures included once present
    created_at  TEXT NOT NULL,     -- when this station stored it
    cosigned_at TEXT,              -- when the cosignature of the station that did not author it was stored
    UNIQUE (log, peer, size)
);

CREATE TABLE alarms (
    id       INTEGER PRIMARY KEY,
    peer     TEXT REFERENCES peers (station_id),
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL,
    record   TEXT REFERENCES records (id)
);
