-- Weekly invoices move money: the client is charged into the invoice's hold
-- when it is issued, and the hold is settled once (undisputed, the dispute
-- accepted, lapsed, or resolved by an agent). These columns record the settlement.
ALTER TABLE weekly_invoices ADD COLUMN settlement text
  CHECK (settlement IN ('undisputed', 'accepted', 'lapsed', 'resolved', 'before_billing'));
ALTER TABLE weekly_invoices ADD COLUMN settled_at timestamptz;
ALTER TABLE weekly_invoices ADD COLUMN refunded bigint;
-- The agent who decided a contested dispute.
ALTER TABLE weekly_invoices ADD COLUMN resolved_by text REFERENCES accounts (id);

-- Invoices issued before invoices charged anyone hold no money: they are closed as they are.
UPDATE weekly_invoices SET settlement = 'before_billing', settled_at = issued_at, refunded = 0;

-- What the clock settles: undisputed invoices whose dispute window has closed.
CREATE INDEX weekly_invoices_to_settle ON weekly_invoices (dispute_until)
  WHERE settled_at IS NULL AND dispute_opened_at IS NULL;
