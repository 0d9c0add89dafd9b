-- The web sign-in and the portal: a language per user (notifications speak it), owners and
-- members within an organization, password resets, invitations, and messages to one address.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en'));
-- 'owner' may invite and remove members; NULL for staff and admins.
ALTER TABLE users ADD COLUMN org_role TEXT CHECK (org_role IN ('owner', 'member'));
UPDATE users SET org_role = 'owner' WHERE role = 'member';

-- Single-use password reset links; only the token's SHA-256 is kept.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- An owner invites a colleague by e-mail; the link creates or attaches an account.
CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    organization_id  BIGINT NOT NULL REFERENCES organizations (id),
    email            TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    invited_by       BIGINT NOT NULL REFERENCES users (id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    accepted_at      TEXT,
    revoked_at       TEXT
);
CREATE INDEX invitations_organization ON invitations (organization_id);

-- A message goes to an organization's members or to one address (a reset link, an
-- invitation); SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE outbox_new (
    id                INTEGER PRIMARY KEY,
    coalesce_key      TEXT NOT NULL,
    recipient_org_id  BIGINT REFERENCES organizations (id),
    recipient_email   TEXT,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    deliver_after     TEXT NOT NULL,
    claimed_until     TEXT,
    attempts          BIGINT NOT NULL DEFAULT 0,
    delivered_at      TEXT,
    failed_at         TEXT,
    last_error        TEXT,
    CHECK ((recipient_org_id IS NULL) <> (recipient_email IS NULL))
);
INSERT INTO outbox_new (id, coalesce_key, recipient_org_id, subject, body, payload, created_at, deliver_after,
    claimed_until, attempts, delivered_at, failed_at, last_error)
SELECT id, coalesce_key, recipient_org_id, subject, body, payload, created_at, deliver_after,
    claimed_until, attempts, delivered_at, failed_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (delivered_at, deliver_after);
CREATE INDEX outbox_coalesce ON outbox (coalesce_key);
