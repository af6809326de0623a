-- The station's alarms (line down, path down, a message not acknowledged, a channel to the
-- supervisors missing…): one row per alarm, active while `ended` is NULL, at most one active
-- alarm per condition. And what this station did to tell its supervisors about each escalation
-- step of a message: which channel, to whom, delivered or failed and why (or that no channel
-- is configured).

CREATE TABLE station_alarms (
    id          TEXT PRIMARY KEY,
    condition   TEXT NOT NULL,            -- what it is about, e.g. line-down:SY-…
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
    party       TEXT,
    peer        TEXT,
    message     TEXT,
    paths       TEXT NOT NULL,            -- JSON array
    stage       TEXT NOT NULL,
    params      TEXT NOT NULL,            -- JSON object: the facts its text is made from
    since       TEXT NOT NULL,
    ended       TEXT,
    end_reason  TEXT,
    silenced_by TEXT,
    silenced_at TEXT
);
CREATE UNIQUE INDEX station_alarms_active ON station_alarms (condition) WHERE ended IS NULL;
CREATE INDEX station_alarms_since ON station_alarms (since);

CREATE TABLE supervisor_notices (
    id          INTEGER PRIMARY KEY,
    message     TEXT NOT NULL,
    peer        TEXT,
    step        TEXT NOT NULL,
    at          TEXT NOT NULL,
    channel     TEXT NOT NULL,            -- the scheme of the Apprise URL (mailto, …), or "" for none
    recipient   TEXT NOT NULL,            -- to whom, without credentials
    outcome     TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'none')),
    reason      TEXT NOT NULL
);
CREATE INDEX supervisor_notices_message ON supervisor_notices (message);
