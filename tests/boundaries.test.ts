import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { rules, violationsIn } from "../scripts/boundaries.mjs";

const detect = rules["packages/detect"];
const trust = rules["packages/trust"];
const web = rules["apps/web"];

describe("dependency rules (ARCHITECTURE.md)", () => {
  it("passes on the repository as it is", () => {
    const r = spawnSync(process.execPath, ["scripts/check-boundaries.mjs"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("refuses a Node built-in in the browser-safe engine", () => {
    if (detect === undefined) throw new Error("no rule for packages/detect");
    const found = violationsIn(
      "packages/detect",
      detect,
      [["src/x.ts", 'import { readFileSync } from "node:fs";']],
      "@leakguard/detect",
    );
    expect(found.join()).toMatch(/browser-safe.*node:fs/);
    expect(
      violationsIn(
        "packages/detect",
        detect,
        [["src/y.ts", 'const fs = require("fs");']],
        "@leakguard/detect",
      ),
    ).toHaveLength(1);
  });

  it("refuses an import of a package the rules do not allow", () => {
    if (detect === undefined || trust === undefined || web === undefined) throw new Error("missing rules");
    expect(
      violationsIn(
        "packages/detect",
        detect,
        [["src/x.ts", 'import type { Case } from "@leakguard/trust";']],
        "@leakguard/detect",
      ),
    ).toHaveLength(1);
    expect(
      violationsIn(
        "packages/trust",
        trust,
        [["src/x.ts", 'import { scan } from "@leakguard/detect";']],
        "@leakguard/trust",
      ),
    ).toEqual([]);
    expect(
      violationsIn("apps/web", web, [["src/x.ts", 'export * from "@leakguard/store";']], "@leakguard/web"),
    ).toHaveLength(1);
  });

  it("refuses process.env outside apps", () => {
    if (detect === undefined) throw new Error("no rule for packages/detect");
    expect(
      violationsIn(
        "packages/detect",
        detect,
        [["src/x.ts", "const k = process.env.KEY;"]],
        "@leakguard/detect",
      ),
    ).toHaveLength(1);
  });
});
