import { err, ok, type Result } from "./result.js";

export type Role = "client" | "freelancer" | "agent" | "admin";
export type AccountStatus = "active" | "restricted" | "suspended" | "removed";

export interface Account {
  id: string;
  role: Role;
  status: AccountStatus;
  displayName: string;
  /** ISO 3166-1 alpha-2, upper case ("GB"). */
  country: string;
  /** BCP 47 ("en-GB"). */
  locale: string;
}

export type AccountCode = "invalid_role" | "invalid_country" | "invalid_locale" | "invalid_display_name";

const ROLES: readonly Role[] = ["client", "freelancer", "agent", "admin"];

/** Checks a new account's fields; the id and the status (active) are the caller's. */
export function validateAccount(input: {
  role: string;
  displayName: string;
  country: string;
  locale: string;
}): Result<Omit<Account, "id" | "status">, AccountCode> {
  if (!ROLES.includes(input.role as Role))
    return err("invalid_role", `role must be one of ${ROLES.join(", ")}, got "${input.role}"`);
  const displayName = input.displayName.trim();
  if (displayName.length === 0 || displayName.length > 80)
    return err("invalid_display_name", "display name must be 1 to 80 characters");
  if (!/^[A-Z]{2}$/.test(input.country))
    return err("invalid_country", `country must be two upper-case letters, got "${input.country}"`);
  if (!/^[a-z]{2,3}(-[A-Z]{2})?$/.test(input.locale))
    return err("invalid_locale", `locale must look like "en" or "en-GB", got "${input.locale}"`);
  return ok({ role: input.role as Role, displayName, country: input.country, locale: input.locale });
}

/** Who may send messages: only active accounts (restricted ones keep their contracts and money moving, nothing more). */
export function canAct(account: Pick<Account, "status">): boolean {
  return account.status === "active";
}

/**
 * What a role may do beyond its own affairs. Clients and freelancers have no
 * scope: they see and act on their own relationships, contracts and money
 * only. Agents read everything and decide disputes; admins also manage
 * accounts (create any role, change an account's status with a reason).
 */
export type Scope = "read_any" | "decide_disputes" | "review_messages" | "handle_cases" | "manage_accounts";

export const SCOPES_OF: Readonly<Record<Role, readonly Scope[]>> = Object.freeze({
  client: [],
  freelancer: [],
  agent: ["read_any", "decide_disputes", "review_messages", "handle_cases"],
  admin: ["read_any", "decide_disputes", "review_messages", "handle_cases", "manage_accounts"],
});

export function hasScope(account: Pick<Account, "role">, scope: Scope): boolean {
  return SCOPES_OF[account.role].includes(scope);
}

export const ACCOUNT_STATUSES: readonly AccountStatus[] = ["active", "restricted", "suspended", "removed"];

export type StatusChangeCode = "status_unchanged" | "own_status" | "reason_required";

/**
 * An admin's change of an account's status: with a reason, to a different
 * status, never their own (an admin cannot lock themselves out or lift their
 * own suspension).
 */
export function checkStatusChange(
  account: Pick<Account, "id" | "status">,
  to: AccountStatus,
  reason: string,
  byId: string | null,
): Result<true, StatusChangeCode> {
  if (account.id === byId) return err("own_status", "an admin does not change their own status");
  if (reason.trim().length < 3)
    return err("reason_required", "say why, in a few words (3 characters or more)");
  if (account.status === to) return err("status_unchanged", `account ${account.id} is already ${to}`);
  return ok(true);
}
