#!/usr/bin/env node
// Throughput and latency of the built detection engine on a synthetic chat
// corpus, against a baseline (libphonenumber-js findPhoneNumbersInText plus
// linkify-it), and a linearity check on adversarial inputs.
//
// Usage: npm run bench              (builds first)
//        node scripts/bench.mjs [--messages N] [--seed S]
//
// The corpus is generated here, deterministically, from templates and word
// lists; no corpus file is read.
import os from "node:os";
import { fileURLToPath } from "node:url";
import { findPhoneNumbersInText } from "libphonenumber-js/max";
import { LinkifyIt } from "linkify-it";

// The built engine, as the package exports it to Node (its "default" condition: dist/).
const enginePath = fileURLToPath(import.meta.resolve("@leakguard/detect"));
const { scan } = await import("@leakguard/detect");

// ---------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = { messages: 100_000, seed: 20260315 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--messages" || a === "-n") opts.messages = Number(value());
    else if (a.startsWith("--messages=")) opts.messages = Number(a.slice("--messages=".length));
    else if (a === "--seed") opts.seed = Number(value());
    else if (a === "--help" || a === "-h") {
      console.log("usage: node scripts/bench.mjs [--messages N] [--seed S]");
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(opts.messages) || opts.messages < 1)
    throw new Error("--messages must be a positive integer");
  if (!Number.isInteger(opts.seed)) throw new Error("--seed must be an integer");
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${err.message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(opts.seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
const digits = (n) => {
  let s = "";
  for (let i = 0; i < n; i++) s += String(int(0, 9));
  return s;
};
const pad = (n, w = 2) => String(n).padStart(w, "0");
const thousands = (n) => n.toLocaleString("en-US");

// ---------------------------------------------------------------------------
// Word lists

const FIRST = [
  "Anna",
  "Ben",
  "Carlos",
  "Dana",
  "Elif",
  "Farah",
  "Goran",
  "Hana",
  "Ivan",
  "Jo",
  "Kwame",
  "Lena",
  "Mateo",
  "Nadia",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sven",
  "Tariq",
  "Uma",
  "Vikram",
  "Wen",
  "Yusuf",
  "Zoe",
];
const LAST = [
  "Smith",
  "Garcia",
  "Müller",
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
const DELIVERABLES = [
  "landing page",
  "logo",
  "homepage mockup",
  "checkout flow",
  "mobile app screens",
  "API integration",
  "data pipeline",
  "onboarding emails",
  "pitch deck",
  "product photos",
  "blog post",
  "translation",
  "unit tests",
  "dashboard",
  "WordPress theme",
  "Shopify store",
  "brand guidelines",
  "explainer video",
  "database schema",
  "SEO audit",
];
const TECH = [
  "React",
  "Next.js",
  "Figma",
  "Django",
  "Node",
  "Postgres",
  "Tailwind",
  "Flutter",
  "Swift",
  "Kotlin",
  "Webflow",
  "Laravel",
  "Rails",
  "TypeScript",
  "Python",
  "Go",
  "Docker",
  "AWS",
];
const VERBS = [
  "updated",
  "pushed",
  "reviewed",
  "finished",
  "fixed",
  "redesigned",
  "refactored",
  "exported",
  "uploaded",
  "tested",
  "drafted",
  "shipped",
];
const FEEDBACK = [
  "Looks great",
  "Nice work",
  "Almost there",
  "Can we tweak the spacing",
  "The client loves it",
  "A few small changes",
  "Could you make the header bolder",
  "Love the colours",
  "Not quite what I had in mind",
  "Perfect, thanks",
];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const CURRENCIES = ["EUR", "USD", "GBP", "INR", "BRL", "PLN"];
const UNITS = [
  "screens",
  "pages",
  "hours",
  "words",
  "revisions",
  "icons",
  "endpoints",
  "slides",
  "tickets",
  "rows",
  "GB",
  "MB",
  "px",
  "%",
];
const ARTIFACT_HOSTS = [
  () =>
    `https://github.com/${pick(LAST).toLowerCase()}-labs/${pick(["widget", "shop", "api", "web"])}/pull/${int(1, 999)}`,
  () => `github.com/acme/${pick(["site", "app", "infra"])}/issues/${int(1, 4000)}`,
  () =>
    `https://www.figma.com/file/${randomId(22)}/${pick(["Landing-v2", "App-Screens", "Brand-Kit"])}?node-id=${int(1, 99)}-${int(1, 999)}`,
  () => `figma.com/file/${randomId(16)}`,
  () => `https://docs.google.com/document/d/${randomId(44)}/edit`,
  () => `https://drive.google.com/drive/folders/${randomId(33)}`,
  () => `https://trello.com/b/${randomId(8)}/sprint-${int(1, 30)}`,
  () => `https://www.loom.com/share/${randomId(32).toLowerCase()}`,
  () =>
    `https://staging.${pick(["acme", "brightshop", "nordic-bikes"])}.com/${pick(["checkout", "about", "pricing"])}`,
  () => `https://codepen.io/${pick(FIRST).toLowerCase()}/pen/${randomId(7)}`,
];
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomId(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += ALNUM[int(0, ALNUM.length - 1)];
  return s;
}

// ---------------------------------------------------------------------------
// Slots: the many harmless numbers of freelance chat

const price = () =>
  pick([
    () => `$${thousands(int(1, 60) * 50)}`,
    () => `$${int(5, 150)}/hr`,
    () => `${int(1, 40) * 25} ${pick(CURRENCIES)}`,
    () => `€${thousands(int(2, 500) * 10)}`,
    () => `£${int(20, 900)}.${pad(int(0, 99))}`,
    () => `${thousands(int(1, 90) * 100)}.00 USD`,
    () => `R$ ${thousands(int(100, 9000))},00`,
    () => `${int(1, 9)}.${int(1, 9)}k`,
  ])();
const date = () =>
  pick([
    () => `2026-${pad(int(1, 12))}-${pad(int(1, 28))}`,
    () => `${pad(int(1, 28))}/${pad(int(1, 12))}/2026`,
    () => `${int(1, 12)}/${int(1, 28)}/26`,
    () => `${pick(MONTHS)} ${int(1, 28)}`,
    () => `${int(1, 28)} ${pick(MONTHS)} 2026`,
    () => `${pick(WEEKDAYS)} the ${int(1, 28)}th`,
    () => `${pad(int(1, 28))}.${pad(int(1, 12))}.2026`,
  ])();
const time = () =>
  pick([
    () => `${int(8, 18)}:${pick(["00", "15", "30", "45"])}`,
    () => `${int(1, 12)}${pick(["am", "pm"])}`,
    () => `${int(9, 17)}:30 ${pick(["CET", "EST", "IST", "UTC"])}`,
  ])();
const version = () =>
  pick([
    () => `v${int(0, 4)}.${int(0, 20)}.${int(0, 30)}`,
    () => `${int(1, 3)}.${int(0, 9)}.${int(0, 9)}-beta.${int(1, 5)}`,
    () => `build ${int(100, 9999)}`,
  ])();
const orderId = () =>
  pick([
    () => `INV-${int(10000, 99999)}`,
    () => `#${int(10000, 99999)}`,
    () => `PO-2026-${pad(int(1, 999), 4)}`,
    () => `order ${int(100000, 999999)}`,
    () => `ticket ${pick(["JIRA", "WEB", "APP"])}-${int(10, 2999)}`,
    () => `milestone ${int(1, 5)}`,
  ])();
const hex = () => `#${int(0, 0xffffff).toString(16).padStart(6, "0")}`;
const quantity = () =>
  pick([
    () => `${int(2, 40)} ${pick(UNITS)}`,
    () => `${pick([1280, 1440, 1920, 2560])}x${pick([720, 900, 1080, 1440])}`,
    () => `${int(1, 99)}%`,
    () => `${int(1, 12)} weeks`,
    () => `${int(2, 5)}-${int(6, 10)} days`,
  ])();
const link = () => pick(ARTIFACT_HOSTS)();
const person = () => pick(FIRST);

// ---------------------------------------------------------------------------
// Sentences of ordinary work talk

const WORK = [
  () => `Hi ${person()}, I ${pick(VERBS)} the ${pick(DELIVERABLES)} and it's ready for review.`,
  () => `The total for ${pick(DELIVERABLES)} comes to ${price()}, invoice ${orderId()} is attached.`,
  () => `Can we do a call on ${date()} at ${time()} to go over the ${pick(DELIVERABLES)}?`,
  () => `I pushed ${version()} with the fixes, see ${link()}`,
  () => `${pick(FEEDBACK)}! Could you change the primary colour to ${hex()} and the accent to ${hex()}?`,
  () => `The deadline is ${date()}, that gives us about ${quantity()}.`,
  () => `Budget is ${price()} for ${quantity()}, with ${int(1, 3)} rounds of revisions.`,
  () => `Here is the design: ${link()}`,
  () => `I'll need ${quantity()} more for the ${pick(TECH)} part, estimate ${price()}.`,
  () => `Milestone ${int(1, 4)} of ${int(4, 6)} is done (${int(10, 100)}%), next one due ${date()}.`,
  () => `Order ${orderId()} shipped on ${date()}, tracking should update by ${time()}.`,
  () => `We're on ${pick(TECH)} ${version()} and ${pick(TECH)} ${int(1, 22)}, node ${int(16, 22)}.`,
  () => `The page loads in ${int(1, 4)}.${int(0, 9)}s on 4G, Lighthouse score ${int(60, 100)}.`,
  () => `Thanks ${person()}, payment of ${price()} for milestone ${int(1, 5)} released on ${date()}.`,
  () => `Please use ${hex()} for buttons, font size ${int(12, 24)}px, line height ${int(1, 2)}.${int(0, 9)}.`,
  () =>
    `The CSV has ${thousands(int(1000, 250000))} rows and ${int(5, 60)} columns, about ${int(2, 900)} MB.`,
  () => `Room ${int(100, 999)}, floor ${int(1, 30)}, the shoot starts at ${time()} on ${date()}.`,
  () => `Reference photos are in ${link()} and the brief is in ${link()}`,
  () =>
    `Sorry for the delay, I was out until ${pick(WEEKDAYS)}. I'll send the ${pick(DELIVERABLES)} by ${time()}.`,
  () => `Word count is ${thousands(int(300, 5000))}, rate ${price()} per ${int(1, 10) * 100} words.`,
  () => `Ticket ${orderId()}: the ${pick(DELIVERABLES)} breaks below ${int(320, 768)}px width.`,
  () => `Can you add ${int(2, 12)} more ${pick(UNITS)}? Happy to add ${price()} to the contract.`,
  () => `ETA ${date()} ${time()}. I'll keep you posted here.`,
  () => `Great, let's keep everything here on the platform.`,
  () =>
    `Phase ${int(1, 3)}: ${pick(DELIVERABLES)} (${price()}), phase ${int(4, 6)}: ${pick(DELIVERABLES)} (${price()}).`,
  () => `The API returns ${int(200, 504)} for ${int(1, 30)}% of requests since ${version()}.`,
];

// ---------------------------------------------------------------------------
// Contact and payment details (about 5% of messages), some obfuscated

const PHONES = [
  () => `+44 7${digits(3)} ${digits(6)}`,
  () => `07${digits(3)} ${digits(6)}`,
  () => `+1 (${int(201, 989)}) ${int(200, 999)}-${digits(4)}`,
  () => `${int(201, 989)}-${int(200, 999)}-${digits(4)}`,
  () => `+49 15${int(1, 9)} ${digits(8)}`,
  () => `+91 9${digits(4)} ${digits(5)}`,
  () => `+55 11 9${digits(4)}-${digits(4)}`,
  () => `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
  () => `+234 80${int(2, 9)} ${digits(3)} ${digits(4)}`,
  () => `+63 917 ${digits(3)} ${digits(4)}`,
  () => `+7 9${digits(2)} ${digits(3)}-${digits(2)}-${digits(2)}`,
  () => `+90 5${digits(2)} ${digits(3)} ${digits(2)} ${digits(2)}`,
];
const SPELL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const ZWSP = ["\u200b", "\u200c", "\u200d", "\u2060"];
const FULLWIDTH = (s) =>
  s.replace(/[0-9+]/g, (c) => (c === "+" ? "\uff0b" : String.fromCharCode(0xff10 + Number(c))));
const spelled = (d) => [...d].map((c) => SPELL[Number(c)]).join(" ");
const zeroWidth = (s) => [...s].map((c) => c + (chance(0.5) ? pick(ZWSP) : "")).join("");
const spaced = (s) => [...s].join(" ");
const handle = () =>
  `${pick(FIRST).toLowerCase()}${pick(["_", ".", ""])}${pick(LAST).toLowerCase().replace("ü", "u")}${chance(0.5) ? int(1, 99) : ""}`;
const emailDomain = () =>
  pick([
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "proton.me",
    "icloud.com",
    "mail.ru",
    "yandex.ru",
  ]);
const email = () => `${handle()}@${emailDomain()}`;
const IBANS = [
  "DE89370400440532013000",
  "GB29NWBK60161331926819",
  "FR1420041010050500013M02606",
  "NL91ABNA0417164300",
  "ES9121000418450200051332",
  "IT60X0542811101000000123456",
  "PL61109010140000071219812874",
];
const groupIban = (s) => s.replace(/(.{4})/g, "$1 ").trim();
const CRYPTO = [
  "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
  "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
];

const CONTACT = [
  () => `Easier to talk directly, call me on ${pick(PHONES)()}`,
  () => `my whatsapp is ${pick(PHONES)()} text me there`,
  () => `Can you email me at ${email()} so we can skip the fees?`,
  () => `send the files to ${email()} please`,
  () => `add me on telegram @${handle()}`,
  () => `I'm @${handle()} on Telegram, ping me`,
  () => `skype: live:${handle()}`,
  () => `discord is ${handle()}#${digits(4)}`,
  () => `pay me at paypal.me/${handle()} and I'll send the source files`,
  () => `just send it via venmo @${handle()} instead`,
  () => `bank transfer is cheaper: IBAN ${pick(IBANS)}`,
  () => `my IBAN is ${groupIban(pick(IBANS))}, name ${person()} ${pick(LAST)}`,
  () => `USDT or BTC works, address ${pick(CRYPTO)}`,
  () => `wallet: ${pick(CRYPTO)}`,
  () => {
    const n = `${int(201, 989)}${int(200, 999)}${digits(4)}`;
    return `my number is ${spelled(n)}`;
  },
  () => `call five five five ${spelled(digits(3))} ${spelled(digits(4))}`,
  () => `mail ${handle()} at gmail dot com`,
  () => `${handle()} (at) ${pick(["gmail", "yahoo", "outlook"])} [dot] com`,
  () => `write me: ${spaced(email())}`,
  () => `wa ${zeroWidth(pick(PHONES)())}`,
  () => `my phone ${FULLWIDTH(pick(PHONES)())}`,
  () => `t.me/${handle()}`,
  () => `let's move this to whatsapp, it's faster`,
  () => `we can pay outside the platform and both save the fee`,
];

// ---------------------------------------------------------------------------
// Corpus

function makeMessage(isContact) {
  const target = int(20, 300); // uniform, plus the last sentence overshooting: mean about 200
  const parts = [];
  let length = 0;
  const contactAt = isContact ? int(0, 2) : -1;
  for (let i = 0; length < target || i <= contactAt; i++) {
    const s = i === contactAt ? pick(CONTACT)() : pick(WORK)();
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(" ");
}

function makeCorpus(n) {
  const messages = new Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const isContact = chance(0.05);
    labels[i] = isContact ? 1 : 0;
    messages[i] = makeMessage(isContact);
  }
  return { messages, labels };
}

// ---------------------------------------------------------------------------
// Timing

const linkify = new LinkifyIt();
const engine = (text) => scan(text, { stage: "pre_contract" }).verdict !== "allow";
const baseline = (text) => findPhoneNumbersInText(text).length > 0 || linkify.match(text) !== null;

function measure(fn, messages) {
  const latencies = new Float64Array(messages.length);
  const flags = new Uint8Array(messages.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages.length; i++) {
    const t0 = process.hrtime.bigint();
    flags[i] = fn(messages[i]) ? 1 : 0;
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const sorted = Float64Array.from(latencies).sort();
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { seconds, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1], flags };
}

function warmUp(fn, messages, n) {
  for (let i = 0; i < Math.min(n, messages.length); i++) fn(messages[i]);
}

// ---------------------------------------------------------------------------
// Adversarial families (same spirit as tests/safety.test.ts)

function cycle(parts, n) {
  let out = "";
  for (let i = 0; out.length < n; i++) out += parts[i % parts.length];
  return out.slice(0, n);
}
const printable = (n, r) => {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + Math.floor(r() * 95));
  return s;
};
const FAMILIES = {
  "long digit runs": (n) => cycle(["1234567890"], n),
  "digits with separators (1-2-3)": (n) => cycle(["1", "-", "2", "-", "3", "-"], n),
  "digits with spaces (1 2 3)": (n) => cycle(["1 ", "2 ", "3 "], n),
  '"@" and "." runs': (n) => cycle(["@", ".", "@@", ".."], n),
  'repeated " at dot "': (n) => cycle([" at dot "], n),
  "words at/dot with names": (n) => cycle(["john", " at ", "gmail", " dot ", "com", " dot "], n),
  "nested brackets": (n) =>
    "(".repeat(n >> 2) + "[".repeat(n >> 2) + "{".repeat(n >> 2) + cycle([")", "]"], n - 3 * (n >> 2)),
  '"(at)" / "[dot]" repeats': (n) => cycle(["(at)", "[dot]"], n),
  "spelled digits": (n) =>
    cycle(["one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "zero "], n),
  "zero-width interleaved": (n) => cycle(["5", "\u200b", "5", "\u200d", "5", "\u2060"], n),
  "long single word": (n) => "a".repeat(n),
  "long mixed word": (n) => cycle(["a", "b", "1", "c", "2", "_", "x"], n),
  "fullwidth digits": (n) => cycle(["\uff11", "\uff12", "\uff13", " "], n),
  "IBAN-like groups (DE89 3704 …)": (n) => cycle(["DE89", " ", "3704", " "], n),
  "random printable ASCII": (n) => printable(n, mulberry32(7)),
  // Repeated phrases: each checked against every other took seconds before per-word marks.
  "payment methods, then verbs": (n) =>
    cycle(["paypal zelle venmo "], n / 2) + cycle(["send money "], n - n / 2),
  "negated intents": (n) => cycle(["i never pay outside the platform "], n),
  "work words, then payment": (n) =>
    cycle(["checkout plugin "], n / 2) + cycle(["pay via paypal "], n - n / 2),
};

function bestMicros(text, repeats) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const r = scan(text, { stage: "pre_contract" });
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (r.error !== undefined) throw new Error(`scan refused a ${text.length}-char input: ${r.error.code}`);
    if (us < best) best = us;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Report

const fmt = (x, d = 1) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const int0 = (x) => Math.round(x).toLocaleString("en-US");

console.log("Leakguard detection benchmark");
console.log(
  `machine:   ${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical CPUs), ${os.platform()} ${os.arch()}`,
);
console.log(`node:      ${process.version}`);
console.log(`engine:    ${enginePath}`);
console.log(`seed:      ${opts.seed}`);

const genStart = process.hrtime.bigint();
const { messages, labels } = makeCorpus(opts.messages);
const genSeconds = Number(process.hrtime.bigint() - genStart) / 1e9;
let chars = 0;
let bytes = 0;
let contactCount = 0;
for (let i = 0; i < messages.length; i++) {
  chars += messages[i].length;
  bytes += Buffer.byteLength(messages[i], "utf8");
  contactCount += labels[i];
}
const mb = bytes / 1e6;
console.log("");
console.log("corpus (synthetic, generated in this run)");
console.log(
  `  messages:              ${int0(messages.length)} (${int0(contactCount)} with a contact or payment detail, ${fmt((100 * contactCount) / messages.length)}%)`,
);
console.log(
  `  size:                  ${fmt(mb, 2)} MB UTF-8, mean ${fmt(chars / messages.length)} chars/message`,
);
console.log(`  generated in:          ${fmt(genSeconds, 2)} s`);

const WARMUP = 2000;
warmUp(engine, messages, WARMUP);
warmUp(baseline, messages, WARMUP);
const e = measure(engine, messages);
const b = measure(baseline, messages);

function row(name, m) {
  let flagged = 0;
  let flaggedContact = 0;
  for (let i = 0; i < m.flags.length; i++) {
    flagged += m.flags[i];
    if (m.flags[i] === 1 && labels[i] === 1) flaggedContact++;
  }
  const clean = messages.length - contactCount;
  console.log(`  ${name}`);
  console.log(
    `    throughput:          ${int0(messages.length / m.seconds)} messages/s, ${fmt(mb / m.seconds, 2)} MB/s (one core)`,
  );
  console.log(`    latency (µs):        p50 ${fmt(m.p50)}  p99 ${fmt(m.p99)}  max ${fmt(m.max)}`);
  console.log(`    total time:          ${fmt(m.seconds, 2)} s`);
  console.log(
    `    flagged:             ${int0(flagged)} messages (${fmt((100 * flagged) / messages.length)}%): ` +
      `${int0(flaggedContact)}/${int0(contactCount)} with a detail, ${int0(flagged - flaggedContact)}/${int0(clean)} without`,
  );
}

console.log("");
console.log(
  `throughput and latency (warm-up ${int0(WARMUP)} messages each, then all messages, one at a time)`,
);
row('engine   scan(text, { stage: "pre_contract" }), flagged = verdict != "allow"', e);
row("baseline findPhoneNumbersInText(text) + linkify.match(text), flagged = any phone or link", b);
console.log(`  engine/baseline throughput ratio: ${fmt(b.seconds / e.seconds, 2)}x`);

// Not timed: what the engine flagged in messages generated without any detail (candidates for false positives).
const reasons = new Map();
for (let i = 0; i < messages.length; i++) {
  if (labels[i] === 1 || e.flags[i] === 0) continue;
  const r = scan(messages[i], { stage: "pre_contract" });
  for (const key of new Set(
    r.findings.map((f) => `${f.rule} ${f.kind}${f.reasons?.length ? ` (${f.reasons.join(", ")})` : ""}`),
  ))
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
}
if (reasons.size > 0) {
  console.log("  engine findings in messages generated without a detail (top 6):");
  for (const [key, n] of [...reasons].sort((x, y) => y[1] - x[1]).slice(0, 6))
    console.log(`    ${int0(n).padStart(7)}  ${key}`);
}

console.log("");
console.log("safety: adversarial families, µs per KB at 1 KB and 64 KB (best of several runs)");
const SMALL = 1024;
const LARGE = 65_536;
const results = [];
const nameWidth = Math.max(...Object.keys(FAMILIES).map((n) => n.length));
console.log(
  `  ${"family".padEnd(nameWidth)}  ${"1 KB µs/KB".padStart(11)}  ${"64 KB µs/KB".padStart(12)}  ${"ratio".padStart(6)}  64 KB total`,
);
for (const [name, make] of Object.entries(FAMILIES)) {
  const small = make(SMALL);
  const large = make(LARGE);
  bestMicros(small, 3); // warm this family's code paths
  const smallPerKb = bestMicros(small, 30) / (small.length / 1024);
  const largeUs = bestMicros(large, 3);
  const largePerKb = largeUs / (large.length / 1024);
  const ratio = largePerKb / smallPerKb;
  results.push({ name, smallPerKb, largePerKb, ratio, largeUs });
  console.log(
    `  ${name.padEnd(nameWidth)}  ${fmt(smallPerKb).padStart(11)}  ${fmt(largePerKb).padStart(12)}  ${fmt(ratio, 2).padStart(6)}  ${fmt(largeUs / 1000, 1)} ms`,
  );
}
const worstRatio = results.reduce((w, r) => (r.ratio > w.ratio ? r : w));
const slowest = results.reduce((w, r) => (r.largePerKb > w.largePerKb ? r : w));
console.log(
  `  worst ratio:   ${worstRatio.name}: ${fmt(worstRatio.smallPerKb)} µs/KB at 1 KB, ${fmt(worstRatio.largePerKb)} µs/KB at 64 KB, ratio ${fmt(worstRatio.ratio, 2)}`,
);
console.log(
  `  slowest 64 KB: ${slowest.name}: ${fmt(slowest.largePerKb)} µs/KB, ${fmt(slowest.largeUs / 1000, 1)} ms per 64 KB message`,
);
console.log(
  `  linear: ${worstRatio.ratio <= 4 ? "yes" : "no"} (64 KB µs/KB <= 4x the 1 KB figure for every family)`,
);
