-- A client's dispute of a weekly invoice, answered by the freelancer or lapsed by the clock.
ALTER TABLE weekly_invoices ADD COLUMN dispute_opened_at timestamptz;
ALTER TABLE weekly_invoices ADD COLUMN dispute_answer_by timestamptz;
ALTER TABLE weekly_invoices ADD COLUMN dispute_outcome text CHECK (dispute_outcome IN ('accepted', 'contested', 'lapsed'));
ALTER TABLE weekly_invoices ADD COLUMN dispute_closed_at timestamptz;
CREATE INDEX weekly_invoices_open_disputes ON weekly_invoices (dispute_answer_by)
  WHERE dispute_opened_at IS NOT NULL AND dispute_outcome IS NULL;
