-- A user's conversation in WhatsApp time, newest first: what the agent reads before every
-- reply (the context window, R-CONTEXT-*) and what its history tools page through. Without it
-- the window was read through (user_id, created_at) — every message of the user fetched from
-- the heap and sorted for 20 rows — and a reply cost more the longer the user had chatted.
CREATE INDEX messages_user_timestamp_idx ON messages (user_id, "timestamp" DESC, id DESC);
