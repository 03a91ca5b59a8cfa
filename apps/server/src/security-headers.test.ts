import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, migrate, openDb } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";

/** The security headers on the pages (a stand-in build with the built pages' shape), the API and /docs. */
describe("security headers", () => {
  let db: Db;
  let webDir = "";
  const apps: FastifyInstance[] = [];
  const make = async (secureCookies: boolean) => {
    const app = await buildApp({ db, apiKeyHashes: [], handleKey: "k".repeat(32), webDir, secureCookies });
    apps.push(app);
    return app;
  };
  beforeAll(async () => {
    db = await openDb({ engine: "pglite" });
    // buildApp reads and writes the instance's keys and seals stored secrets: a migrated database.
    await migrate(db);
    webDir = mkdtempSync(join(tmpdir(), "leakguard-web-"));
    for (const page of ["console", "app"]) {
      mkdirSync(join(webDir, page));
      writeFileSync(
        join(webDir, page, "index.html"),
        `<!doctype html><html><head><script type="module" src="/assets/${page}.js"></script></head><body><div id="root"></div></body></html>`,
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it("puts a strict CSP, nosniff, no-referrer and no framing on /console/ and /app/; no HSTS on plain http", async () => {
    const app = await make(false);
    for (const url of ["/console/", "/app/"]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).toContain("style-src 'self';");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("upgrade-insecure-requests");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["strict-transport-security"]).toBeUndefined();
    }
    // The API's answers carry them too.
    expect((await app.inject({ url: "/healthz" })).headers["x-content-type-options"]).toBe("nosniff");
  });

  it("lets /docs (the Swagger UI) set its inline styles, but run no inline script", async () => {
    const app = await make(false);
    for (const url of ["/docs", "/docs/static/swagger-initializer.js"]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("frame-ancestors 'none'");
    }
    // Its page loads only script files (no inline script to allow).
    expect((await app.inject({ url: "/docs" })).body).not.toMatch(/<script>/);
  });

  it("adds HSTS and upgrade-insecure-requests when the deployment is behind TLS", async () => {
    const app = await make(true);
    const res = await app.inject({ url: "/console/" });
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    expect(String(res.headers["content-security-policy"])).toContain("upgrade-insecure-requests");
  });
});
