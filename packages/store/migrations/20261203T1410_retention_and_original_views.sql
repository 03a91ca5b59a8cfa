-- Scopes granted to a staff account beyond its role's (today only `read_originals`: reading the unmasked
-- text of a message whose details the engine found). A revocation deletes the grant; the audit log keeps
-- who granted and revoked what, when and why.
CREATE TABLE account_grants (
  account_id text NOT NULL REFERENCES accounts (id),
  scope text NOT NULL CHECK (scope IN ('read_originals')),
  granted_by text REFERENCES accounts (id),
  granted_at timestamptz NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (account_id, scope)
);

-- Retention: a message's original is erased after a configurable period. `text` becomes NULL, `erased_at`
-- says when; the verdict, the stage, the findings' rules, kinds and spans, what was shown (with the details
-- the engine found replaced) and the keyed handle hashes stay.
ALTER TABLE messages ALTER COLUMN text DROP NOT NULL;
ALTER TABLE messages ADD COLUMN erased_at timestamptz;
ALTER TABLE messages ADD CONSTRAINT messages_erased_has_no_text CHECK (erased_at IS NULL OR text IS NULL);
ALTER TABLE messages ADD CONSTRAINT messages_text_unless_erased CHECK (erased_at IS NOT NULL OR text IS NOT NULL);
-- The retention job looks for the oldest messages still holding their original.
CREATE INDEX messages_unerased_by_time ON messages (sent_at, id) WHERE erased_at IS NULL;
