-- Logins an attacker cannot turn against the defenders: the last time step of a one-time code
-- each operator used (a code is good once), and failed logins looked up by name and address.

CREATE TABLE totp_steps (
    operator  TEXT PRIMARY KEY REFERENCES operators (name),
    step      BIGINT NOT NULL           -- Unix time // 30 of the newest code used
);

CREATE INDEX login_failures_remote ON login_failures (remote, at);
