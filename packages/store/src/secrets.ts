import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets the platform must read back (webhook signing secrets: HMAC needs
 * the secret itself, so a hash will not do) are sealed with AES-256-GCM
 * before they are written. The sealed form is `v1:` and the base64url of
 * iv (12 bytes), tag (16 bytes) and ciphertext; the version names the scheme
 * so a later one (another key, another cipher) can sit beside it. `context`
 * (the row's id) is bound as associated data, so a sealed value copied into
 * another row does not open there.
 */
const VERSION = "v1:";

export function sealSecret(key: Buffer, plain: string, context: string): string {
  if (key.length !== 32) throw new Error("the secret key is 32 bytes");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(VERSION);
}

/**
 * The plain secret. A legacy plaintext value (written before sealing) is
 * returned as it is; a sealed value that does not open (another key, a
 * changed row) throws, since signing with a wrong secret would only fail
 * later, at the receiver.
 */
export function openSecret(key: Buffer, stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  const raw = Buffer.from(stored.slice(VERSION.length), "base64url");
  if (raw.length < 28) throw new Error(`sealed secret of ${context} is truncated`);
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new Error(
      `the sealed secret of ${context} does not open with this key (was LEAKGUARD_SECRET_KEY changed?)`,
    );
  }
}

/** A 32-byte key from its text form: 64 hex digits, or base64 / base64url of 32 bytes; null if neither. */
export function parseSecretKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return b.length === 32 ? b : null;
  }
  return null;
}
