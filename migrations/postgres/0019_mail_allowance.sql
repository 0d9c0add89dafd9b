-- E-mails sent on a stranger's request (address confirmations, password resets, invitations),
-- counted per client address and kind, and all together, per UTC hour (`hour`: hours since
-- 1970). The count is one upserted row per key and hour, so concurrent requests queue on it.
CREATE TABLE mail_allowance (
    key   TEXT NOT NULL,
    hour  BIGINT NOT NULL,
    sent  BIGINT NOT NULL,
    PRIMARY KEY (key, hour)
);
