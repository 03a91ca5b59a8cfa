-- Where a contact or payment handle was seen, as a keyed hash (HMAC-SHA256 with the deployment's key):
-- accounts that share a handle are linked without the handle being kept in clear outside the message.
CREATE TABLE handle_sightings (
  handle_hash text NOT NULL,
  kind text NOT NULL,
  account_id text NOT NULL REFERENCES accounts (id),
  first_message_id text REFERENCES messages (id),
  first_seen_at timestamptz NOT NULL,
  PRIMARY KEY (handle_hash, account_id)
);
CREATE INDEX handle_sightings_by_account ON handle_sightings (account_id);

-- Secrets a deployment did not configure, made once per database (the embedded default needs no setup).
CREATE TABLE instance_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
