// Types for boundaries.mjs.
export interface Rule {
  mayImport: string[] | "*";
  node: boolean;
  env: boolean;
}
export const root: string;
export const rules: Record<string, Rule>;
export function sourceFiles(dir: string): Generator<string>;
export function violationsIn(
  pkgDir: string,
  rule: Rule,
  files: [string, string][],
  selfName?: string,
): string[];
