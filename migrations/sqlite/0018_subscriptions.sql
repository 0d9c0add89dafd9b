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

-- Every confirmation link sent, by the address's SHA-256 only, for a day: an address gets at
-- most a few a day, however many form posts name it (deleted by the weekly pass after a day).
CREATE TABLE subscription_confirmations (
    id           INTEGER PRIMARY KEY,
    address_hash TEXT NOT NULL,
    sent_at      TEXT NOT NULL
);
CREATE INDEX subscription_confirmations_address ON subscription_confirmations (address_hash, sent_at);

-- A message may carry an unsubscribe address for its List-Unsubscribe header (RFC 2369, 8058).
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
