-- Hourly contracts: their terms, the time logged in segments, and the weekly invoices.
CREATE TABLE hourly_terms (
  contract_id text PRIMARY KEY REFERENCES contracts (id),
  hourly_rate bigint NOT NULL CHECK (hourly_rate > 0),
  weekly_limit_hours integer NOT NULL CHECK (weekly_limit_hours > 0)
);

CREATE TABLE time_segments (
  contract_id text NOT NULL REFERENCES contracts (id),
  starts_at timestamptz NOT NULL,
  tracked boolean NOT NULL,
  memo text NOT NULL DEFAULT '',
  activity integer NOT NULL CHECK (activity BETWEEN 0 AND 100),
  PRIMARY KEY (contract_id, starts_at)
);

CREATE TABLE weekly_invoices (
  contract_id text NOT NULL REFERENCES contracts (id),
  week_start timestamptz NOT NULL,
  issued_at timestamptz NOT NULL,
  dispute_until timestamptz NOT NULL,
  billed bigint NOT NULL,
  protected bigint NOT NULL,
  unprotected jsonb NOT NULL,
  PRIMARY KEY (contract_id, week_start)
);
