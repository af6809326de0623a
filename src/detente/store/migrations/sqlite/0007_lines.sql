-- Lines of more than two stations: each charter version of a line, who signed it, and on each
-- message the line it belongs to, the group its envelopes to several recipients share, whether a
-- person's acknowledgement is expected, and why this station refused it under the charter.

ALTER TABLE messages ADD COLUMN line_name TEXT;
ALTER TABLE messages ADD COLUMN line_group TEXT;
ALTER TABLE messages ADD COLUMN ack_needed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN refused TEXT;
CREATE INDEX messages_line_group ON messages (line_group) WHERE line_group IS NOT NULL;

CREATE TABLE lines (
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    hash        TEXT NOT NULL,
    charter     BLOB NOT NULL,            -- canonical bytes of the charter
    state       TEXT NOT NULL CHECK (state IN ('proposed', 'in-force', 'superseded')),
    stored_at   TEXT NOT NULL,
    in_force_at TEXT,
    PRIMARY KEY (name, version)
);

CREATE TABLE line_signatures (
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hash        TEXT NOT NULL,            -- the charter signed
    station     TEXT NOT NULL,
    message_id  TEXT NOT NULL,            -- the line-charter or line-accept envelope that signs it
    signed_at   TEXT NOT NULL,
    PRIMARY KEY (name, version, station)
);
