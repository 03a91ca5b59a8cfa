import { type ApiKey, createApiKey, listApiKeys, revokeApiKey } from "@leakguard/store";
import { z } from "zod";
import { callerHas, errors, fail, Id, type RouteDeps, type ZodApp } from "./http.js";

const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z
    .string()
    .describe("the key's first characters, to recognise it; the key itself is never shown again"),
  createdBy: z.string().nullable().describe("the admin; null for a platform key"),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable().describe("to the hour: it is written at most once an hour"),
});

function apiKeyJson(k: ApiKey): z.infer<typeof ApiKeySchema> {
  return {
    ...k,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

/**
 * Platform API keys kept in the database (beside LEAKGUARD_API_KEY_HASHES):
 * made, listed and revoked by an admin or the platform. A key is shown once;
 * only its SHA-256 and a short prefix are kept.
 */
export function apiKeyRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;
  const forbidden = "API keys are managed by the platform or an admin";

  r.post(
    "/api-keys",
    {
      schema: {
        summary: "Make a platform API key (the platform, admins); the key is shown this once",
        description:
          "The key acts like a key from LEAKGUARD_API_KEY_HASHES: `Authorization: Bearer <key>`, optionally acting as a user with `Leakguard-Act-As`. Only its SHA-256 is stored: keep it now, it cannot be shown again.",
        body: z
          .object({ name: z.string().max(100).describe("what the key is for, e.g. the calling service") })
          .strict(),
        response: { 201: ApiKeySchema.extend({ key: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (!callerHas(acting, "manage_accounts")) return fail(reply, "forbidden", forbidden);
      const made = await createApiKey(db, { name: request.body.name, createdBy: acting?.id ?? null }, now());
      if (!made.ok) return fail(reply, made.code, made.message);
      void reply.header("cache-control", "no-store");
      return reply.code(201).send({ ...apiKeyJson(made.value.apiKey), key: made.value.key });
    },
  );

  r.get(
    "/api-keys",
    {
      schema: {
        summary: "The API keys made here, newest first, revoked ones too (never their secrets)",
        response: { 200: z.object({ apiKeys: z.array(ApiKeySchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts")) return fail(reply, "forbidden", forbidden);
      return { apiKeys: (await listApiKeys(db)).map(apiKeyJson) };
    },
  );

  r.delete(
    "/api-keys/:id",
    {
      schema: {
        summary: "Revoke an API key: it stops working at once; its record stays",
        params: z.object({ id: Id }),
        response: { 200: ApiKeySchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts")) return fail(reply, "forbidden", forbidden);
      const revoked = await revokeApiKey(db, request.params.id, now());
      if (!revoked.ok) return fail(reply, revoked.code, revoked.message);
      return apiKeyJson(revoked.value);
    },
  );
}
