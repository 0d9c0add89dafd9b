-- Public events: an approved booking gets a public slug; SEQUENCE rises with every public change
-- of time, place or title; a cancellation stays in feeds as a tombstone for 30 days.
ALTER TABLE bookings ADD COLUMN public_slug TEXT;
ALTER TABLE bookings ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN published_at TEXT;
ALTER TABLE bookings ADD COLUMN public_updated_at TEXT;
ALTER TABLE bookings ADD COLUMN cancelled_at TEXT;
ALTER TABLE bookings ADD COLUMN previous_starts_at TEXT;
CREATE UNIQUE INDEX bookings_public_slug ON bookings (public_slug);
CREATE INDEX bookings_public ON bookings (state, starts_at);

-- Per-user secret feed URLs for applicants' and staff's own calendars.
CREATE TABLE feed_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- Bumped in the same transaction as any public change, so feed caches know when to rebuild.
CREATE TABLE calendar_version (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 0);
