-- The time a transfer happened on the domain's clock (tests advance it; jobs compare against it).
ALTER TABLE ledger_transfers ADD COLUMN posted_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX ledger_transfers_pending ON ledger_transfers (posted_at) WHERE credit LIKE 'pending:%';
