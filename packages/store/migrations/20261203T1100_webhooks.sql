-- Webhooks through a transactional outbox: an event and its deliveries are written in the transaction
-- of the change they report, so a commit without its webhook cannot happen; a worker delivers them.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  url text NOT NULL,
  -- The signing secret, shown once when the endpoint is made. Kept as is: HMAC signing needs it.
  secret text NOT NULL,
  -- The event types it receives; '*' for all.
  events text[] NOT NULL,
  description text NOT NULL DEFAULT '',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  created_by text
);

-- Every event, with the id receivers de-duplicate on. Appended, never changed.
CREATE TABLE webhook_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload jsonb NOT NULL
);
CREATE INDEX webhook_events_by_time ON webhook_events (occurred_at);
CREATE TRIGGER webhook_events_no_update BEFORE UPDATE OR DELETE ON webhook_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();

-- One event to one endpoint: pending until delivered, or failed after the last retry. A worker leases
-- a delivery while it sends it; a worker that dies leaves the lease to expire and another sends it.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES webhook_events (id),
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id),
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until timestamptz,
  delivered_at timestamptz,
  last_error text,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, event_id);

-- Every attempt, with what the receiver answered. Appended, never changed.
CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id),
  attempted_at timestamptz NOT NULL,
  status_code integer,
  error text,
  duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE OR DELETE ON webhook_attempts
  FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
