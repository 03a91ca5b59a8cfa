import { z } from "zod";

/** The server's settings, parsed once from the environment, frozen and passed down. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** A real PostgreSQL server; without it the embedded PGlite in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** SHA-256 (hex) of the platform API keys; the keys themselves are never kept. */
  readonly apiKeyHashes: readonly string[];
  /** Write the demo data on first start (LEAKGUARD_DEMO=0 turns it off). */
  readonly seedDemo: boolean;
}

const Env = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
    .optional(),
  LEAKGUARD_DATA_DIR: z.string().min(1).default("./.leakguard/data"),
  LEAKGUARD_API_KEY_HASHES: z
    .string()
    .regex(
      /^[0-9a-f]{64}(,[0-9a-f]{64})*$/,
      "LEAKGUARD_API_KEY_HASHES is a comma-separated list of SHA-256 hex digests",
    )
    .optional(),
  LEAKGUARD_DEMO: z.enum(["0", "1"], "LEAKGUARD_DEMO is 0 or 1").default("1"),
});

export type ConfigResult = { ok: true; config: ServerConfig } | { ok: false; problems: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable counts as unset ("DATABASE_URL= npm start" means the embedded database).
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  const e = parsed.data;
  return {
    ok: true,
    config: Object.freeze({
      host: e.HOST,
      port: e.PORT,
      databaseUrl: e.DATABASE_URL,
      dataDir: e.LEAKGUARD_DATA_DIR,
      apiKeyHashes: Object.freeze(e.LEAKGUARD_API_KEY_HASHES?.split(",") ?? []),
      seedDemo: e.LEAKGUARD_DEMO === "1",
    }),
  };
}
