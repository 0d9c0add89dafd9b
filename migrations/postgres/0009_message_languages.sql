-- Messages to an organization speak each member's language and link to the portal page they
-- are about: the Chinese text beside the English, and the page's path.
ALTER TABLE outbox ADD COLUMN subject_zh TEXT;
ALTER TABLE outbox ADD COLUMN body_zh TEXT;
ALTER TABLE outbox ADD COLUMN link TEXT;
