import { readFileSync } from "node:fs";
import { type Policy, PolicyError, resolvePolicy } from "@leakguard/detect";
import type { MarketplaceConfig } from "@leakguard/domain";
import { isSignalId, SIGNALS } from "@leakguard/trust";
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";

/**
 * A policy written as a file, JSON or YAML (YAML reads JSON too): the
 * engine's policy (version, rules per stage, thresholds, allowlists, limits,
 * placeholders) and the sanction ladder. Checked once, with errors that name
 * the file, the line and column, and the field.
 */
export interface PolicyFile {
  /** The engine's policy, frozen; its `version` is recorded with every verdict it makes. */
  policy: Policy;
  /** The sanction ladder's settings and the signals' weights the file sets (the rest keep the configuration's). */
  sanctions: Partial<MarketplaceConfig["trust"]>;
}

export type PolicyFileCode = "policy_file_unreadable" | "policy_file_syntax" | "policy_file_invalid";

export interface PolicyFileError {
  code: PolicyFileCode;
  /** `file:line:column: field: what is wrong` when the place is known. */
  message: string;
  line?: number;
  column?: number;
  field?: string;
}

/** The ladder's fields and their bounds (the same as LEAKGUARD_MARKETPLACE's `trust`). */
type LadderField = Exclude<keyof MarketplaceConfig["trust"], "signals">;
const SANCTIONS: Readonly<Record<LadderField, readonly [number, number]>> = {
  warningExpiryDays: [1, 3_650],
  sameKindWarningsToSuspend: [1, 100],
  anyWarningsToSuspend: [1, 100],
  clarificationDays: [1, 90],
};

export function readPolicyFile(
  path: string,
): { ok: true; value: PolicyFile } | { ok: false; error: PolicyFileError } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return {
      ok: false,
      error: { code: "policy_file_unreadable", message: `${path}: ${(err as Error).message}` },
    };
  }
  return parsePolicyFile(text, path);
}

export function parsePolicyFile(
  text: string,
  name: string,
): { ok: true; value: PolicyFile } | { ok: false; error: PolicyFileError } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const at = lines.linePos(syntax.pos[0]);
    return {
      ok: false,
      error: {
        code: "policy_file_syntax",
        message: `${name}:${at.line}:${at.col}: ${syntax.message.split("\n")[0] ?? syntax.code}`,
        line: at.line,
        column: at.col,
      },
    };
  }
  const fail = (path: (string | number)[], what: string): { ok: false; error: PolicyFileError } => {
    const node = nodeAt(doc.contents, path);
    const at = node?.range === undefined || node.range === null ? undefined : lines.linePos(node.range[0]);
    const field = path.length === 0 ? "(top)" : path.join(".");
    return {
      ok: false,
      error: {
        code: "policy_file_invalid",
        message: `${name}${at === undefined ? "" : `:${at.line}:${at.col}`}: ${field}: ${what}`,
        ...(at === undefined ? {} : { line: at.line, column: at.col }),
        field,
      },
    };
  };
  const data: unknown = doc.toJS();
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return fail([], "a policy file is a mapping of fields (version, rules, thresholds, ...)");
  const { sanctions: rawSanctions, signals: rawSignals, ...engine } = data as Record<string, unknown>;
  const sanctions: Partial<MarketplaceConfig["trust"]> = {};
  if (rawSanctions !== undefined) {
    if (typeof rawSanctions !== "object" || rawSanctions === null || Array.isArray(rawSanctions))
      return fail(["sanctions"], "expected a mapping");
    for (const [key, value] of Object.entries(rawSanctions)) {
      const bounds = SANCTIONS[key as keyof typeof SANCTIONS] as readonly [number, number] | undefined;
      if (bounds === undefined)
        return fail(["sanctions", key], `unknown field (known: ${Object.keys(SANCTIONS).join(", ")})`);
      if (typeof value !== "number" || !Number.isInteger(value) || value < bounds[0] || value > bounds[1])
        return fail(["sanctions", key], `expected a whole number from ${bounds[0]} to ${bounds[1]}`);
      sanctions[key as LadderField] = value;
    }
  }
  const signals: Record<string, { weight?: number; halfLifeDays?: number }> = {};
  if (rawSignals !== undefined) {
    if (typeof rawSignals !== "object" || rawSignals === null || Array.isArray(rawSignals))
      return fail(["signals"], "expected a mapping of signal ids to {weight, halfLifeDays}");
    for (const [id, tuning] of Object.entries(rawSignals)) {
      if (!isSignalId(id))
        return fail(["signals", id], `unknown signal (known: ${Object.keys(SIGNALS).join(", ")})`);
      if (typeof tuning !== "object" || tuning === null || Array.isArray(tuning))
        return fail(["signals", id], "expected {weight, halfLifeDays}");
      const one: { weight?: number; halfLifeDays?: number } = {};
      for (const [key, value] of Object.entries(tuning as Record<string, unknown>)) {
        const bounds = key === "weight" ? [0, 100] : key === "halfLifeDays" ? [1, 3_650] : null;
        if (bounds === null) return fail(["signals", id, key], "unknown field (known: weight, halfLifeDays)");
        if (
          typeof value !== "number" ||
          !Number.isFinite(value) ||
          value < (bounds[0] ?? 0) ||
          value > (bounds[1] ?? 0)
        )
          return fail(["signals", id, key], `expected a number from ${bounds[0]} to ${bounds[1]}`);
        one[key as "weight" | "halfLifeDays"] = value;
      }
      signals[id] = one;
    }
  }
  if (Object.keys(signals).length > 0) sanctions.signals = signals;
  try {
    return { ok: true, value: { policy: resolvePolicy(engine), sanctions } };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    // The engine names the field as "policy.rules.C1.pre_contract: ..." or "policy.artifactHosts[2]: ...".
    const m = /^policy((?:\.[^.:[\s]+|\[\d+\])*): (.*)$/s.exec(err.message);
    const path = [...(m?.[1] ?? "").matchAll(/\.([^.[\s]+)|\[(\d+)\]/g)].map((p) =>
      p[2] === undefined ? (p[1] ?? "") : Number(p[2]),
    );
    return fail(path, m?.[2] ?? err.message);
  }
}

/** The deepest node on `path` that exists: the field itself, or the mapping that lacks it. */
function nodeAt(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let node = root as Node | null | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      );
      if (pair === undefined) return node;
      // An unknown field points at its key; a bad value at the value.
      node = (pair.value as Node | null) ?? (pair.key as Node);
      if (key === path.at(-1) && !isScalar(pair.value) && pair.key !== null) return pair.key as Node;
    } else if (node !== null && node !== undefined && "items" in node && Array.isArray(node.items)) {
      const item = node.items[Number(key)];
      if (item === undefined) return node;
      node = item as Node;
    } else return node ?? undefined;
  }
  return node ?? undefined;
}
