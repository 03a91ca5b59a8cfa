import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build` puts the console and the demo marketplace (apps/web/dist). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

/**
 * Serves the built front ends: the console at /console/ and the demo
 * marketplace at /app/ (each one HTML file routing on the URL's hash), and
 * their assets. Without a build, both answer 503 saying how to build.
 */
export async function serveWeb(app: FastifyInstance, webDir: string): Promise<void> {
  const built = existsSync(`${webDir}/console/index.html`);
  for (const page of ["console", "app"] as const) {
    app.get(`/${page}`, { schema: { hide: true } }, (_request, reply) => reply.redirect(`/${page}/`));
    if (!built)
      app.get(`/${page}/`, { schema: { hide: true } }, (_request, reply) =>
        reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send(`The web front ends are not built: run \`npm run build\` (or \`npm start\`), then reload.\n`),
      );
  }
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/console/"));
  if (!built) return;
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: "/",
    index: ["index.html"],
    wildcard: true,
    // Hashed asset names never change content: cache them for a year; the HTML is always revalidated.
    setHeaders: (reply, path) => {
      void reply.header(
        "cache-control",
        path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
}
