/**
 * A synthetic marketplace message history of any size: seeded and
 * deterministic, produced one message at a time (constant memory), in time
 * order but for a few messages logged a little late. Most conversations stay
 * on the platform; some share a phone, email or messenger handle (some split
 * across messages, some obfuscated), ask for a contact, or propose paying
 * outside. A few people run several freelancer accounts with the same
 * contact details, so the backtest has handles linked across senders.
 * Phrasing takes its ideas from the corpus but every line is composed here.
 */

export interface GeneratedMessage {
  /** The history line (JSON, no newline). */
  line: string;
  /** The generator's intent label: whether the message breaks the default policy, and its main rules. */
  label: { id: string; violation: boolean; rules: string[] };
}

export interface GenerateOptions {
  messages: number;
  seed: number;
  /** Conversations running at once (default 400). */
  concurrency?: number;
  /** First timestamp (default 2026-01-05T08:00:00Z). */
  start?: number;
  /** Mean seconds between two messages of the whole marketplace (default 30). */
  meanGapSeconds?: number;
}

type Scenario = "clean" | "contact" | "split_contact" | "ask_contact" | "pay_outside" | "work_outside";

interface Conversation {
  id: string;
  client: string;
  freelancer: string;
  /** The freelancer's identity: who they really are (several accounts may share one). */
  identity: Identity;
  scenario: Scenario;
  length: number;
  sent: number;
  /** Index of the message at which the contract starts (length when none). */
  contractAt: number;
  /** Index of the leaking message (or the first of a split). */
  leakAt: number;
  /** Pieces still to send of a detail split across messages. */
  pending: string[];
  topic: string;
  price: number;
}

interface Identity {
  first: string;
  last: string;
  phone: { display: string; spaced: string };
  email: string;
  telegram: string;
  iban: string;
}

