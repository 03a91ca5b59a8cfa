import { randomBytes } from "node:crypto";
import { type Db, instanceSecret } from "@leakguard/store";

/**
 * The key that seals stored secrets (webhook signing secrets): the one from
 * LEAKGUARD_SECRET_KEY when set, else one made once and kept in the database
 * (instance_secrets), like the handle key. The second is for the embedded
 * default only: a key beside the data it protects does not survive the theft
 * of a backup, so production sets the variable (docs/security.md).
 */
export async function secretKeyOf(db: Db, configured: Buffer | undefined): Promise<Buffer> {
  if (configured !== undefined) return configured;
  return Buffer.from(await instanceSecret(db, "secret_key", () => randomBytes(32).toString("hex")), "hex");
}
