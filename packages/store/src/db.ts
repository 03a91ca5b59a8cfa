import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/**
 * One PostgreSQL dialect, two engines: PGlite (PostgreSQL in WebAssembly,
 * the embedded default, kept in a data directory) or a real server. The store
 * speaks plain parameterised SQL to either through this small interface.
 */
export interface Queryable {
  /**
   * `name`: a prepared statement, for a statement run with every request whose planning is a large part of
   * its cost (a send's read: 1.6 ms unnamed, 0.6 ms prepared, measured on PostgreSQL 15). Each name is one
   * SQL text; the server plans it once per connection. PGlite has no use for it.
   */
  query<R extends Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    name?: string,
  ): Promise<{ rows: R[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly engine: "pglite" | "postgres";
  /**
   * Hears NOTIFY on `channel` (lower-case letters, digits and _) until closed. On PostgreSQL the
   * listening connection is one of its own, outside the pool; `lost` is called once if it ends
   * (a restart, a network cut) and nothing more is heard: listen again to go on.
   */
  listen(channel: string, onNotification: (payload: string) => void, lost: () => void): Promise<Listening>;
}

export interface Listening {
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel))
    throw new Error(`channel name "${channel}" must be at most 63 lower-case letters, digits and _`);
}

export type DbOptions =
  | { engine: "pglite"; dataDir?: string }
  | { engine: "postgres"; url: string; schema?: string; maxConnections?: number };

export async function openDb(options: DbOptions): Promise<Db> {
  // The server's pool connects on first use; PGlite starts its WebAssembly engine now.
  return options.engine === "pglite" ? await openPglite(options.dataDir) : openPostgres(options);
}

async function openPglite(dataDir: string | undefined): Promise<Db> {
  const lite = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await lite.waitReady;
  // PGlite runs one statement at a time; transactions are serialised by its own queue.
  type Lite = Pick<PGlite, "query" | "exec">;
  const asQueryable = (c: Lite): Queryable => ({
    query: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => ({
      rows: (await c.query<R>(sql, params)).rows,
    }),
    exec: async (sql: string) => {
      await c.exec(sql);
    },
  });
  return {
    engine: "pglite",
    ...asQueryable(lite),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      lite.transaction(async (t) => fn(asQueryable(t))),
    close: () => lite.close(),
    // One engine in this process: its notifications cannot be lost while it runs.
    listen: async (channel, onNotification) => {
      checkChannel(channel);
      const unlisten = await lite.listen(channel, onNotification);
      return { close: () => unlisten() };
    },
  };
}

function openPostgres(options: { url: string; schema?: string; maxConnections?: number }): Db {
  // bigint columns come back as strings by default; the store converts them to bigint itself.
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`schema name "${schema}" must be lower-case letters, digits and _`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // A database that does not answer fails a request in seconds (503) instead of leaving it hanging.
    connectionTimeoutMillis: 5_000,
    // Every connection starts in the schema (tests run in a schema of their own).
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A connection lost while idle (the server restarted, a network cut) is dropped by the pool and the
  // next query opens a new one; unheard, the error event would end the process.
  pool.on("error", () => undefined);
  const listeners = new Set<Listening>();
  const asQueryable = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = [], name?: string) => ({
      rows: (
        await (name === undefined ? c.query<R>(sql, params) : c.query<R>({ name, text: sql, values: params }))
      ).rows,
    }),
    exec: async (sql: string) => {
      await c.query(sql);
    },
  });
  return {
    engine: "postgres",
    ...asQueryable(pool),
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      const client = await pool.connect();
      // Lost between two of the transaction's statements, the connection fails the next one (which
      // rolls back) rather than raising an event nobody hears.
      const lost = () => undefined;
      client.on("error", lost);
      try {
        await client.query("BEGIN");
        const out = await fn(asQueryable(client));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.removeListener("error", lost);
        client.release();
      }
    },
    // Listening connections end with the pool: closing the database ends everything it opened.
    close: async () => {
      await Promise.all([...listeners].map((l) => l.close()));
      await pool.end();
    },
    listen: async (channel, onNotification, lost) => {
      checkChannel(channel);
      const client = new pg.Client({
        connectionString: options.url,
        connectionTimeoutMillis: 5_000,
        ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      });
      let closing = false;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        if (!closing) lost();
      };
      // An error on this connection ends it: the listener hears `lost`, never an unhandled event.
      client.on("error", () => {
        end();
        client.end().catch(() => undefined);
      });
      client.on("end", end);
      client.on("notification", (n) => {
        if (n.channel === channel) onNotification(n.payload ?? "");
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${channel}`);
      } catch (error) {
        // Not listening: the caller hears the error, not `lost` as well.
        closing = true;
        await client.end().catch(() => undefined);
        throw error;
      }
      const listening: Listening = {
        close: async () => {
          closing = true;
          listeners.delete(listening);
          await client.end().catch(() => undefined);
        },
      };
      listeners.add(listening);
      return listening;
    },
  };
}
