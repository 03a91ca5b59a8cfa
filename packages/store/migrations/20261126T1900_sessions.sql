-- People sign in with a password (stored only as an scrypt hash) and get a session (stored only as a SHA-256 of its token).
CREATE TABLE credentials (
  account_id text PRIMARY KEY REFERENCES accounts (id),
  password_hash text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
