-- A user's pending and available money is one ledger account per currency
-- ("pending:USD:fre_a"), so two currencies never add up in one balance.
-- Accounts of the earlier form ("pending:fre_a") are emptied into the new
-- ones by appended transfers (the ledger is never rewritten); what was
-- pending waits out the pending period again from now.
INSERT INTO ledger_accounts (id, currency)
SELECT split_part(id, ':', 1) || ':' || currency || ':' || substr(id, position(':' in id) + 1), currency
FROM ledger_accounts
WHERE (id LIKE 'pending:%' OR id LIKE 'available:%') AND id !~ '^(pending|available):[A-Z]{3}:'
ON CONFLICT (id) DO NOTHING;

INSERT INTO ledger_transfers (id, debit, credit, amount, currency, posted_at)
SELECT 'per-currency:' || id, id,
  split_part(id, ':', 1) || ':' || currency || ':' || substr(id, position(':' in id) + 1), balance, currency, now()
FROM ledger_accounts
WHERE (id LIKE 'pending:%' OR id LIKE 'available:%') AND id !~ '^(pending|available):[A-Z]{3}:' AND balance > 0;

UPDATE ledger_accounts n SET balance = n.balance + o.balance
FROM ledger_accounts o
WHERE (o.id LIKE 'pending:%' OR o.id LIKE 'available:%') AND o.id !~ '^(pending|available):[A-Z]{3}:'
  AND o.balance > 0
  AND n.id = split_part(o.id, ':', 1) || ':' || o.currency || ':' || substr(o.id, position(':' in o.id) + 1);

UPDATE ledger_accounts SET balance = 0
WHERE (id LIKE 'pending:%' OR id LIKE 'available:%') AND id !~ '^(pending|available):[A-Z]{3}:' AND balance > 0;

-- Finding a user's accounts by owner (the part after "<kind>:<currency>:").
CREATE INDEX ledger_accounts_owner ON ledger_accounts (substr(id, position(':' in id) + 5))
  WHERE id LIKE 'pending:%' OR id LIKE 'available:%';
