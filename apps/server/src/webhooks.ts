import {
  checkWebhookUrl,
  createEndpoint,
  type DeliveryRecord,
  deactivateEndpoint,
  deliveriesOf,
  getEndpoint,
  listEndpoints,
  redeliver,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
} from "@leakguard/store";
import { z } from "zod";
import { callerHas, errors, fail, Id, type RouteDeps, type ZodApp } from "./http.js";
import { webhookTargetRefusal } from "./webhook-target.js";

const EndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
});

function endpointJson(e: WebhookEndpoint): z.infer<typeof EndpointSchema> {
  return { ...e, createdAt: e.createdAt.toISOString() };
}

const DeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  type: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  nextAttemptAt: z.string(),
  deliveredAt: z.string().optional(),
  lastError: z.string().optional(),
  log: z.array(
    z.object({
      at: z.string(),
      statusCode: z.number().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});

function deliveryJson(d: DeliveryRecord): z.infer<typeof DeliverySchema> {
  const { deliveredAt: _asDate, ...rest } = d;
  return {
    ...rest,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    ...(d.deliveredAt === undefined ? {} : { deliveredAt: d.deliveredAt.toISOString() }),
    log: d.log.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}

/** Webhook endpoints, their delivery log and manual redelivery (the platform, admins). */
export function webhookRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;

  r.get(
    "/webhooks/event-types",
    {
      schema: {
        summary: "The webhook event types and what each reports",
        response: { 200: z.object({ types: z.record(z.string(), z.string()) }), ...errors },
      },
    },
    () => Promise.resolve({ types: { ...WEBHOOK_EVENT_TYPES } }),
  );

  r.post(
    "/webhooks",
    {
      schema: {
        summary: "Add a webhook endpoint (the platform, admins); its signing secret is shown this once",
        description:
          "Each delivery is a POST of `{id, type, occurredAt, data}` with headers `Leakguard-Event-Id` (de-duplicate on it: a delivery can arrive twice), `Leakguard-Event-Type`, `Leakguard-Delivery-Id`, `Leakguard-Timestamp` (Unix seconds) and `Leakguard-Signature: v1=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>` with the secret. Answer 2xx within 10 s; anything else is retried after 10 s, doubling up to 6 h, 12 attempts in all.",
        body: z
          .object({
            url: z.string().max(2_000),
            events: z.array(z.string().max(64)).min(1).max(50).describe('event types, or ["*"] for all'),
            description: z.string().max(500).optional(),
          })
          .strict(),
        response: { 201: EndpointSchema.extend({ secret: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (!callerHas(acting, "manage_accounts"))
        return fail(reply, "forbidden", "webhooks are set up by the platform or an admin");
      // Internal addresses are refused (SSRF) unless LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1; the sender checks again.
      const refusal = checkWebhookUrl(request.body.url).ok
        ? await webhookTargetRefusal(request.body.url, deps.webhookAllowPrivate)
        : null;
      if (refusal !== null) return fail(reply, "invalid_webhook_url", refusal);
      const made = await createEndpoint(
        db,
        {
          url: request.body.url,
          events: request.body.events,
          ...(request.body.description === undefined ? {} : { description: request.body.description }),
          createdBy: acting?.id ?? null,
        },
        now(),
        deps.secretKey,
      );
      if (!made.ok) return fail(reply, made.code, made.message);
      return reply.code(201).send({ ...endpointJson(made.value.endpoint), secret: made.value.secret });
    },
  );

  r.get(
    "/webhooks",
    {
      schema: {
        summary: "The webhook endpoints (the platform, admins); secrets are never shown again",
        response: { 200: z.object({ endpoints: z.array(EndpointSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts"))
        return fail(reply, "forbidden", "webhooks are for the platform and admins");
      return { endpoints: (await listEndpoints(db)).map(endpointJson) };
    },
  );

  r.delete(
    "/webhooks/:id",
    {
      schema: {
        summary:
          "Deactivate an endpoint: nothing more is sent to it; its pending deliveries fail; its log stays",
        params: z.object({ id: Id }),
        response: { 200: EndpointSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts"))
        return fail(reply, "forbidden", "webhooks are for the platform and admins");
      const done = await deactivateEndpoint(db, request.params.id);
      if (!done.ok) return fail(reply, done.code, done.message);
      return endpointJson(done.value);
    },
  );

  r.get(
    "/webhooks/:id/deliveries",
    {
      schema: {
        summary: "An endpoint's deliveries, newest first, each with every attempt and its answer",
        params: z.object({ id: Id }),
        querystring: z.object({ status: z.enum(["pending", "delivered", "failed"]).optional() }),
        response: { 200: z.object({ deliveries: z.array(DeliverySchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts"))
        return fail(reply, "forbidden", "webhooks are for the platform and admins");
      if ((await getEndpoint(db, request.params.id)) === null)
        return fail(reply, "webhook_not_found", `no webhook endpoint ${request.params.id}`);
      const deliveries = await deliveriesOf(
        db,
        request.params.id,
        request.query.status === undefined ? {} : { status: request.query.status },
      );
      return { deliveries: deliveries.map(deliveryJson) };
    },
  );

  r.post(
    "/webhooks/:id/deliveries/:deliveryId/redeliver",
    {
      schema: {
        summary:
          "Send a delivery again now, whatever became of it (same event id, so receivers can de-duplicate)",
        params: z.object({ id: Id, deliveryId: Id }),
        response: { 202: z.object({ queued: z.literal(true) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "manage_accounts"))
        return fail(reply, "forbidden", "webhooks are for the platform and admins");
      const done = await redeliver(db, request.params.id, request.params.deliveryId, now());
      if (!done.ok) return fail(reply, done.code, done.message);
      return reply.code(202).send({ queued: true as const });
    },
  );
}
