import { type Db, signIn, signOut } from "@leakguard/store";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { SESSION_COOKIE } from "./auth.js";
import { errors, fail, Id, type ZodApp } from "./http.js";
import type { RateLimits } from "./rate-limits.js";

export interface SessionOptions {
  db: Db;
  now: () => Date;
  /** Mark the cookie Secure even on a plain-http request (behind a TLS-terminating proxy; production's default). */
  secureCookies: boolean;
  /** Sign-in attempts per account and per address, counted where every API process sees them. */
  limits: RateLimits;
}

/**
 * The cookie's attributes: HttpOnly (no script reads it), SameSite=Strict (no
 * other site's page makes the browser send it), Path=/ (the pages and the API
 * share it), Secure on HTTPS or when configured, so it never travels in clear.
 */
function cookieOptions(request: FastifyRequest, secureCookies: boolean) {
  return {
    httpOnly: true,
    sameSite: "strict" as const,
    path: "/",
    secure: secureCookies || request.protocol === "https",
  };
}

export function clearSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secureCookies: boolean,
): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(request, secureCookies));
}

/** `POST /v1/sessions`: signing in, the one call under /v1 that needs no credentials. */
export function signInRoutes(api: ZodApp, options: SessionOptions): void {
  const { db, now } = options;
  api.post(
    "/v1/sessions",
    {
      // An account id and a password: a small body, so a large one is refused before it is read.
      bodyLimit: 2 * 1024,
      schema: {
        summary: "Sign a person in: a session for `Authorization: Bearer`, and the browser's cookie",
        description:
          "The answer sets the `lg_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure on HTTPS) and returns the same session's `token` for `Authorization: Bearer` (API clients) and its `csrfToken`: a write authenticated by the cookie must send it in `X-CSRF-Token` (else 403 `csrf_token_invalid`); bearer calls need none.",
        security: [],
        body: z.object({ accountId: Id, password: z.string().max(200) }),
        response: {
          201: z.object({ token: z.string(), csrfToken: z.string(), expiresAt: z.string() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const limited = await options.limits.signInAttempt(request, reply, request.body.accountId);
      if (limited !== null) return limited;
      const session = await signIn(db, request.body.accountId, request.body.password, now());
      if (!session.ok) return fail(reply, session.code, session.message);
      await options.limits.signedIn(request, request.body.accountId);
      const { token, csrfToken, expiresAt } = session.value;
      void reply.setCookie(SESSION_COOKIE, token, {
        ...cookieOptions(request, options.secureCookies),
        expires: expiresAt,
      });
      // Secrets in the body: no cache, shared or private, may keep this answer.
      void reply.header("cache-control", "no-store");
      return reply.code(201).send({ token, csrfToken, expiresAt: expiresAt.toISOString() });
    },
  );
}

/** `DELETE /v1/sessions/current`, inside /v1's authentication: ends the session and clears the cookie. */
export function signOutRoutes(r: ZodApp, options: SessionOptions): void {
  r.delete(
    "/sessions/current",
    {
      schema: {
        summary: "Sign out: end the session used for this call (and clear the browser's cookie)",
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const caller = request.caller;
      if (caller.kind !== "session")
        return fail(reply, "invalid_request", "sign out with the session token, not an API key");
      await signOut(options.db, caller.token);
      clearSessionCookie(request, reply, options.secureCookies);
      return reply.code(204).send(null);
    },
  );
}
