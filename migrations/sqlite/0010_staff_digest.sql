-- Staff who want it get a daily digest of what waits for review.
ALTER TABLE users ADD COLUMN wants_digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN digest_sent_at TEXT;
