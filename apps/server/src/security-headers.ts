import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet from "helmet";

/**
 * The Content-Security-Policy of everything we serve. The built pages
 * (apps/web/dist) load only their own hashed scripts and stylesheets, with no
 * inline script, so 'self' is all they need; React sets styles through the
 * DOM (not inline markup), which CSP does not block. The Swagger UI at /docs
 * loads its files from /docs/static and its icons as data: images; it also
 * sets one inline style, so /docs alone allows 'unsafe-inline' styles (never
 * scripts): a style cannot run code, and those pages hold no secrets.
 * frame-ancestors 'none': no site may frame a page of ours (clickjacking).
 */
export function contentSecurityPolicy(secure: boolean): Record<string, string[]> {
  return {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "script-src-attr": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    // On plain http (npm start on localhost) upgrading would break every request, so only when secure.
    ...(secure ? { "upgrade-insecure-requests": [] } : {}),
  };
}

const HSTS = "max-age=31536000; includeSubDomains";

type HelmetOptions = NonNullable<Parameters<typeof helmet>[0]>;

/**
 * The headers helmet sets for `options`, worked out once. helmet's own
 * Fastify plugin (@fastify/helmet 13.2) builds helmet's middleware again on
 * every request, parsing the CSP each time: 2.7% of a pre-send check's CPU
 * in a profile under load (docs/benchmarks.md, "API load"). Our headers
 * depend on nothing in the request, so they are computed here by running
 * helmet's middleware against a stand-in response and replayed per request.
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined)
    throw failure instanceof Error ? failure : new Error("helmet refused its options", { cause: failure });
  return Object.freeze(headers);
}

/**
 * Security headers on every answer (helmet's): the CSP above, nosniff, no
 * referrer, no framing, same-origin opener and resources. HSTS only where it
 * means something: on an HTTPS request or when the deployment says it is
 * behind TLS (LEAKGUARD_SECURE_COOKIES, on by default in production); sent
 * over plain http it would be ignored, or pin localhost to https.
 */
export function securityHeaders(app: FastifyInstance, secure: boolean): void {
  const common: HelmetOptions = {
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: false,
  };
  const pages = helmetHeaders({
    ...common,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(secure) },
  });
  const docs = helmetHeaders({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...contentSecurityPolicy(secure), "style-src": ["'self'", "'unsafe-inline'"] },
    },
  });
  app.addHook("onRequest", (request, reply, done) => {
    const url = request.routeOptions.url ?? "";
    void reply.headers(url === "/docs" || url.startsWith("/docs/") ? docs : pages);
    if (secure || request.protocol === "https") void reply.header("strict-transport-security", HSTS);
    done();
  });
}
