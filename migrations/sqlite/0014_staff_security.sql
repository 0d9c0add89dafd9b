-- Staff sign-in and money controls (issue 17): a second factor (TOTP, RFC 6238) with recovery
-- codes, the sign-in step that asks for it, sessions people can see and end, who must use a
-- second factor, and awards that need a second staff member.

-- The TOTP key (hex) once enrolment is confirmed; the pending one while it is being set up.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
-- The time step of the last code accepted: that code, and any earlier one, never works again.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    code_hash   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The password was right and a second step is due: enter a code, or set up a second factor
-- first. Only the token's SHA-256 is kept; it works for minutes and once.
CREATE TABLE sign_in_challenges (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('code', 'enrol')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- Sessions people can see: when last used, from where and with what client. verified_at is
-- when the password (or a code) was last given in this session: sensitive actions ask again
-- once it is 15 minutes old.
ALTER TABLE sessions ADD COLUMN last_used_at TEXT;
ALTER TABLE sessions ADD COLUMN verified_at TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN client TEXT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Settings admins change at run time. 'second_factor_required_for': 'admins' (the default when
-- absent) or 'staff' (every staff member and admin).
CREATE TABLE site_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Four-eyes awards: an award or clawback at or above the fund's threshold waits for a second
-- staff member before it reaches the ledger. 500,000 CNY by default.
ALTER TABLE funds ADD COLUMN four_eyes_threshold_fen BIGINT NOT NULL DEFAULT 50000000;

CREATE TABLE award_proposals (
    id              INTEGER PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES incentive_applications (id),
    action          TEXT NOT NULL CHECK (action IN ('approve', 'claw-back')),
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    note            TEXT NOT NULL,
    proposed_by     BIGINT NOT NULL REFERENCES users (id),
    proposed_at     TEXT NOT NULL,
    decided_by      BIGINT REFERENCES users (id),
    decided_at      TEXT,
    outcome         TEXT CHECK (outcome IN ('confirmed', 'declined')),
    CHECK ((decided_at IS NULL) = (outcome IS NULL))
);
-- At most one proposal per application awaits a decision.
CREATE UNIQUE INDEX award_proposals_open ON award_proposals (application_id) WHERE decided_at IS NULL;
