import type { ChannelKind } from "./lexicon.js";
import type { FindingKind } from "./types.js";

/** A concrete contact or payment detail, as opposed to an intent or a channel merely named. */
export function isDetailKind(kind: FindingKind): boolean {
  return !kind.startsWith("intent_") && kind !== "channel_mention";
}

/** Kinds of detail that are a way to pay (P1), the rest of the handle kinds being ways to reach someone (C1). */
export const PAYMENT_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  "paypal",
  "venmo",
  "cashapp",
  "zelle",
  "wise",
  "payoneer",
  "iban",
  "crypto",
]);

/** Channels that are a way to pay: named with a payment verb, they are P1. */
export const PAYMENT_CHANNELS: ReadonlySet<ChannelKind> = new Set<ChannelKind>([
  "paypal",
  "venmo",
  "cashapp",
  "zelle",
  "wise",
  "payoneer",
  "bank",
  "crypto",
]);

/** Apps whose handle can be a phone number ("WhatsApp: +52 ..."). */
export const PHONE_APPS: ReadonlySet<ChannelKind> = new Set<ChannelKind>([
  "whatsapp",
  "viber",
  "telegram",
  "signal",
  "line",
  "wechat",
  "zelle",
  "paypal",
  "venmo",
  "cashapp",
  "wise",
  "payoneer",
]);

/** Channels whose handle can be an email address ("my PayPal is x@y.com"). */
export const EMAIL_APPS: ReadonlySet<ChannelKind> = new Set<ChannelKind>([
  "paypal",
  "zelle",
  "wise",
  "payoneer",
  "venmo",
  "skype",
  "facebook",
]);

/** Channels whose handle is a user name (email, phone and bank details have readers of their own). */
export const USERNAME_KINDS: ReadonlySet<ChannelKind> = new Set<ChannelKind>([
  "whatsapp",
  "telegram",
  "skype",
  "discord",
  "signal",
  "wechat",
  "line",
  "viber",
  "snapchat",
  "kik",
  "instagram",
  "facebook",
  "linkedin",
  "twitter",
  "paypal",
  "venmo",
  "cashapp",
  "zelle",
  "wise",
  "payoneer",
]);

/** Channel kinds that name a medium rather than an app: named alone, they propose nothing. */
export const MEDIA: ReadonlySet<ChannelKind> = new Set<ChannelKind>(["phone", "email"]);
