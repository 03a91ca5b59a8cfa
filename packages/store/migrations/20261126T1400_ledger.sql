-- The ledger: accounts with their running balance, and transfers that are
-- appended and never changed. Amounts are integer minor units.
CREATE TABLE ledger_accounts (
  id text PRIMARY KEY,
  currency char(3) NOT NULL,
  balance bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_transfers (
  id text PRIMARY KEY,
  debit text NOT NULL REFERENCES ledger_accounts (id),
  credit text NOT NULL REFERENCES ledger_accounts (id),
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (debit <> credit)
);

CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit);

-- Ledger rows are never updated or deleted: the database refuses it, whoever asks.
CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_transfers is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();

-- Every money-moving call carries an idempotency key: a replay returns the first result.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  request_hash text NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
