-- What each bump of the public version touched (issue 15): a large feed built at version V is
-- brought up to date by fetching again only the events of the bookings and venues changed since
-- V, instead of all of them. One row per bump, written in the bump's transaction; neither id when
-- the change touched no event (a vendor's stall, a logo). Only the last 1,000 are kept: a feed
-- older than that is built from scratch.
CREATE TABLE public_changes (
    version INTEGER PRIMARY KEY,
    booking_id INTEGER,
    venue_id INTEGER
);
