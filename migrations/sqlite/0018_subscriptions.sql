-- E-mail subscriptions (issue 18): a visitor follows a filter of the public events (the feeds'
-- query string, '' for every event) and gets a weekly digest of new events in their language,
-- once they have confirmed by the link we sent (double opt-in).
--
-- The confirmation token is kept as a hash: it proves the address, once. The unsubscribe token is
-- kept as it is, because every digest must carry it; all it can do is end this subscription.
-- The address is only ever used to send: no page or API shows it.
CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL,
    lang               TEXT NOT NULL,
    filter             TEXT NOT NULL,
    confirm_token_hash TEXT UNIQUE,
    confirm_sent_at    TEXT NOT NULL,
    unsubscribe_token  TEXT NOT NULL UNIQUE,
    created_at         TEXT NOT NULL,
    confirmed_at       TEXT,
    last_digest_at     TEXT,
    unsubscribed_at    TEXT,
    UNIQUE (email, filter)
);
CREATE INDEX subscriptions_due ON subscriptions (unsubscribed_at, confirmed_at, last_digest_at);

-- Confirmation links sent, per address (its SHA-256 only) and day (UTC, `2026-12-03`): an
-- address gets at most a few a day, however many form posts name it. The count is an upsert, so
-- concurrent posts on PostgreSQL wait for each other; rows older than a day are deleted by the
-- weekly pass.
CREATE TABLE subscription_confirmations (
    address_hash TEXT NOT NULL,
    day          TEXT NOT NULL,
    sent         BIGINT NOT NULL,
    PRIMARY KEY (address_hash, day)
);

-- A message may carry an unsubscribe address for its List-Unsubscribe header (RFC 2369, 8058).
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
