-- Each message's place in its pair's conversation: 1, 2, 3... A send reads the pair's last place with the
-- messages its screening reads, and stores its message at the next; two sends that read the same
-- conversation at once cannot both store (the unique index), and the one refused reads and screens again,
-- now after the other's message. So every message is judged after exactly the messages shown before it:
-- fragments of a phone number sent in parallel cannot each slip through unseen by the others.
-- It also orders a conversation where two messages share a millisecond (sent_at, then a random id, before).
ALTER TABLE messages ADD COLUMN seq bigint;
-- Messages already stored take their places in the order they were read in until now. The table's update
-- trigger tells the API processes' read caches of each pair once per pair (NOTIFY folds equal payloads).
UPDATE messages m SET seq = ordered.n
  FROM (SELECT id, row_number() OVER (PARTITION BY relationship_id ORDER BY sent_at, id) AS n FROM messages) ordered
 WHERE m.id = ordered.id;
ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX messages_pair_seq ON messages (relationship_id, seq);
