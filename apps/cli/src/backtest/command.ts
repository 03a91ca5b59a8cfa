import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, constants, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_POLICY, type Stage } from "@leakguard/detect";
import { parsePolicyFile } from "@leakguard/server/policy-file";
import { type BacktestReport, createBacktest, type NamedPolicy } from "./backtest.js";
import { formatSummary } from "./format.js";
import type { Label } from "./history.js";
import { renderReport } from "./html.js";
import { parseLabelLine } from "./labels.js";
import { createProgress } from "./progress.js";
import { readLines } from "./reader.js";

export interface BacktestCommandOptions {
  input: string;
  policy?: string;
  compare?: string;
  labels?: string;
  out?: string;
  stage: Stage;
  locale?: string;
  maxConversations: number;
  idleDays: number;
  reorderWindow: number;
  progress: boolean;
}

/** A failure before or after the replay: a stable code, and exit code 2. */
export class BacktestError extends Error {
  constructor(
    readonly code:
      | "policy_unreadable"
      | "policy_syntax"
      | "policy_invalid"
      | "labels_unreadable"
      | "input_unreadable"
      | "output_unwritable",
    message: string,
  ) {
    super(message);
  }
}

export async function loadPolicy(file: string): Promise<NamedPolicy> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new BacktestError("policy_unreadable", `${file}: ${(err as Error).message}`);
  }
  // JSON or YAML, checked like the server's LEAKGUARD_POLICY_FILE: errors give the line and the field.
  const parsed = parsePolicyFile(text, file);
  if (!parsed.ok)
    throw new BacktestError(
      parsed.error.code === "policy_file_syntax" ? "policy_syntax" : "policy_invalid",
      parsed.error.message,
    );
  return { name: basename(file), policy: parsed.value.policy };
}

export async function loadLabels(file: string, warn: (line: string) => void): Promise<Map<string, Label>> {
  const labels = new Map<string, Label>();
  let line = 0;
  let bad = 0;
  try {
    for await (const text of readLines(createReadStream(file))) {
      line++;
      if (text.trim() === "") continue;
      const parsed = parseLabelLine(text, line);
      if (parsed.ok) labels.set(parsed.id, parsed.label);
      else if (++bad <= 5) warn(`labels ${file}: ${parsed.error.message} (skipped)`);
    }
  } catch (err) {
    throw new BacktestError("labels_unreadable", `${file}: ${(err as Error).message}`);
  }
  if (bad > 5) warn(`labels ${file}: ${bad} bad lines skipped in all`);
  return labels;
}

/** `leakguard backtest`: everything is checked before the replay starts, and the report is written whole or not at all. */
export async function runBacktestCommand(opts: BacktestCommandOptions): Promise<BacktestReport> {
  const warn = (s: string): void => {
    process.stderr.write(`leakguard backtest: ${s}\n`);
  };
  const base: NamedPolicy =
    opts.policy === undefined
      ? { name: DEFAULT_POLICY.version, policy: DEFAULT_POLICY }
      : await loadPolicy(opts.policy);
  const policies = [base];
  if (opts.compare !== undefined) {
    const other = await loadPolicy(opts.compare);
    if (other.name === base.name) other.name = `${other.name} (compared)`;
    policies.push(other);
  }
  let size: number;
  try {
    size = (await stat(opts.input)).size;
  } catch (err) {
    throw new BacktestError("input_unreadable", `${opts.input}: ${(err as Error).message}`);
  }
  if (opts.out !== undefined) {
    try {
      await access(dirname(resolve(opts.out)), constants.W_OK);
    } catch (err) {
      throw new BacktestError("output_unwritable", `${opts.out}: ${(err as Error).message}`);
    }
  }
  const labels = opts.labels === undefined ? undefined : await loadLabels(opts.labels, warn);

  const backtest = createBacktest({
    policies,
    defaultStage: opts.stage,
    ...(opts.locale === undefined ? {} : { locale: opts.locale }),
    ...(labels === undefined ? {} : { labels }),
    hashKey: process.env.LEAKGUARD_HANDLE_KEY ?? randomBytes(32).toString("hex"),
    replay: {
      maxConversations: opts.maxConversations,
      idleMs: opts.idleDays * 86_400_000,
      reorderWindow: opts.reorderWindow,
    },
  });
  const progress = createProgress({
    total: size,
    enabled: opts.progress,
    stream: process.stderr,
    messages: () => backtest.messages,
  });
  try {
    for await (const line of readLines(createReadStream(opts.input), progress.update))
      backtest.pushLine(line);
  } catch (err) {
    progress.stop();
    throw new BacktestError("input_unreadable", `${opts.input}: ${(err as Error).message}`);
  }
  progress.stop();
  const report = backtest.finish();
  for (const e of report.input.lineErrors.slice(0, 5)) warn(`${opts.input}: ${e.message} (skipped)`);

  if (opts.out !== undefined) {
    const html = renderReport(report, { input: basename(opts.input), generatedAt: new Date() });
    const target = resolve(opts.out);
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    try {
      await writeFile(tmp, html, "utf8");
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new BacktestError("output_unwritable", `${opts.out}: ${(err as Error).message}`);
    }
  }
  process.stdout.write(formatSummary(report));
  if (opts.out !== undefined) process.stdout.write(`\nReport: ${opts.out}\n`);
  return report;
}
