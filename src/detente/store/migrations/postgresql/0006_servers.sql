-- Two servers, one station: which server is active, under a lease renewed on the database's
-- clock, and a change counter that lets every process notice what others committed.

CREATE TABLE leadership (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    epoch      BIGINT NOT NULL,          -- raised by each takeover; writes of an older epoch are refused
    server     TEXT NOT NULL,            -- the active server's name
    console    TEXT NOT NULL DEFAULT '', -- its console's address, where standbys send operators
    since      TIMESTAMPTZ NOT NULL,
    renewed_at TIMESTAMPTZ NOT NULL
);
INSERT INTO leadership (id, epoch, server, since, renewed_at) VALUES (1, 0, '', 'epoch', 'epoch');

CREATE TABLE store_changes (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL                   -- raised by every write transaction
);
INSERT INTO store_changes (id, n) VALUES (1, 0);
