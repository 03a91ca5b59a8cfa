import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/**
 * The lines of a stream, one at a time (any size: nothing is held but the
 * current line). `onBytes` is told how many bytes were read so far, for a
 * progress bar. A read error (a missing file) is thrown from the iteration.
 */
export async function* readLines(input: Readable, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  let bytes = 0;
  if (onBytes !== undefined)
    input.on("data", (chunk: Buffer | string) => {
      bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      onBytes(bytes);
    });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}
