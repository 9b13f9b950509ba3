-- Per-user agent leases (R-ORDER-1): the private worker holding a user's row answers that
-- user's oldest pending message; an expired lease may be taken over by any instance.
CREATE TABLE agent_leases (
  user_id integer PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  owner varchar(200) NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz
);
CREATE INDEX agent_leases_owner_idx ON agent_leases (owner);
