-- Bookings: a brand's or organizer's application for a venue and a time.
CREATE TABLE bookings (
    id                   INTEGER PRIMARY KEY,
    organization_id      BIGINT NOT NULL REFERENCES organizations (id),
    created_by           BIGINT NOT NULL REFERENCES users (id),
    venue_id             BIGINT NOT NULL REFERENCES venues (id),
    format               TEXT NOT NULL CHECK (format IN ('launch', 'show', 'exhibition', 'market', 'other')),
    reach                TEXT NOT NULL CHECK (reach IN ('global', 'asia', 'national', 'provincial', 'city')),
    title_zh             TEXT NOT NULL,
    title_en             TEXT NOT NULL,
    description_zh       TEXT NOT NULL,
    description_en       TEXT NOT NULL,
    brand_name           TEXT NOT NULL,
    expected_attendance  BIGINT NOT NULL,
    starts_at            TEXT NOT NULL,
    ends_at              TEXT NOT NULL,
    setup_minutes        BIGINT NOT NULL,
    teardown_minutes     BIGINT NOT NULL,
    -- The span the booking keeps the venue busy: starts_at - setup .. ends_at + teardown.
    busy_from            TEXT NOT NULL,
    busy_until           TEXT NOT NULL,
    alternatives         TEXT NOT NULL,
    contact_name         TEXT NOT NULL,
    contact_email        TEXT NOT NULL,
    contact_phone        TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'changes_requested', 'withdrawn', 'cancelled')),
    -- A change to an approved booking waiting for review (JSON); the approved version stays in force.
    pending_change       TEXT,
    cancel_reason        TEXT,
    -- A decision staff recorded but have not released yet.
    staged_action        TEXT,
    staged_note          TEXT,
    staged_by            BIGINT REFERENCES users (id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    submitted_at         TEXT,
    decided_at           TEXT
);
CREATE INDEX bookings_venue_busy ON bookings (venue_id, state, busy_from, busy_until);
CREATE INDEX bookings_organization ON bookings (organization_id);
CREATE INDEX bookings_state_submitted ON bookings (state, submitted_at);

-- Every state change of a reviewed record (bookings, incentive applications): who, when, from, to.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    subject_kind   TEXT NOT NULL,
    subject_id     BIGINT NOT NULL,
    actor_user_id  BIGINT NOT NULL REFERENCES users (id),
    at             TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    note           TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id);

-- Comments on reviewed records; internal ones are for staff only.
CREATE TABLE comments (
    id              INTEGER PRIMARY KEY,
    subject_kind    TEXT NOT NULL,
    subject_id      BIGINT NOT NULL,
    author_user_id  BIGINT NOT NULL REFERENCES users (id),
    at              TEXT NOT NULL,
    body            TEXT NOT NULL,
    internal        BOOLEAN NOT NULL
);
CREATE INDEX comments_subject ON comments (subject_kind, subject_id);

-- Notifications, written in the same transaction as the change they announce, delivered after.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    -- Undelivered messages with the same key are merged, so a burst sends one message.
    coalesce_key      TEXT NOT NULL,
    recipient_org_id  BIGINT NOT NULL REFERENCES organizations (id),
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    deliver_after     TEXT NOT NULL,
    claimed_until     TEXT,
    attempts          BIGINT NOT NULL DEFAULT 0,
    delivered_at      TEXT,
    failed_at         TEXT,
    last_error        TEXT
);
CREATE INDEX outbox_due ON outbox (delivered_at, deliver_after);
CREATE INDEX outbox_coalesce ON outbox (coalesce_key);
