/**
 * Domain operations return a result with a named code instead of throwing
 * (exceptions are for programmer errors). The HTTP edge maps every code to a
 * status in one table.
 */
export type Result<T, C extends string> = { ok: true; value: T } | { ok: false; code: C; message: string };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const err = <C extends string>(code: C, message: string): { ok: false; code: C; message: string } => ({
  ok: false,
  code,
  message,
});
