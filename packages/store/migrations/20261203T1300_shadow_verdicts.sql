-- Shadow mode: what a candidate policy would have done with each message, beside what the live one did.
-- Stored and counted, never enforced. Appended, never changed.
CREATE TABLE shadow_verdicts (
  message_id text PRIMARY KEY REFERENCES messages (id),
  live_policy text NOT NULL,
  live_verdict text NOT NULL,
  candidate_policy text NOT NULL,
  candidate_verdict text NOT NULL,
  candidate_rules text[] NOT NULL,
  stage text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX shadow_verdicts_by_time ON shadow_verdicts (at);
CREATE TRIGGER shadow_verdicts_no_update BEFORE UPDATE OR DELETE ON shadow_verdicts
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
