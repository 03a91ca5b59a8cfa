/** How long a client should wait before retrying while the database is away (seconds, for Retry-After). */
export const DATABASE_RETRY_AFTER_S = 5;

export const DATABASE_UNAVAILABLE_MESSAGE =
  "the database is unavailable right now, so the request was not carried out; retry it after Retry-After seconds (with the same Idempotency-Key where it takes one: a request that did go through is never applied twice)";

// Socket errors of a connection that cannot be opened or was cut.
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// SQLSTATEs of a server going away or not yet back: admin_shutdown, crash_shutdown, cannot_connect_now.
const SERVER_GONE_CODES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03"]);

// What node-postgres and its pool say when a connection is lost or cannot be had in time.
const LOST_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed/i;

/**
 * Whether `error` says the database cannot be reached (refused, cut, shutting
 * down, starting up, no connection in time) rather than that a query was
 * wrong: such a request gets 503 and Retry-After, not 500. Connection
 * exceptions are SQLSTATE class 08; Node wraps a refusal on several addresses
 * in an AggregateError, and some errors carry the socket's as their cause.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== "object" || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (
    typeof code === "string" &&
    (NETWORK_CODES.has(code) || SERVER_GONE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
  )
    return true;
  if (typeof message === "string" && LOST_CONNECTION.test(message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e, depth + 1)))
    return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
