-- Enforcement: what agents (and the platform's rules) do about a case, the questions they ask, the
-- appeals against what they did, the contracts it touches, and an audit log of all of it.

-- A case waits while its subject has a question to answer; it is still their one unclosed case.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('open', 'waiting', 'closed'));
DROP INDEX cases_one_open_per_subject;
CREATE UNIQUE INDEX cases_one_unclosed_per_subject ON cases (subject_id) WHERE status <> 'closed';
-- The action that closed the case.
ALTER TABLE cases ADD COLUMN resolution text;

-- Every action on a case, with who took it (null: the platform's rules or clock) and why. Appended,
-- never changed: an appeal that overturns an action is recorded beside it.
CREATE TABLE case_actions (
  id text PRIMARY KEY,
  case_id text NOT NULL REFERENCES cases (id),
  subject_id text NOT NULL REFERENCES accounts (id),
  kind text NOT NULL CHECK (kind IN ('dismiss', 'clarify', 'warn', 'restrict', 'suspend', 'remove',
    'confirm_off_platform', 'release_message', 'reject_message')),
  reason text NOT NULL,
  actor_id text REFERENCES accounts (id),
  at timestamptz NOT NULL,
  -- What the action concerns: {warningKind}, {contractId}, {messageId}, {clarificationId, deadline, defaultOutcome}.
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_actions_by_case ON case_actions (case_id, at);
CREATE INDEX case_actions_by_subject ON case_actions (subject_id, kind, at);
CREATE TRIGGER case_actions_no_update BEFORE UPDATE OR DELETE ON case_actions
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();

-- A question to the subject of a case, with a deadline and what happens if it passes unanswered.
CREATE TABLE clarifications (
  id text PRIMARY KEY,
  case_id text NOT NULL REFERENCES cases (id),
  subject_id text NOT NULL REFERENCES accounts (id),
  action_id text NOT NULL UNIQUE REFERENCES case_actions (id),
  question text NOT NULL,
  asked_at timestamptz NOT NULL,
  deadline timestamptz NOT NULL,
  default_outcome text NOT NULL CHECK (default_outcome IN ('dismiss', 'warn', 'restrict', 'suspend')),
  answer text,
  answered_at timestamptz,
  lapsed_at timestamptz,
  CHECK (answered_at IS NULL OR lapsed_at IS NULL)
);
CREATE INDEX clarifications_due ON clarifications (deadline) WHERE answered_at IS NULL AND lapsed_at IS NULL;
CREATE INDEX clarifications_by_subject ON clarifications (subject_id, asked_at);

-- One appeal per action, decided once by an agent other than the one who acted.
CREATE TABLE appeals (
  id text PRIMARY KEY,
  action_id text NOT NULL UNIQUE REFERENCES case_actions (id),
  appellant_id text NOT NULL REFERENCES accounts (id),
  statement text NOT NULL,
  filed_at timestamptz NOT NULL,
  decision text CHECK (decision IN ('upheld', 'overturned')),
  decided_by text REFERENCES accounts (id),
  decision_reason text,
  decided_at timestamptz
);
CREATE INDEX appeals_pending ON appeals (filed_at) WHERE decision IS NULL;

-- A contract whose off-platform payment an agent confirmed loses its protection (no disputes);
-- a contract ends when a party is removed.
ALTER TABLE contracts ADD COLUMN protection_void_at timestamptz;
ALTER TABLE contracts ADD COLUMN ended_at timestamptz;
ALTER TABLE contracts ADD COLUMN ended_because text;

-- A report folded into a case an agent dismissed: the reporter's later reports weigh less.
CREATE TABLE dismissed_reports (
  message_id text NOT NULL,
  reporter_id text NOT NULL,
  case_id text NOT NULL REFERENCES cases (id),
  at timestamptz NOT NULL,
  PRIMARY KEY (message_id, reporter_id),
  FOREIGN KEY (message_id, reporter_id) REFERENCES message_reports (message_id, reporter_id)
);
CREATE INDEX dismissed_reports_by_reporter ON dismissed_reports (reporter_id);
-- How much a signal counts (a report from a reporter often dismissed counts less); 1 by default.
ALTER TABLE signal_events ADD COLUMN weight real NOT NULL DEFAULT 1 CHECK (weight > 0 AND weight <= 1);

-- Every verdict, signal, action and decision: who, when, why, what changed. Appended, never changed.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  -- The agent, admin or user who did it; null for the platform (its rules, its clock, its key).
  actor_id text,
  event text NOT NULL,
  -- The account it is about, and the case when there is one.
  subject_id text,
  case_id text,
  reason text NOT NULL DEFAULT '',
  change jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id) WHERE subject_id IS NOT NULL;
CREATE INDEX audit_log_by_case ON audit_log (case_id, id) WHERE case_id IS NOT NULL;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
