-- Public event queries read in start order and stop at the page's end (issue 15): one index per
-- branch of the public list, so the first page touches a page of rows, not every event.
CREATE INDEX bookings_public_order ON bookings (starts_at, id) WHERE public_slug IS NOT NULL;
CREATE INDEX market_occurrences_order ON market_occurrences (starts_at);

-- Search: a trigram index over each booking's searchable text (the exact expression the query
-- uses). pg_trgm is a trusted extension: a database owner may create it. Words shorter than
-- three characters have no trigram and are matched while reading in start order instead, as on
-- SQLite (FTS5 trigram), so both give the same results.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX bookings_search ON bookings USING gin (
    LOWER(title_zh || ' ' || title_en || ' ' || description_zh || ' ' || description_en || ' ' || brand_name)
    gin_trgm_ops
) WHERE public_slug IS NOT NULL;
