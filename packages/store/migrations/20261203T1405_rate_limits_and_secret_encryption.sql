-- Rate-limit counters shared by every API process: one row per key and fixed window, bumped with one
-- upsert (INSERT … ON CONFLICT … DO UPDATE SET hits = hits + n RETURNING hits). Counters are
-- disposable, so the table is UNLOGGED on a server (no WAL: a crash empties it, which only forgives
-- the counts of the current window); the clock's jobs delete windows that have ended.
CREATE UNLOGGED TABLE rate_limit_counters (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  window_ends timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_counters_ends ON rate_limit_counters (window_ends);

-- Webhook signing secrets are kept sealed (AES-256-GCM, "v1:" prefixed, under LEAKGUARD_SECRET_KEY or
-- the instance's own key). SQL cannot seal them (the key never reaches the database), so rows written
-- before this migration are sealed by the server when it starts (sealWebhookSecrets), and read as
-- they are until then.
COMMENT ON COLUMN webhook_endpoints.secret IS
  'the signing secret sealed with AES-256-GCM: v1:<base64url of iv, tag, ciphertext>; a legacy plaintext whsec_ value until the server seals it at start';
