-- People, the pairs they form at first contact, and the messages between them.
CREATE TABLE accounts (
  id text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('client', 'freelancer', 'agent', 'admin')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'restricted', 'suspended', 'removed')),
  display_name text NOT NULL,
  country char(2) NOT NULL,
  locale text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE relationships (
  id text PRIMARY KEY,
  client_id text NOT NULL REFERENCES accounts (id),
  freelancer_id text NOT NULL REFERENCES accounts (id),
  identified_at timestamptz NOT NULL,
  conversion_paid_at timestamptz,
  UNIQUE (client_id, freelancer_id)
);

CREATE TABLE messages (
  id text PRIMARY KEY,
  relationship_id text NOT NULL REFERENCES relationships (id),
  sender_id text NOT NULL REFERENCES accounts (id),
  text text NOT NULL,
  sent_at timestamptz NOT NULL
);

CREATE INDEX messages_by_relationship ON messages (relationship_id, sent_at);
