-- A session's CSRF token, kept only as its SHA-256: a browser signed in by cookie sends the token in
-- X-CSRF-Token with every write. Sessions from before have none and so cannot write by cookie.
ALTER TABLE sessions ADD COLUMN csrf_hash text;

-- API keys an admin manages in the database, beside the keys named in LEAKGUARD_API_KEY_HASHES.
-- The key is shown once; only its SHA-256 is kept, with a short prefix that identifies it in lists.
-- Revoking sets revoked_at and keeps the row, so who made which key and when stays known.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_by text REFERENCES accounts (id),
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
