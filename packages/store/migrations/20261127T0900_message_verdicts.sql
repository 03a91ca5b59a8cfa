-- Messages are scanned before delivery: each keeps its verdict, what the two sides are shown (the text,
-- or the text with details masked; the original stays in `text` for agents), whether it was delivered
-- or is held for review, the stage it was judged in, and the engine's findings.
ALTER TABLE messages ADD COLUMN verdict text NOT NULL DEFAULT 'allow' CHECK (verdict IN ('allow', 'nudge', 'mask', 'hold'));
ALTER TABLE messages ADD COLUMN delivery text NOT NULL DEFAULT 'delivered' CHECK (delivery IN ('delivered', 'held', 'rejected'));
ALTER TABLE messages ADD COLUMN shown_text text;
ALTER TABLE messages ADD COLUMN stage text;
ALTER TABLE messages ADD COLUMN scan jsonb;
ALTER TABLE messages ADD COLUMN reviewed_by text REFERENCES accounts (id);
ALTER TABLE messages ADD COLUMN reviewed_at timestamptz;
CREATE INDEX messages_held ON messages (sent_at) WHERE delivery = 'held';

-- A nudged message waits for its sender to confirm the reminder: the confirmation token is kept only as
-- a SHA-256, bound to the sender, the recipient and the text's SHA-256, and used for one message.
CREATE TABLE message_nudges (
  token_hash text PRIMARY KEY,
  sender_id text NOT NULL REFERENCES accounts (id),
  recipient_id text NOT NULL REFERENCES accounts (id),
  text_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_for_message text
);
CREATE INDEX message_nudges_by_sender ON message_nudges (sender_id, created_at);
