-- Change notifications for the API processes' read cache (apps/server/src/read-cache.ts): a pre-send check
-- is served from what a process has cached of the acting account and the pair, and a write elsewhere tells
-- every process what to forget with NOTIFY on the channel `lg_changes_<schema>` (tests run one schema each).
-- The payload is a tag: `a:<account id>`, `p:<client id>:<freelancer id>` or `r:<relationship id>`.
--
-- Only rare writes notify here, inside their transaction. A new message is announced by the process that
-- stored it, after its commit (announceChanges): PostgreSQL serialises the commits of notifying
-- transactions (one lock on the notification queue is held through the commit's WAL flush), which halved
-- committed inserts per second with 32 clients on this 2-core machine (pgbench: 5,160 -> 2,430 tps).
CREATE FUNCTION notify_read_cache() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_now RECORD;
  tag text;
BEGIN
  IF TG_OP = 'DELETE' THEN row_now := OLD; ELSE row_now := NEW; END IF;
  IF TG_TABLE_NAME = 'accounts' THEN
    tag := 'a:' || row_now.id;
  ELSIF TG_TABLE_NAME = 'relationships' OR TG_TABLE_NAME = 'contracts' THEN
    tag := 'p:' || row_now.client_id || ':' || row_now.freelancer_id;
  ELSIF TG_TABLE_NAME = 'milestones' THEN
    SELECT 'p:' || c.client_id || ':' || c.freelancer_id INTO tag FROM contracts c WHERE c.id = row_now.contract_id;
  ELSIF TG_TABLE_NAME = 'messages' THEN
    tag := 'r:' || row_now.relationship_id;
  END IF;
  IF tag IS NOT NULL THEN
    PERFORM pg_notify('lg_changes_' || current_schema(), tag);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER accounts_notify_read_cache AFTER INSERT OR UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION notify_read_cache();
CREATE TRIGGER relationships_notify_read_cache AFTER INSERT OR UPDATE OR DELETE ON relationships
  FOR EACH ROW EXECUTE FUNCTION notify_read_cache();
CREATE TRIGGER contracts_notify_read_cache AFTER INSERT OR UPDATE OR DELETE ON contracts
  FOR EACH ROW EXECUTE FUNCTION notify_read_cache();
CREATE TRIGGER milestones_notify_read_cache AFTER INSERT OR UPDATE OR DELETE ON milestones
  FOR EACH ROW EXECUTE FUNCTION notify_read_cache();
-- Messages: a review or an erasure changes what the conversation reads; a new message is announced by its sender's process.
CREATE TRIGGER messages_notify_read_cache AFTER UPDATE OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION notify_read_cache();
