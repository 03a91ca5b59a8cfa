-- Red-flag signals as they happen: about an account, within a pair when it concerns one, with the
-- message that raised it. Appended, never changed; risk is computed from them.
CREATE TABLE signal_events (
  id bigserial PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  relationship_id text REFERENCES relationships (id),
  signal text NOT NULL,
  at timestamptz NOT NULL,
  message_id text REFERENCES messages (id)
);
CREATE INDEX signal_events_by_account ON signal_events (account_id, at);
CREATE INDEX signal_events_by_relationship ON signal_events (relationship_id, at) WHERE relationship_id IS NOT NULL;

CREATE TRIGGER signal_events_no_update BEFORE UPDATE OR DELETE ON signal_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
