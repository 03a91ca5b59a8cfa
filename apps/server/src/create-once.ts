import type { Account } from "@leakguard/domain";
import { type ContractTerms, contractTerms, type Db, relationshipFor } from "@leakguard/store";
import type { ApiCode } from "./errors.js";
import { isUniqueViolation } from "./http.js";

/**
 * Creates a contract under an id derived from an idempotency key, once: a
 * retry finds it made, and of two racing twins the loser's unique violation
 * is the sign the winner made it. Returns the terms it was made with, for
 * the caller to compare with the request.
 */
export async function createOnce(
  db: Db,
  id: string,
  create: () => Promise<void>,
): Promise<ContractTerms | null> {
  if ((await contractTerms(db, id)) === null)
    try {
      await create();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  return contractTerms(db, id);
}

/**
 * The client opening a contract with a freelancer: the caller must be a
 * client, and the pair is made (or found) first, which checks both accounts
 * and their roles.
 */
export async function openingClient(
  db: Db,
  acting: Account | null,
  freelancerId: string,
  now: Date,
): Promise<{ ok: true; client: Account } | { ok: false; code: ApiCode; message: string }> {
  if (acting === null)
    return { ok: false, code: "invalid_request", message: "name the client in Leakguard-Act-As" };
  if (acting.role !== "client")
    return { ok: false, code: "forbidden", message: "only a client opens a contract" };
  const pair = await relationshipFor(db, acting.id, freelancerId, now);
  return pair.ok ? { ok: true, client: acting } : pair;
}
