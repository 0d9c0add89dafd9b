-- An image added to a booking after it was approved is public only once staff approve it
-- (issue 16: a poster uploaded after approval went public unreviewed).
ALTER TABLE images ADD COLUMN awaiting_review BOOLEAN NOT NULL DEFAULT FALSE;
