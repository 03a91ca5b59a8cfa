import { Presets, SingleBar } from "cli-progress";

export interface ProgressOptions {
  /** Bytes in the input. */
  total: number;
  enabled: boolean;
  stream: NodeJS.WriteStream;
  /** Messages replayed so far, for the rate. */
  messages: () => number;
  /** Milliseconds between plain progress lines when the stream is not a terminal. */
  plainEveryMs?: number;
}

export interface Progress {
  update: (bytes: number) => void;
  stop: () => void;
}

/**
 * A progress bar with the rate and the time left on a terminal (cli-progress),
 * a plain line every few seconds otherwise (a log, a pipe).
 */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { update: () => {}, stop: () => {} };
  const started = Date.now();
  const rate = (): number => {
    const s = (Date.now() - started) / 1000;
    return s > 0 ? Math.round(options.messages() / s) : 0;
  };
  if (options.stream.isTTY) {
    const bar = new SingleBar(
      {
        stream: options.stream,
        format:
          "backtest [{bar}] {percentage}% | {messages} messages | {rate} messages/s | {eta_formatted} left",
        etaBuffer: 50,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    bar.start(Math.max(options.total, 1), 0, { messages: 0, rate: 0 });
    return {
      update: (bytes) => bar.update(bytes, { messages: options.messages(), rate: rate() }),
      stop: () => {
        bar.update(Math.max(options.total, 1), { messages: options.messages(), rate: rate() });
        bar.stop();
      },
    };
  }
  const every = options.plainEveryMs ?? 5_000;
  let last = started;
  return {
    update(bytes) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      const fraction = options.total > 0 ? Math.min(1, bytes / options.total) : 0;
      const elapsed = (now - started) / 1000;
      const left = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.NaN;
      options.stream.write(
        `backtest: ${(100 * fraction).toFixed(1)}% (${mb(bytes)} of ${mb(options.total)} MB), ` +
          `${options.messages().toLocaleString("en-US")} messages, ${rate().toLocaleString("en-US")} messages/s, ` +
          `${Number.isNaN(left) ? "?" : Math.round(left)} s left\n`,
      );
    },
    stop() {
      const s = ((Date.now() - started) / 1000).toFixed(1);
      options.stream.write(
        `backtest: done, ${options.messages().toLocaleString("en-US")} messages in ${s} s (${rate().toLocaleString("en-US")} messages/s)\n`,
      );
    },
  };
}

const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
