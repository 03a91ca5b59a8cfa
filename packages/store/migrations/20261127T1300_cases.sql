-- Cases for the trust & safety team: one open case per subject (an account), opened by a held
-- message, a report or a risk threshold, with a priority an agent's queue sorts on.
CREATE TABLE cases (
  id text PRIMARY KEY,
  subject_id text NOT NULL REFERENCES accounts (id),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  opened_at timestamptz NOT NULL,
  opened_because text NOT NULL CHECK (opened_because IN ('held_message', 'report', 'risk_threshold')),
  -- Raised, never lowered, while the case is open: the highest risk seen since it opened.
  priority integer NOT NULL CHECK (priority BETWEEN 0 AND 100),
  updated_at timestamptz NOT NULL,
  assignee_id text REFERENCES accounts (id),
  claimed_at timestamptz,
  closed_at timestamptz
);
CREATE UNIQUE INDEX cases_one_open_per_subject ON cases (subject_id) WHERE status = 'open';
CREATE INDEX cases_open_by_priority ON cases (priority DESC, opened_at) WHERE status = 'open';
