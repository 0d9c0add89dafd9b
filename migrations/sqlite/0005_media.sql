-- Uploaded images: organization logos, booking posters and images, venue photos, evidence
-- for first-store incentive applications. Files live
-- under the media root, named by the content hash, so URLs are immutable and shared content is
-- stored once; a file is removed when no image references its hash any more.
CREATE TABLE images (
    id          INTEGER PRIMARY KEY,
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('organization_logo', 'booking', 'venue', 'incentive_evidence')),
    owner_id    BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    alt         TEXT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    -- JSON list of {width, height, format, path} under the media root.
    variants    TEXT NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL
);
CREATE INDEX images_owner ON images (owner_kind, owner_id);
CREATE INDEX images_hash ON images (hash);
