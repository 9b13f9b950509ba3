-- Public entrypoint (010–019): exact message counts that stay fast for users with millions of
-- rows. Per (user, UTC day of created_at, direction) counters maintained by triggers feed
-- `total` of the messages listing and /messages/stats without counting the rows each time.
-- Also a trigram index on caption, so the ILIKE search over content OR caption stays indexed.

CREATE TABLE message_day_counts (
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  day date NOT NULL,
  direction text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  PRIMARY KEY (user_id, day, direction)
);

CREATE FUNCTION zapa_message_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO message_day_counts AS c (user_id, day, direction, count)
  SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, direction, count(*)
    FROM zapa_new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (user_id, day, direction)
    DO UPDATE SET count = c.count + EXCLUDED.count, updated_at = now();
  RETURN NULL;
END $$;

-- Deletes only decrement: during a user's cascade delete the counter rows may already be gone,
-- and an upsert there would violate the foreign key.
CREATE FUNCTION zapa_message_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE message_day_counts AS c SET count = c.count - d.n, updated_at = now()
    FROM (SELECT user_id, (created_at AT TIME ZONE 'UTC')::date AS day, direction, count(*) AS n
            FROM zapa_old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) AS d
   WHERE c.user_id = d.user_id AND c.day = d.day AND c.direction = d.direction;
  RETURN NULL;
END $$;

CREATE FUNCTION zapa_message_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE message_day_counts SET count = count - 1, updated_at = now()
   WHERE user_id = OLD.user_id AND day = (OLD.created_at AT TIME ZONE 'UTC')::date
     AND direction = OLD.direction;
  INSERT INTO message_day_counts AS c (user_id, day, direction, count)
  VALUES (NEW.user_id, (NEW.created_at AT TIME ZONE 'UTC')::date, NEW.direction, 1)
  ON CONFLICT (user_id, day, direction) DO UPDATE SET count = c.count + 1, updated_at = now();
  RETURN NULL;
END $$;

CREATE FUNCTION zapa_message_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM message_day_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_counts_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS zapa_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zapa_message_counts_insert();
CREATE TRIGGER messages_counts_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS zapa_old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zapa_message_counts_delete();
-- Row level with WHEN: status/agent_status updates (the common case) never fire it.
CREATE TRIGGER messages_counts_update AFTER UPDATE OF user_id, direction, created_at ON messages
  FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id
    OR OLD.direction IS DISTINCT FROM NEW.direction
    OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION zapa_message_counts_update();
CREATE TRIGGER messages_counts_truncate AFTER TRUNCATE ON messages
  FOR EACH STATEMENT EXECUTE FUNCTION zapa_message_counts_truncate();

INSERT INTO message_day_counts (user_id, day, direction, count)
SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, direction, count(*)
  FROM messages GROUP BY 1, 2, 3;

CREATE INDEX messages_caption_trgm_idx ON messages USING gin (caption gin_trgm_ops);
