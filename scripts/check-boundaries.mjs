#!/usr/bin/env node
// Fails when a package imports across a boundary that ARCHITECTURE.md forbids (rules in boundaries.mjs).
import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { root, rules, sourceFiles, violationsIn } from "./boundaries.mjs";

const problems = [];
for (const [pkgDir, rule] of Object.entries(rules)) {
  const src = join(root, pkgDir, "src");
  try {
    statSync(src);
  } catch {
    continue;
  }
  const files = [...sourceFiles(src)].map((f) => [relative(root, f), readFileSync(f, "utf8")]);
  problems.push(...violationsIn(pkgDir, rule, files));
}
if (problems.length > 0) {
  console.error(`Forbidden imports (see ARCHITECTURE.md, "Dependency rules"):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("boundaries: ok");
