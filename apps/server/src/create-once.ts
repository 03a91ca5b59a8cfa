import { type ContractTerms, contractTerms, type Db } from "@leakguard/store";
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
