-- Zapa schema v1 (R-DATA-*). Every table has created_at and a nullable updated_at;
-- enums are lower-case text with CHECK constraints; JSON columns default to '{}'.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
  id serial PRIMARY KEY,
  phone_number varchar(20) NOT NULL UNIQUE CHECK (phone_number ~ '^\+[1-9][0-9]{6,14}$'),
  display_name varchar(255),
  first_name varchar(100),
  last_name varchar(100),
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_active timestamptz,
  preferences jsonb NOT NULL DEFAULT '{}',
  user_metadata jsonb NOT NULL DEFAULT '{}',
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);

CREATE TABLE sessions (
  id serial PRIMARY KEY,
  user_id integer REFERENCES users(id) ON DELETE CASCADE,
  bridge_session_id varchar(100) NOT NULL UNIQUE,
  session_type text NOT NULL DEFAULT 'main' CHECK (session_type IN ('main', 'user')),
  status text NOT NULL DEFAULT 'disconnected'
    CHECK (status IN ('qr_pending', 'connecting', 'connected', 'disconnected', 'error')),
  phone_number varchar(20),
  connected_at timestamptz,
  disconnected_at timestamptz,
  session_metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);

CREATE TABLE messages (
  id bigserial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_id integer REFERENCES sessions(id) ON DELETE SET NULL,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'system')),
  message_type text NOT NULL DEFAULT 'text'
    CHECK (message_type IN ('text', 'image', 'audio', 'video', 'document', 'location', 'contact', 'unknown')),
  content text,
  caption text,
  sender_jid varchar(100),
  recipient_jid varchar(100),
  "timestamp" timestamptz NOT NULL DEFAULT now(),
  reply_to_id bigint REFERENCES messages(id) ON DELETE CASCADE,
  whatsapp_message_id varchar(255),
  status text CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed')),
  agent_status text CHECK (agent_status IN ('pending', 'done')),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);

CREATE INDEX messages_user_created_idx ON messages (user_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX messages_whatsapp_message_id_key ON messages (whatsapp_message_id)
  WHERE whatsapp_message_id IS NOT NULL;
-- At most one reply per inbound message: the final guard against duplicate replies.
CREATE UNIQUE INDEX messages_one_reply_idx ON messages (reply_to_id) WHERE direction = 'outbound';
CREATE INDEX messages_content_trgm_idx ON messages USING gin (content gin_trgm_ops);
CREATE INDEX messages_agent_pending_idx ON messages (user_id, "timestamp", id)
  WHERE agent_status = 'pending';
CREATE INDEX messages_status_queued_idx ON messages (created_at, id) WHERE status = 'queued';

CREATE TABLE auth_codes (
  id bigserial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash varchar(64) NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used boolean NOT NULL DEFAULT false,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  request_ip varchar(64),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);
CREATE INDEX auth_codes_user_live_idx ON auth_codes (user_id, created_at DESC) WHERE NOT used;

CREATE TABLE llm_configs (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  priority integer NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
  provider text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'google')),
  api_key_encrypted text NOT NULL,
  key_hint varchar(8),
  model_settings jsonb NOT NULL DEFAULT '{}',
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);
CREATE UNIQUE INDEX llm_configs_user_priority_key ON llm_configs (user_id, priority) WHERE is_active;
