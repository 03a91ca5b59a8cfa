import fastifyHelmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

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

/**
 * Security headers on every answer (helmet): the CSP above, nosniff, no
 * referrer, no framing, same-origin opener and resources. HSTS only where it
 * means something: on an HTTPS request or when the deployment says it is
 * behind TLS (LEAKGUARD_SECURE_COOKIES, on by default in production); sent
 * over plain http it would be ignored, or pin localhost to https.
 */
export async function securityHeaders(app: FastifyInstance, secure: boolean): Promise<void> {
  // Before helmet is registered, so its own onRoute hook sees the setting (it must precede the /docs routes too).
  app.addHook("onRoute", (route) => {
    if (route.url === "/docs" || route.url.startsWith("/docs/"))
      route.helmet = {
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { ...contentSecurityPolicy(secure), "style-src": ["'self'", "'unsafe-inline'"] },
        },
      };
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(secure) },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: false,
  });
  app.addHook("onRequest", (request, reply, done) => {
    if (secure || request.protocol === "https") void reply.header("strict-transport-security", HSTS);
    done();
  });
}
