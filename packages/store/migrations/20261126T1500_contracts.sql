-- Fixed-price contracts and their milestones. A milestone row holds the state
-- the domain's state machine works on; its money lives in the ledger.
CREATE TABLE contracts (
  id text PRIMARY KEY,
  client_id text NOT NULL,
  freelancer_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('fixed_price', 'hourly')),
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE milestones (
  id text PRIMARY KEY,
  contract_id text NOT NULL REFERENCES contracts (id),
  amount bigint NOT NULL CHECK (amount > 0),
  status text NOT NULL,
  funded_at timestamptz,
  submitted_at timestamptz,
  refund_requested_at timestamptz,
  dispute_by text,
  dispute_opened_at timestamptz,
  dispute_answered_at timestamptz,
  -- When the clock must next look at this milestone (auto-release, unanswered refund or dispute); null when never.
  due_at timestamptz,
  version integer NOT NULL DEFAULT 0
);

CREATE INDEX milestones_due ON milestones (due_at) WHERE due_at IS NOT NULL;
