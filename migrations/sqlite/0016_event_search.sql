-- Public event queries read in start order and stop at the page's end (issue 15): one index per
-- branch of the public list, so the first page touches a page of rows, not every event.
CREATE INDEX bookings_public_order ON bookings (starts_at) WHERE public_slug IS NOT NULL;
CREATE INDEX market_occurrences_order ON market_occurrences (starts_at);

-- Search: a trigram index over each booking's searchable text. It narrows a search of three or
-- more characters to the bookings that contain it; the query still checks the exact substring,
-- so results are the same as PostgreSQL's (pg_trgm). Shorter words (most Chinese words are two
-- characters, which no trigram can hold) are matched while reading in start order.
-- rowid = bookings.id; kept by the triggers below, so no code path can forget it.
CREATE VIRTUAL TABLE booking_search USING fts5 (body, tokenize = 'trigram');

INSERT INTO booking_search (rowid, body)
SELECT id, title_zh || ' ' || title_en || ' ' || description_zh || ' ' || description_en || ' ' || brand_name
FROM bookings;

CREATE TRIGGER booking_search_insert AFTER INSERT ON bookings BEGIN
    INSERT INTO booking_search (rowid, body)
    VALUES (new.id, new.title_zh || ' ' || new.title_en || ' ' || new.description_zh || ' ' || new.description_en
            || ' ' || new.brand_name);
END;

CREATE TRIGGER booking_search_update
AFTER UPDATE OF title_zh, title_en, description_zh, description_en, brand_name ON bookings BEGIN
    UPDATE booking_search
    SET body = new.title_zh || ' ' || new.title_en || ' ' || new.description_zh || ' ' || new.description_en
               || ' ' || new.brand_name
    WHERE rowid = new.id;
END;

CREATE TRIGGER booking_search_delete AFTER DELETE ON bookings BEGIN
    DELETE FROM booking_search WHERE rowid = old.id;
END;
