import type { Screening } from "./messages.js";

/** A screening of the store's part only, without the engine: delivered as sent, unless `extra` says otherwise. */
export const screened =
  (text: string, extra: Partial<Screening> = {}) =>
  (): Screening => ({
    verdict: "allow",
    delivery: "deliver",
    shownText: text,
    stage: "pre_contract",
    scan: null,
    signals: [],
    ...extra,
  });
