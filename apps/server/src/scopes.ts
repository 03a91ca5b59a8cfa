import { SCOPES_OF } from "@leakguard/domain";
import {
  GRANTABLE_SCOPES,
  type Grant,
  type GrantableScope,
  getAccount,
  grantsOf,
  setGrant,
} from "@leakguard/store";
import { z } from "zod";
import { callerHas, errors, fail, Id, mayReadAccount, type RouteDeps, type ZodApp } from "./http.js";

const ScopesSchema = z.object({
  accountId: z.string(),
  role: z.array(z.string()).describe("what the account's role holds"),
  granted: z
    .array(
      z.object({
        scope: z.enum(GRANTABLE_SCOPES as [GrantableScope, ...GrantableScope[]]),
        grantedBy: z.string().nullable().describe("the admin; null for the platform's key"),
        grantedAt: z.string(),
        reason: z.string(),
      }),
    )
    .describe("granted to this account by an admin, on top of its role's"),
});

const grantJson = (g: Grant) => ({ ...g, grantedAt: g.grantedAt.toISOString() });

/**
 * Scopes granted per staff account: today `read_originals`, reading the
 * original of a message whose details the engine found (every view logged as
 * `original.viewed`). Granted and revoked by an admin or the platform's key,
 * with a reason, in the audit log.
 */
export function scopeRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;

  r.get(
    "/accounts/:id/scopes",
    {
      schema: {
        summary: "An account's scopes: its role's, and those granted to it",
        params: z.object({ id: Id }),
        response: { 200: ScopesSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!mayReadAccount(request.caller.actingAs, request.params.id))
        return fail(reply, "forbidden", "a user reads only their own account");
      const account = await getAccount(db, request.params.id);
      if (account === null) return fail(reply, "account_not_found", `no account ${request.params.id}`);
      return {
        accountId: account.id,
        role: [...SCOPES_OF[account.role]],
        granted: (await grantsOf(db, account.id)).map(grantJson),
      };
    },
  );

  r.post(
    "/accounts/:id/scopes",
    {
      schema: {
        summary: "Grant or revoke a scope of a staff account, with a reason (the platform, or an admin)",
        description:
          "`read_originals` lets an agent or admin read message originals (every response showing one is logged as `original.viewed`); without it they read the text with the detected details hidden. Granting what is held, or revoking what is not, changes nothing. An admin does not change their own scopes (`own_scopes`).",
        params: z.object({ id: Id }),
        body: z.object({
          scope: z.enum(GRANTABLE_SCOPES as [GrantableScope, ...GrantableScope[]]),
          action: z.enum(["grant", "revoke"]),
          reason: z.string().max(2_000),
        }),
        response: { 200: ScopesSchema.extend({ changed: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (!callerHas(acting, "manage_accounts"))
        return fail(reply, "forbidden", "scopes are granted by the platform or an admin");
      const { scope, action, reason } = request.body;
      const done = await setGrant(
        db,
        { accountId: request.params.id, scope, grant: action === "grant", reason, byId: acting?.id ?? null },
        now(),
      );
      if (!done.ok) return fail(reply, done.code, done.message);
      const account = await getAccount(db, request.params.id);
      return {
        accountId: request.params.id,
        role: account === null ? [] : [...SCOPES_OF[account.role]],
        granted: done.value.grants.map(grantJson),
        changed: done.value.changed,
      };
    },
  );
}
