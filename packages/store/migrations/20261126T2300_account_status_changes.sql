-- Every change of an account's status, with who made it and why; appended, never changed.
CREATE TABLE account_status_changes (
  id bigserial PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id),
  from_status text NOT NULL,
  to_status text NOT NULL CHECK (to_status IN ('active', 'restricted', 'suspended', 'removed')),
  reason text NOT NULL,
  -- The admin who made it; null when the platform's own key did.
  changed_by text REFERENCES accounts (id),
  changed_at timestamptz NOT NULL
);
CREATE INDEX account_status_changes_by_account ON account_status_changes (account_id, changed_at);

-- One refusal for every append-only table from here on: it names the table and what was refused.
CREATE FUNCTION refuse_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER account_status_changes_no_update BEFORE UPDATE OR DELETE ON account_status_changes
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
