-- Signals computed from activity read messages by time and by sender, not by pair: the clock looks for
-- pairs whose last message falls in a window of days, and a send looks at its sender's first messages.
CREATE INDEX messages_by_time ON messages (sent_at);
CREATE INDEX messages_by_sender ON messages (sender_id, sent_at, id);
