import type { FastifyReply } from "fastify";
import { z } from "zod";
import { type ApiCode, errorBody, STATUS_OF } from "./errors.js";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("A stable code; see the error table in the README"),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe("Error");

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-' only");

export const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  422: ErrorSchema,
};

export function fail(reply: FastifyReply, code: ApiCode, message: string, details?: unknown) {
  return reply.code(STATUS_OF[code]).send(errorBody(code, message, details));
}

/** The key of a retried request; a UUID is a good one. */
export const IdempotencyKey = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "visible ASCII, 8 to 128 characters (a UUID is a good key)");
