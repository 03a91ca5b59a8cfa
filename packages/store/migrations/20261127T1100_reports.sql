-- A party reports a message of the other side (a request to go off the platform, say), once per message.
CREATE TABLE message_reports (
  message_id text NOT NULL REFERENCES messages (id),
  reporter_id text NOT NULL REFERENCES accounts (id),
  reason text NOT NULL CHECK (reason IN ('off_platform_payment', 'contact_details', 'off_platform_work', 'other')),
  note text NOT NULL DEFAULT '',
  reported_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, reporter_id)
);
CREATE INDEX message_reports_by_time ON message_reports (reported_at);
