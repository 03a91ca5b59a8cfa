import type { MarketplaceConfig } from "./config.js";
import { addDays } from "./time.js";

/**
 * The sanction ladder: warnings expire, and enough live ones suspend. Pure:
 * the store reads a user's warnings and applies what this decides.
 */

/** What a warning is about; two of the same kind weigh more than two of different kinds. */
export type WarningKind = "contact_details" | "off_platform_payment" | "off_platform_work" | "other";

export const WARNING_KINDS: readonly WarningKind[] = [
  "contact_details",
  "off_platform_payment",
  "off_platform_work",
  "other",
];

export interface GivenWarning {
  kind: WarningKind;
  at: Date;
}

/** Whether a warning given at `at` still counts at `now`. */
export function warningLive(at: Date, now: Date, config: MarketplaceConfig): boolean {
  return addDays(at, config.trust.warningExpiryDays).getTime() > now.getTime();
}

/**
 * After a warning of `kind` is given at `now` (it is among `warnings`): null
 * when nothing more follows, or why the user is now suspended.
 */
export function suspensionAfterWarning(
  warnings: readonly GivenWarning[],
  kind: WarningKind,
  now: Date,
  config: MarketplaceConfig,
): string | null {
  const live = warnings.filter((w) => warningLive(w.at, now, config));
  const t = config.trust;
  const sameKind = live.filter((w) => w.kind === kind).length;
  if (sameKind >= t.sameKindWarningsToSuspend)
    return `${sameKind} warnings about ${kind.replaceAll("_", " ")} within ${t.warningExpiryDays} days`;
  if (live.length >= t.anyWarningsToSuspend)
    return `${live.length} warnings within ${t.warningExpiryDays} days`;
  return null;
}
