import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { generateHistory } from "./generate.js";

/** `leakguard generate-history`: streams the history (and the labels) to temporary files, then renames them. */
export async function writeHistory(opts: {
  messages: number;
  out: string;
  seed: number;
  labels?: string;
}): Promise<void> {
  const targets = [opts.out, ...(opts.labels === undefined ? [] : [opts.labels])].map((f) => resolve(f));
  const temps = targets.map((t) => join(dirname(t), `.${basename(t)}.${process.pid}.tmp`));
  const streams = temps.map((t) => createWriteStream(t));
  const [history, labels] = streams as [WriteStream, WriteStream | undefined];
  try {
    for (const s of streams)
      await Promise.race([once(s, "open"), once(s, "error").then(([e]) => Promise.reject(e as Error))]);
    for (const m of generateHistory({ messages: opts.messages, seed: opts.seed })) {
      const a = history.write(`${m.line}\n`);
      const b = labels === undefined ? true : labels.write(`${JSON.stringify(m.label)}\n`);
      if (!a) await once(history, "drain");
      if (!b && labels !== undefined) await once(labels, "drain");
    }
    await Promise.all(
      streams.map((s) => new Promise<void>((ok, fail) => s.end((e?: Error | null) => (e ? fail(e) : ok())))),
    );
    for (const [i, t] of temps.entries()) await rename(t, targets[i] as string);
  } catch (err) {
    for (const s of streams) s.destroy();
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
}
