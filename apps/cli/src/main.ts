#!/usr/bin/env node
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Stage } from "@leakguard/detect";
import { Command, InvalidArgumentError } from "commander";
import type { BacktestCommandOptions } from "./backtest/command.js";
import { emptySummary, scanLine } from "./scan-lines.js";

const program = new Command();
program.name("leakguard").description("Keeps freelance-marketplace work and payments on the platform.");

program
  .command("scan")
  .description("Scan JSONL messages or conversations; writes one JSON line per input line, in order.")
  .option("-i, --input <file>", "JSONL file to read (default: standard input)")
  .option(
    "-s, --stage <stage>",
    "stage for lines that name none: pre_contract or contract_active",
    parseStage,
    "pre_contract",
  )
  .option("-l, --locale <locale>", "sender locale such as en-GB or pt-BR (helps read national phone numbers)")
  .option("--summary", "print counts to standard error at the end")
  .action(async (opts: { input?: string; stage: Stage; locale?: string; summary?: boolean }) => {
    const input = opts.input === undefined ? process.stdin : createReadStream(opts.input);
    const summary = emptySummary();
    try {
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line.trim() === "") continue;
        const out = scanLine(
          line,
          opts.locale === undefined ? { stage: opts.stage } : { stage: opts.stage, locale: opts.locale },
          summary,
        );
        // Respect back-pressure so memory stays flat on any input size.
        if (!process.stdout.write(`${JSON.stringify(out)}\n`)) await once(process.stdout, "drain");
      }
    } catch (err) {
      process.stderr.write(
        `leakguard scan: cannot read ${opts.input ?? "standard input"}: ${(err as Error).message}\n`,
      );
      process.exitCode = 2;
      return;
    }
    if (opts.summary === true) process.stderr.write(`${JSON.stringify(summary, null, 2)}\n`);
  });

program
  .command("backtest")
  .description(
    "Replay a message history through the conversation scanner: a summary on standard output, optionally an HTML report.",
  )
  .requiredOption(
    "-i, --input <file>",
    'history JSONL (README, "Backtesting a policy"), or the corpus format',
  )
  .option(
    "--policy <file>",
    "policy JSON (the shape @leakguard/detect accepts; default: the built-in policy)",
  )
  .option("--compare <file>", "a second policy JSON: count the messages whose verdict changes")
  .option(
    "--labels <file>",
    'JSONL of {"id", "violation", "rules"?}: precision, recall and false-positive rate',
  )
  .option("-o, --out <file>", "write a self-contained HTML report here")
  .option("-s, --stage <stage>", "stage for lines that name none", parseStage, "pre_contract")
  .option("-l, --locale <locale>", "sender locale such as en-GB or pt-BR")
  .option("--max-conversations <n>", "conversation states held at once", positiveInt, 100_000)
  .option("--idle-days <n>", "forget a conversation idle this long", positiveNumber, 30)
  .option("--reorder-window <n>", "messages buffered to restore time order", positiveInt, 2_000)
  .option("--no-progress", "no progress bar or progress lines")
  .action(async (opts: BacktestCommandOptions) => {
    const { BacktestError, runBacktestCommand } = await import("./backtest/command.js");
    try {
      await runBacktestCommand(opts);
    } catch (err) {
      if (!(err instanceof BacktestError)) throw err;
      process.stderr.write(`leakguard backtest: ${err.code}: ${err.message}\n`);
      process.exitCode = 2;
    }
  });

program
  .command("generate-history")
  .description(
    "Write a synthetic message history (seeded, deterministic, streamed) for backtests and benchmarks.",
  )
  .requiredOption("-n, --messages <n>", "how many messages", positiveInt)
  .requiredOption("-o, --out <file>", "JSONL file to write")
  .option("--seed <n>", "seed", integer, 1)
  .option("--labels <file>", "also write the generator's labels (JSONL of id, violation, rules)")
  .action(async (opts: { messages: number; out: string; seed: number; labels?: string }) => {
    const { writeHistory } = await import("./backtest/generate-command.js");
    try {
      await writeHistory(opts);
    } catch (err) {
      process.stderr.write(`leakguard generate-history: output_unwritable: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  });

program
  .command("serve")
  .description(
    "Run the server with its settings from the environment (see the README): --role api serves HTTP only, worker runs the clock's jobs and sends webhooks only, all (the default) does both. Any number of api and worker processes may share one PostgreSQL.",
  )
  .option("-r, --role <role>", "api, worker or all", parseRole, "all")
  .action(async (opts: { role: string }) => {
    process.env.LEAKGUARD_ROLE = opts.role;
    // The server's entry point reads its configuration from the environment once, at import.
    await import("@leakguard/server/main");
  });

program
  .command("migrate")
  .description(
    "Apply the store's pending migrations: to DATABASE_URL when set, else the embedded PGlite in LEAKGUARD_DATA_DIR (./.leakguard/data). The server also runs them on start.",
  )
  .action(async () => {
    // Loaded here so `leakguard scan` does not pay for the database and server modules.
    const { databaseLabel, openConfiguredDb, parseConfig } = await import("@leakguard/server");
    const { migrate } = await import("@leakguard/store");
    const parsed = parseConfig(process.env);
    if (!parsed.ok) {
      process.stderr.write(`leakguard migrate: bad configuration\n  ${parsed.problems.join("\n  ")}\n`);
      process.exitCode = 2;
      return;
    }
    const where = databaseLabel(parsed.config);
    let db: Awaited<ReturnType<typeof openConfiguredDb>> | undefined;
    try {
      db = await openConfiguredDb(parsed.config);
      const applied = await migrate(db);
      process.stdout.write(
        applied.length === 0
          ? `${where}: up to date\n`
          : `${where}: applied ${applied.length} migration(s)\n${applied.map((m) => `  ${m}\n`).join("")}`,
      );
    } catch (err) {
      process.stderr.write(`leakguard migrate: ${where}: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } finally {
      await db?.close();
    }
  });

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer");
  return n;
}

function positiveInt(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function parseStage(value: string): Stage {
  if (value !== "pre_contract" && value !== "contract_active")
    throw new InvalidArgumentError('use "pre_contract" or "contract_active"');
  return value;
}

process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  // A closed pipe (`| head`) is a normal end; anything else is a write failure.
  if (err.code === "EPIPE") process.exit(0);
  process.stderr.write(`leakguard: cannot write output: ${err.message}\n`);
  process.exit(2);
});

await program.parseAsync(process.argv);

function parseRole(value: string): string {
  if (value !== "api" && value !== "worker" && value !== "all")
    throw new InvalidArgumentError("the role is api, worker or all");
  return value;
}
