-- Failed-login throttling moves into the database, so it holds across the processes of one
-- deployment and across restarts (issue 15). One row per counted attempt, per key: the account
-- (`account:<e-mail>`) and the client address (`address:<ip or /64>`). Rows older than the
-- throttle's window are deleted as new attempts come.
CREATE TABLE login_attempts (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL,
    at   TEXT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
