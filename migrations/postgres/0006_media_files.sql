-- One row per stored content hash and how many images use it. Uploads and deletions change it,
-- and write or remove the files, inside one transaction: the row's lock keeps an upload of some
-- content and the deletion of another copy of it from interleaving.
CREATE TABLE media_files (
    hash  TEXT PRIMARY KEY,
    refs  BIGINT NOT NULL CHECK (refs >= 0)
);
INSERT INTO media_files (hash, refs) SELECT hash, COUNT(*) FROM images GROUP BY hash;
