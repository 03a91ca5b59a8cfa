#!/usr/bin/env node
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Stage } from "@leakguard/detect";
import { Command, InvalidArgumentError } from "commander";
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
