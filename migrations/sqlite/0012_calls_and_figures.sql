-- Calls for debuts: the office's open invitation to brands for a season, with the venues it
-- offers, the time it covers, the formats and reach it wants, and a deadline.
CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    title_zh        TEXT NOT NULL,
    title_en        TEXT NOT NULL,
    text_zh         TEXT NOT NULL,
    text_en         TEXT NOT NULL,
    criteria_zh     TEXT NOT NULL,
    criteria_en     TEXT NOT NULL,
    -- JSON lists: venue ids, formats and reach tiers the call wants.
    venue_ids       TEXT NOT NULL,
    formats         TEXT NOT NULL,
    reaches         TEXT NOT NULL,
    period_from     TEXT NOT NULL,
    period_until    TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    CHECK (period_until > period_from)
);

-- A brand's application to a call is a booking linked to it.
ALTER TABLE bookings ADD COLUMN call_id BIGINT REFERENCES calls (id);
CREATE INDEX bookings_call ON bookings (call_id);

-- Reviewers' scores of a call's applications: one per reviewer and booking.
CREATE TABLE call_scores (
    booking_id   BIGINT NOT NULL REFERENCES bookings (id),
    reviewer_id  BIGINT NOT NULL REFERENCES users (id),
    score        BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment      TEXT NOT NULL,
    scored_at    TEXT NOT NULL,
    PRIMARY KEY (booking_id, reviewer_id)
);

-- What an event brought, filed by its brand or organizer after it ended; staff may correct and
-- confirm. Only confirmed figures count in the programme report.
CREATE TABLE event_figures (
    booking_id    BIGINT PRIMARY KEY REFERENCES bookings (id),
    footfall      BIGINT NOT NULL CHECK (footfall >= 0),
    sales_fen     BIGINT NOT NULL CHECK (sales_fen >= 0),
    media_reach   BIGINT NOT NULL CHECK (media_reach >= 0),
    filed_by      BIGINT NOT NULL REFERENCES users (id),
    filed_at      TEXT NOT NULL,
    confirmed_by  BIGINT REFERENCES users (id),
    confirmed_at  TEXT
);

-- When the request to file figures, and its one reminder, went out.
ALTER TABLE bookings ADD COLUMN figures_requested_at TEXT;
ALTER TABLE bookings ADD COLUMN figures_reminded_at TEXT;

-- Photos of an event's figures (up to four): SQLite cannot alter a CHECK, so the images table is
-- rebuilt with the wider list.
CREATE TABLE images_new (
    id          INTEGER PRIMARY KEY,
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('organization_logo', 'booking', 'venue', 'incentive_evidence', 'market_application', 'market_permit', 'event_figures')),
    owner_id    BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    alt         TEXT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    variants    TEXT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL
);
INSERT INTO images_new SELECT id, owner_kind, owner_id, hash, alt, width, height, variants, created_by, created_at FROM images;
DROP TABLE images;
ALTER TABLE images_new RENAME TO images;
CREATE INDEX images_owner ON images (owner_kind, owner_id);
CREATE INDEX images_hash ON images (hash);
