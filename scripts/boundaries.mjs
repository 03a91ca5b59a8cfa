// The dependency rules of ARCHITECTURE.md, and the check of one package's files against them.
// Rules: which workspace packages each package may import, and whether it may
// use Node built-ins or read process.env. Checked on every source file.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

export const root = new URL("..", import.meta.url).pathname;

/** package dir -> { mayImport: workspace packages, node: built-ins allowed, env: process.env allowed } */
export const rules = {
  "packages/detect": { mayImport: [], node: false, env: false },
  "packages/domain": { mayImport: [], node: false, env: false },
  "packages/trust": { mayImport: ["@leakguard/detect", "@leakguard/domain"], node: false, env: false },
  "packages/store": { mayImport: ["@leakguard/domain", "@leakguard/trust"], node: true, env: false },
  "packages/jobs": {
    mayImport: ["@leakguard/detect", "@leakguard/domain", "@leakguard/trust", "@leakguard/store"],
    node: true,
    env: false,
  },
  "apps/web": { mayImport: ["@leakguard/detect", "@leakguard/trust"], node: false, env: false },
  "apps/server": { mayImport: "*", node: true, env: true },
  "apps/cli": { mayImport: "*", node: true, env: true },
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;

export function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !/\.test(-helper)?\.tsx?$/.test(name)) yield path;
  }
}

/** files: [path, text] pairs of one package; selfName: its published name (it may import itself). */
export function violationsIn(pkgDir, rule, files, selfName = packageName(pkgDir)) {
  const found = [];
  for (const [file, text] of files) {
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      if (spec.startsWith("@leakguard/")) {
        const target = spec.split("/").slice(0, 2).join("/");
        if (target !== selfName && rule.mayImport !== "*" && !rule.mayImport.includes(target))
          found.push(`${file}: ${pkgDir} may not import ${target}`);
      } else if (builtins.has(spec) && !rule.node) {
        found.push(
          `${file}: ${pkgDir} must stay browser-safe and may not import the Node built-in "${spec}"`,
        );
      }
    }
    if (!rule.env && /\bprocess\.env\b/.test(text))
      found.push(
        `${file}: ${pkgDir} may not read process.env (config is parsed once in apps/* and passed down)`,
      );
  }
  return found;
}

function packageName(pkgDir) {
  try {
    return JSON.parse(readFileSync(join(root, pkgDir, "package.json"), "utf8")).name;
  } catch {
    return undefined;
  }
}
