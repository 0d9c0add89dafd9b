-- Markets: a themed pop-up or night market an organizer runs on an approved market booking.
CREATE TABLE markets (
    id                      INTEGER PRIMARY KEY,
    booking_id              BIGINT NOT NULL UNIQUE REFERENCES bookings (id),
    organization_id         BIGINT NOT NULL REFERENCES organizations (id),
    slug                    TEXT NOT NULL UNIQUE,
    title_zh                TEXT NOT NULL,
    title_en                TEXT NOT NULL,
    description_zh          TEXT NOT NULL,
    description_en          TEXT NOT NULL,
    theme                   TEXT NOT NULL,
    -- The vendor call: applications are taken from opens_at until closes_at (none when NULL).
    call_opens_at           TEXT,
    call_closes_at          TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX markets_organization ON markets (organization_id);

-- The market's dates. A series is expanded into rows; each can be cancelled on its own and then
-- stays in feeds as a tombstone, like a cancelled event.
CREATE TABLE market_occurrences (
    id            INTEGER PRIMARY KEY,
    market_id     BIGINT NOT NULL REFERENCES markets (id),
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    cancelled_at  TEXT,
    sequence      BIGINT NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    UNIQUE (market_id, starts_at),
    UNIQUE (id, market_id)
);

-- Stall classes and stalls (positions are checked as a whole plan, so stalls can swap places).
-- `food_allowed` is copied down to stalls and assignments through
-- composite foreign keys (ON UPDATE CASCADE), so the database itself refuses a food vendor on a
-- stall whose class forbids food, even when the class changes later.
CREATE TABLE stall_classes (
    id            INTEGER PRIMARY KEY,
    market_id     BIGINT NOT NULL REFERENCES markets (id),
    name          TEXT NOT NULL,
    size_m2       BIGINT NOT NULL CHECK (size_m2 > 0),
    power         BOOLEAN NOT NULL,
    water         BOOLEAN NOT NULL,
    food_allowed  BOOLEAN NOT NULL,
    fee_fen       BIGINT NOT NULL CHECK (fee_fen >= 0),
    UNIQUE (market_id, name),
    UNIQUE (id, food_allowed),
    UNIQUE (id, market_id)
);

CREATE TABLE stalls (
    id            INTEGER PRIMARY KEY,
    market_id     BIGINT NOT NULL,
    class_id      BIGINT NOT NULL,
    food_allowed  BOOLEAN NOT NULL,
    code          TEXT NOT NULL,
    grid_x        BIGINT NOT NULL CHECK (grid_x >= 0),
    grid_y        BIGINT NOT NULL CHECK (grid_y >= 0),
    FOREIGN KEY (class_id, market_id) REFERENCES stall_classes (id, market_id),
    FOREIGN KEY (class_id, food_allowed) REFERENCES stall_classes (id, food_allowed) ON UPDATE CASCADE,
    UNIQUE (market_id, code),
    UNIQUE (id, food_allowed),
    UNIQUE (id, market_id)
);

-- A vendor organization's application for a stall at a market.
CREATE TABLE market_applications (
    id                  INTEGER PRIMARY KEY,
    market_id           BIGINT NOT NULL REFERENCES markets (id),
    organization_id     BIGINT NOT NULL REFERENCES organizations (id),
    created_by          BIGINT NOT NULL REFERENCES users (id),
    category            TEXT NOT NULL,
    products            TEXT NOT NULL,
    description         TEXT NOT NULL,
    sells_food          BOOLEAN NOT NULL,
    preferred_class_id  BIGINT REFERENCES stall_classes (id),
    state               TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'waitlisted', 'offered', 'rejected', 'withdrawn', 'declined', 'lapsed')),
    -- When a waitlisted vendor is offered a freed place: the deadline to accept it.
    offer_expires_at    TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    waitlisted_at       TEXT,
    UNIQUE (market_id, organization_id),
    UNIQUE (id, sells_food),
    UNIQUE (id, market_id)
);
CREATE INDEX market_applications_organization ON market_applications (organization_id);

-- The dates an application asks for.
CREATE TABLE market_application_dates (
    application_id  BIGINT NOT NULL REFERENCES market_applications (id),
    occurrence_id   BIGINT NOT NULL REFERENCES market_occurrences (id),
    PRIMARY KEY (application_id, occurrence_id)
);

-- A stall given to an accepted vendor for one date; each is also the fee line for that date.
-- A stall goes to one vendor per date and a vendor gets one stall per date (UNIQUE), and a food
-- vendor only a stall that allows food (CHECK over the copied flags).
CREATE TABLE stall_assignments (
    id              INTEGER PRIMARY KEY,
    market_id       BIGINT NOT NULL,
    stall_id        BIGINT NOT NULL,
    stall_food      BOOLEAN NOT NULL,
    occurrence_id   BIGINT NOT NULL,
    application_id  BIGINT NOT NULL,
    vendor_food     BOOLEAN NOT NULL,
    fee_fen         BIGINT NOT NULL CHECK (fee_fen >= 0),
    fee_state       TEXT NOT NULL CHECK (fee_state IN ('due', 'paid', 'waived')),
    created_by      BIGINT NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    FOREIGN KEY (stall_id, market_id) REFERENCES stalls (id, market_id),
    FOREIGN KEY (stall_id, stall_food) REFERENCES stalls (id, food_allowed) ON UPDATE CASCADE,
    FOREIGN KEY (occurrence_id, market_id) REFERENCES market_occurrences (id, market_id),
    FOREIGN KEY (application_id, market_id) REFERENCES market_applications (id, market_id),
    FOREIGN KEY (application_id, vendor_food) REFERENCES market_applications (id, sells_food) ON UPDATE CASCADE,
    CHECK (stall_food OR NOT vendor_food),
    UNIQUE (stall_id, occurrence_id),
    UNIQUE (application_id, occurrence_id)
);
CREATE INDEX stall_assignments_market ON stall_assignments (market_id, occurrence_id);

-- Images of market applications (vendor photos, the food permit): SQLite cannot alter a CHECK,
-- so the images table is rebuilt with the wider list.
CREATE TABLE images_new (
    id          INTEGER PRIMARY KEY,
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('organization_logo', 'booking', 'venue', 'incentive_evidence', 'market_application', 'market_permit')),
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
