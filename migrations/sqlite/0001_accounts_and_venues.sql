-- Accounts: organizations (brand, organizer, vendor) with member users; staff and admins.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('brand', 'organizer', 'vendor')),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    password_hash    TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('member', 'staff', 'admin')),
    organization_id  BIGINT REFERENCES organizations (id),
    created_at       TEXT NOT NULL,
    -- Members belong to exactly one organization; staff and admins to none.
    CHECK ((role = 'member') = (organization_id IS NOT NULL))
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE venues (
    id                INTEGER PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name_zh           TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('street', 'hall', 'stage', 'mall', 'plaza', 'other')),
    tier              TEXT NOT NULL CHECK (tier IN ('core', 'main', 'other')),
    address           TEXT NOT NULL,
    latitude          DOUBLE PRECISION NOT NULL,
    longitude         DOUBLE PRECISION NOT NULL,
    capacity          BIGINT NOT NULL,
    indoor            BOOLEAN NOT NULL,
    description       TEXT NOT NULL,
    zone              TEXT NOT NULL,
    setup_minutes     BIGINT NOT NULL,
    teardown_minutes  BIGINT NOT NULL,
    -- Bumped by every booking approval at this venue: approvals serialize on this row.
    booking_version   BIGINT NOT NULL DEFAULT 0,
    archived_at       TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Weekly opening windows, minutes since local midnight. closes <= opens runs past midnight.
CREATE TABLE venue_opening_hours (
    venue_id  BIGINT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    weekday   BIGINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens     BIGINT NOT NULL,
    closes    BIGINT NOT NULL
);
CREATE INDEX venue_opening_hours_venue ON venue_opening_hours (venue_id);

CREATE TABLE venue_blackouts (
    id         INTEGER PRIMARY KEY,
    venue_id   BIGINT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    reason     TEXT NOT NULL
);
CREATE INDEX venue_blackouts_venue ON venue_blackouts (venue_id);
