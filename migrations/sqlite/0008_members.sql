-- A member an owner removed can no longer sign in; the row stays for the records they wrote.
ALTER TABLE users ADD COLUMN removed_at TEXT;
