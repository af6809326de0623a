-- Machine tokens for the HTTP API: an operations centre's own system acts with an account's role.

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,         -- short public id, shown when issued and in `operator tokens`
    token_hash    TEXT NOT NULL UNIQUE,     -- SHA-256 of the bearer token; the token itself is never stored
    operator      TEXT NOT NULL REFERENCES operators (name),
    created_at    TEXT NOT NULL,
    expires_at    TEXT,                     -- NULL: until revoked
    revoked_at    TEXT,
    last_used_at  TEXT
);
CREATE INDEX api_tokens_operator ON api_tokens (operator);

-- The console's message list filters by creation time (the print view of a time range).
CREATE INDEX messages_created ON messages (created_at);