export function* generateHistory(options: GenerateOptions): Generator<GeneratedMessage> {
  const rand = mulberry32(options.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const chance = (p: number): boolean => rand() < p;
  const digits = (k: number): string => {
    let s = "";
    for (let i = 0; i < k; i++) s += String(int(0, 9));
    return s;
  };

  const concurrency = options.concurrency ?? 400;
  const meanGapMs = (options.meanGapSeconds ?? 30) * 1000;
  let now = options.start ?? Date.UTC(2026, 0, 5, 8, 0, 0);
  const clientPool = Math.max(20, Math.ceil(options.messages / 40));
  const identityPool = Math.max(10, Math.ceil(options.messages / 60));
  const identities = new Map<number, Identity>();
  const identityOf = (k: number): Identity => {
    let id = identities.get(k);
    if (id === undefined) {
      // Identities are derived from their number alone, so the same person always has the same details.
      const r = mulberry32(options.seed * 7919 + k);
      const p = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
      const d = (n: number): string => {
        let s = "";
        for (let i = 0; i < n; i++) s += String(Math.floor(r() * 10));
        return s;
      };
      const first = p(FIRST);
      const last = p(LAST);
      const phone = p(PHONES)(d);
      const nn = String(Math.floor(r() * 90) + 10);
      id = {
        first,
        last,
        phone,
        email: `${first.toLowerCase()}.${last.toLowerCase()}${nn}@${p(MAIL)}`,
        telegram: `${first.toLowerCase()}_${last.toLowerCase().slice(0, 4)}${nn}`,
        iban: germanIban(`${Math.floor(r() * 9) + 1}${d(7)}`, d(10)),
      };
      // Bounded: identities are cheap to rebuild, keep only a window of them.
      if (identities.size > 5000) identities.clear();
      identities.set(k, id);
    }
    return id;
  };

  let conversationSeq = 0;
  const open = (): Conversation => {
    conversationSeq++;
    const identityNo = int(1, identityPool);
    // 1 identity in 8 runs a second freelancer account, 1 in 40 a third: same details, other account.
    const alt = identityNo % 8 === 0 ? int(0, 1) : identityNo % 40 === 0 ? int(0, 2) : 0;
    const length = int(3, 14);
    const s = rand();
    const scenario: Scenario =
      s < 0.72
        ? "clean"
        : s < 0.82
          ? "contact"
          : s < 0.85
            ? "split_contact"
            : s < 0.9
              ? "ask_contact"
              : s < 0.97
                ? "pay_outside"
                : "work_outside";
    return {
      id: `cv-${pad(conversationSeq, 6)}`,
      client: `c-${pad(int(1, clientPool), 5)}`,
      freelancer: `f-${pad(identityNo, 5)}${alt === 0 ? "" : `-${alt}`}`,
      identity: identityOf(identityNo),
      scenario,
      length,
      sent: 0,
      contractAt: chance(0.45) ? int(2, length) : length,
      leakAt: int(1, Math.max(1, length - 2)),
      pending: [],
      topic: pick(TOPICS),
      price: int(3, 120) * 50,
    };
  };

  const active: Conversation[] = [];
  for (let i = 0; i < concurrency; i++) active.push(open());

  for (let seq = 1; seq <= options.messages; seq++) {
    const slot = int(0, active.length - 1);
    const c = active[slot] as Conversation;
    now += Math.max(1000, Math.round(-Math.log(1 - rand()) * meanGapMs));
    const stageActive = c.sent >= c.contractAt;
    let from: "client" | "freelancer" = c.sent === 0 ? "client" : chance(0.5) ? "client" : "freelancer";
    let text: string;
    let violation = false;
    let rules: string[] = [];
    if (c.pending.length > 0) {
      from = "freelancer";
      text = c.pending.shift() as string;
      if (c.pending.length === 0 && !stageActive) {
        violation = true;
        rules = ["C1"];
      } else if (c.pending.length === 0) rules = ["C1"];
    } else if (c.sent === c.leakAt && c.scenario !== "clean") {
      from = c.scenario === "pay_outside" && chance(0.5) ? "client" : "freelancer";
      const leak = leakMessage(c, from, stageActive);
      text = leak.text;
      violation = leak.violation;
      rules = leak.rules;
      if (leak.pending !== undefined) c.pending = leak.pending;
    } else text = cleanMessage(c, from, stageActive);

    const timestamp = chance(0.02) ? now - int(1, 5) * 60_000 : now;
    const id = `m-${pad(seq, 8)}`;
    const line = JSON.stringify({
      id,
      conversation_id: c.id,
      sender: from === "client" ? c.client : c.freelancer,
      timestamp: new Date(timestamp).toISOString(),
      contract_state: stageActive ? "active" : "none",
      text,
    });
    yield { line, label: { id, violation, rules } };
    c.sent++;
    if (c.sent >= c.length && c.pending.length === 0) active[slot] = open();
  }

  function leakMessage(
    c: Conversation,
    from: "client" | "freelancer",
    stageActive: boolean,
  ): { text: string; violation: boolean; rules: string[]; pending?: string[] } {
    const me = c.identity;
    switch (c.scenario) {
      case "contact": {
        const which = int(0, 3);
        const text =
          which === 0
            ? pick(PHONE_LINES).replace("{phone}", chance(0.3) ? me.phone.spaced : me.phone.display)
            : which === 1
              ? pick(EMAIL_LINES).replace("{email}", chance(0.35) ? obfuscateEmail(me.email) : me.email)
              : which === 2
                ? pick(TELEGRAM_LINES).replace("{tg}", me.telegram)
                : pick(WHATSAPP_LINES).replace("{phone}", me.phone.display);
        // Sharing a detail is C1; at contract_active the default policy allows it.
        return { text, violation: !stageActive, rules: ["C1"] };
      }
      case "split_contact": {
        const digitsOnly = me.phone.display.replace(/\D/g, "");
        const a = digitsOnly.slice(0, 4);
        const b = digitsOnly.slice(4, 8);
        const rest = digitsOnly.slice(8);
        return { text: `${pick(SPLIT_OPENERS)} +${a}`, violation: false, rules: [], pending: [b, rest] };
      }
      case "ask_contact":
        return { text: pick(ASK_LINES), violation: !stageActive, rules: ["C2"] };
      case "pay_outside":
        return {
          text:
            from === "client"
              ? pick(PAY_CLIENT).replace("{pct}", String(int(1, 4) * 5))
              : pick(PAY_FREELANCER).replace("{email}", me.email).replace("{iban}", me.iban),
          violation: true,
          rules: ["P1"],
        };
      case "work_outside":
        return { text: pick(WORK_OUTSIDE), violation: true, rules: ["P2"] };
      case "clean":
        return { text: cleanMessage(c, from, stageActive), violation: false, rules: [] };
    }
  }

  function cleanMessage(c: Conversation, from: "client" | "freelancer", stageActive: boolean): string {
    if (c.sent === 0) return pick(OPENERS).replace("{topic}", c.topic);
    const lines = stageActive
      ? from === "client"
        ? ACTIVE_CLIENT
        : ACTIVE_FREELANCER
      : from === "client"
        ? PRE_CLIENT
        : PRE_FREELANCER;
    return pick(lines)
      .replace("{topic}", c.topic)
      .replace("{price}", `$${c.price.toLocaleString("en-US")}`)
      .replace("{days}", String(int(2, 21)))
      .replace("{date}", `${pick(MONTHS)} ${int(1, 28)}`)
      .replace("{time}", `${int(9, 17)}:${pick(["00", "15", "30", "45"])}`)
      .replace("{version}", `v${int(1, 4)}.${int(0, 12)}.${int(0, 9)}`)
      .replace("{link}", pick(WORK_LINKS)(digits))
      .replace("{n}", String(int(2, 9)))
      .replace("{name}", c.identity.first);
  }
}

function obfuscateEmail(email: string): string {
  const [user, domain] = email.split("@") as [string, string];
  return `${user} (at) ${domain.replace(/\./g, " (dot) ")}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** mulberry32: a small seeded PRNG, the same as scripts/bench.mjs. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  "anna",
  "ben",
  "carlos",
  "dana",
  "elif",
  "farah",
  "goran",
  "hana",
  "ivan",
  "kwame",
  "lena",
  "mateo",
  "nadia",
  "omar",
  "priya",
  "rosa",
  "sven",
  "tariq",
  "vikram",
  "yusuf",
  "zoe",
].map((s) => s[0]?.toUpperCase() + s.slice(1));
const LAST = [
  "Smith",
  "Garcia",
  "Rossi",
  "Kowalski",
  "Silva",
  "Nguyen",
  "Khan",
  "Okafor",
  "Ivanova",
  "Yilmaz",
  "Santos",
  "Dubois",
  "Jansen",
  "Cohen",
];
const MAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "gmx.de"];
const PHONES: readonly ((d: (n: number) => string) => { display: string; spaced: string })[] = [
  (d) => {
    const x = `7911 ${d(6)}`;
    return { display: `+44 ${x}`, spaced: `+ 4 4 ${x.replace(/ /g, "").split("").join(" ")}` };
  },
  (d) => {
    const x = `151 ${d(8)}`;
    return { display: `+49 ${x}`, spaced: `+49 ${x.replace(/ /g, "").split("").join(" ")}` };
  },
  (d) => {
    const x = `98${d(3)} ${d(5)}`;
    return { display: `+91 ${x}`, spaced: `+91 ${x.replace(/ /g, "").split("").join(" ")}` };
  },
  (d) => {
    const x = `415 2${d(2)} ${d(4)}`;
    return { display: `+1 ${x}`, spaced: `+1 ${x.replace(/ /g, "").split("").join(" ")}` };
  },
];
const TOPICS = [
  "a landing page",
  "our logo refresh",
  "the checkout flow",
  "mobile app screens",
  "a Stripe API integration",
  "a data pipeline in Python",
  "onboarding emails",
  "a pitch deck",
  "product photos",
  "a blog series",
  "a Spanish translation",
  "unit tests for the backend",
  "a sales dashboard",
  "a WordPress theme",
  "a Shopify store",
  "brand guidelines",
  "an explainer video",
  "a Postgres schema",
  "an SEO audit",
  "a Telegram bot",
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WORK_LINKS: readonly ((d: (n: number) => string) => string)[] = [
  (d) => `https://github.com/acme-${d(3)}/web/pull/${d(3)}`,
  (d) => `https://www.figma.com/file/${d(6)}/mockups`,
  (d) => `https://docs.google.com/document/d/1x${d(8)}/edit`,
  (d) => `https://www.loom.com/share/${d(10)}`,
];
const OPENERS = [
  "Hi! I saw your profile, are you available for {topic}?",
  "Hello, we need help with {topic}. Do you have time this month?",
  "Hey, quick question about {topic}: have you done something similar?",
  "Good morning! Looking for someone for {topic}, budget is flexible.",
];
const PRE_CLIENT = [
  "Budget is around {price}, does that work?",
  "Could you deliver by {date}?",
  "Here is the brief: {link}",
  "What would the milestones look like?",
  "Can you share two or three samples of similar work?",
  "We'd like {n} revisions included, is that ok?",
  "Sounds good, I'll send the offer through the platform.",
  "Are you free for a call on the platform tomorrow at {time}?",
];
const PRE_FREELANCER = [
  "Yes, I have done {topic} several times. I can start on {date}.",
  "For {topic} I would quote {price}, split into {n} milestones.",
  "I need about {days} days including revisions.",
  "Here's a similar project I did: {link}",
  "Thanks {name} here, happy to help. Can you share more details?",
  "I usually work with fixed price and milestones through escrow here.",
  "Could you send the current files? I'll review them tonight.",
];
const ACTIVE_CLIENT = [
  "Milestone 1 funded, you can start.",
  "Looks great, could you make the header a bit smaller?",
  "Approved the milestone, thanks!",
  "Any update on the second part?",
  "Please use {version} of the SDK, the old one is deprecated.",
  "Can we move our check-in to {time}?",
];
const ACTIVE_FREELANCER = [
  "First draft is ready: {link}",
  "I pushed the changes, please review.",
  "Submitted the milestone for review.",
  "Quick question: should the footer link to the privacy page?",
  "I'll have the next version by {date}.",
  "Fixed the bug in {version}, tests pass now.",
];
const PHONE_LINES = [
  "easier to talk by phone, my number is {phone}",
  "call me on {phone} after 6pm",
  "you can text me {phone} if that's faster",
  "here's my cell {phone}, ring me whenever",
];
const EMAIL_LINES = [
  "send the files to {email} please",
  "my email is {email}, write me there",
  "drop me a line at {email}",
];
const TELEGRAM_LINES = [
  "add me on telegram @{tg}",
  "I'm on tg: {tg}, faster there",
  "telegram is better for me: t.me/{tg}",
];
const WHATSAPP_LINES = [
  "whatsapp me on {phone}",
  "ping me on WA {phone}, I reply faster",
  "can we continue on whatsapp? {phone}",
];
const SPLIT_OPENERS = ["my number is", "ok here it is", "number:"];
const ASK_LINES = [
  "what's your whatsapp?",
  "do you have telegram? easier to chat there",
  "can you give me your number so we can talk directly?",
  "do you have an email I can send the brief to?",
];
const PAY_CLIENT = [
  "If we skip the platform fee I can pay you {pct}% more directly.",
  "Can I just pay you through PayPal instead of the platform?",
  "Let's do the next part outside the site and I pay you by bank transfer.",
  "How about I pay you in crypto and we avoid the fees?",
];
const PAY_FREELANCER = [
  "you can send the payment to my paypal {email} instead",
  "for the rest, transfer to IBAN {iban} and we save the fees",
  "pay me directly via wise and I'll give you a discount",
];
const WORK_OUTSIDE = [
  "let's close the contract here and continue the rest privately",
  "end the contract now and I'll finish the remaining work outside the platform",
  "we can split it: one small milestone here, the rest paid directly to me",
];
/** A German IBAN with valid check digits (ISO 13616 mod 97) for a bank code and account number. */
export function germanIban(bank: string, account: string): string {
  const bban = `${bank}${account}`;
  let rest = 0;
  for (const ch of `${bban}131400`) rest = (rest * 10 + Number(ch)) % 97;
  const iban = `DE${String(98 - rest).padStart(2, "0")}${bban}`;
  return iban.replace(/(.{4})/g, "$1 ").trim();
}
