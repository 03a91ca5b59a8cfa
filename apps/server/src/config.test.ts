import { describe, expect, it } from "vitest";
import { sha256Hex } from "./auth.js";
import { parseConfig } from "./config.js";

describe("server configuration", () => {
  it("has defaults that need nothing installed", () => {
    const parsed = parseConfig({});
    expect(parsed).toEqual({
      ok: true,
      config: {
        host: "127.0.0.1",
        port: 8080,
        databaseUrl: undefined,
        dataDir: "./.leakguard/data",
        apiKeyHashes: [],
        seedDemo: true,
      },
    });
    if (parsed.ok) expect(Object.isFrozen(parsed.config)).toBe(true);
  });

  it("reads PORT, DATABASE_URL, LEAKGUARD_DATA_DIR and the key hashes", () => {
    const hash = sha256Hex("k");
    const parsed = parseConfig({
      PORT: "9090",
      DATABASE_URL: "postgres://u@h/db",
      LEAKGUARD_DATA_DIR: "/var/lib/lg",
      LEAKGUARD_API_KEY_HASHES: `${hash},${hash}`,
    });
    expect(parsed.ok && parsed.config).toMatchObject({
      port: 9090,
      databaseUrl: "postgres://u@h/db",
      dataDir: "/var/lib/lg",
      apiKeyHashes: [hash, hash],
    });
  });

  it("names every bad setting at once", () => {
    const parsed = parseConfig({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      LEAKGUARD_API_KEY_HASHES: "plain-key",
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems).toHaveLength(3);
      expect(parsed.problems.join("\n")).toMatch(/PORT[\s\S]*DATABASE_URL[\s\S]*LEAKGUARD_API_KEY_HASHES/);
    }
  });
});
