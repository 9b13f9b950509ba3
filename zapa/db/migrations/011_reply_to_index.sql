-- The reply_to_id foreign key's ON DELETE check looks up `reply_to_id = $1` for every deleted
-- message. The unique index of 001 is partial (outbound rows only), so the check could not use
-- it and deleting a user with 5 000 messages took ~25 s (one sequential scan per row). A plain
-- partial index on the non-null values serves the check (`= $1` implies NOT NULL).
CREATE INDEX messages_reply_to_idx ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
