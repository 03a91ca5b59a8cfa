import tldList from "tlds/index.json" with { type: "json" };
import ar from "../lexicons/ar.json" with { type: "json" };
import bn from "../lexicons/bn.json" with { type: "json" };
import common from "../lexicons/common.json" with { type: "json" };
import de from "../lexicons/de.json" with { type: "json" };
import en from "../lexicons/en.json" with { type: "json" };
import es from "../lexicons/es.json" with { type: "json" };
import fr from "../lexicons/fr.json" with { type: "json" };
import hi from "../lexicons/hi.json" with { type: "json" };
import id from "../lexicons/id.json" with { type: "json" };
import it from "../lexicons/it.json" with { type: "json" };
import nonContact from "../lexicons/non_contact.json" with { type: "json" };
import pl from "../lexicons/pl.json" with { type: "json" };
import pt from "../lexicons/pt.json" with { type: "json" };
import ru from "../lexicons/ru.json" with { type: "json" };
import tl from "../lexicons/tl.json" with { type: "json" };
import tr from "../lexicons/tr.json" with { type: "json" };
import uk from "../lexicons/uk.json" with { type: "json" };
import ur from "../lexicons/ur.json" with { type: "json" };
import vi from "../lexicons/vi.json" with { type: "json" };
import { PhraseSet } from "./phrases.js";
import { baseView } from "./text/normalize.js";
import { phraseWords } from "./text/tokens.js";
import type { HandleKind } from "./types.js";

/** One language's data file (lexicons/README.md). */
export interface LanguageLexicon {
  lang: string;
  name: string;
  numbers: Record<string, number>;
  scales: Record<string, number>;
  joiners: string[];
  repeaters: Record<string, number>;
  symbols: { at: string[]; dot: string[]; underscore: string[]; dash: string[]; plus: string[] };
  /** "reported" (optional): reported speech that voids intents after it in its sentence ("someone asked me to ..."). */
  phrases: Record<Exclude<PhraseCategory, "reported" | "end_contract" | "outside_marker">, string[]> & {
    reported?: string[];
    end_contract?: string[];
    outside_marker?: string[];
  };
}

export type PhraseCategory =
  | "reported"
  | "end_contract"
  | "outside_marker"
  | "pay_outside"
  | "work_outside"
  | "ask_contact"
  | "move_channel"
  | "contact_context"
  | "payment_context"
  | "negation"
  | "platform_safe";

export interface ChannelEntry {
  names: string[];
  weak_names: string[];
  euphemisms: string[];
  hosts: string[];
}

export interface CommonLexicon {
  channels: Record<string, ChannelEntry>;
  artifact_hosts: string[];
  webmail_domains: string[];
  work_terms: string[];
  payment_methods: string[];
  weak_payment_methods: string[];
  emoji: Record<string, string>;
  file_extensions: string[];
  /** Words saying a detail is written backwards ("read it backwards"). */
  reversal_cues?: string[];
  /** Hosts whose pages are lists of someone's contacts (linktr.ee). */
  link_in_bio_hosts?: string[];
  /** Words for calling someone ("call", "llámame", "arayın"): a number offered for calls is also a phone handle. */
  call_words?: string[];
  /** Words that propose doing something together ("let's", "can we", "prefer"), any language. */
  proposal_words?: string[];
  /** Prepositions that put a channel as the place to talk ("on", "via", "pe", "sur", "в"). */
  channel_prepositions?: string[];
  /** Cities and countries -> ISO region ("lagos": "NG"): a place named in a message tells how to read its national numbers. */
  places?: Record<string, string>;
  /** Mail domains and TLDs written in another script ("جيميل" -> "gmail", "ком" -> "com"). */
  domain_words?: Record<string, string>;
  /** Words that ask whether the other party is on a channel ("have", "use"), in a question. */
  channel_question_words?: string[];
  /** Second-person possessives before a channel ("your", "ur", "tu", "votre") and after it (Tagalog "mo"): asking for it. */
  second_person_before?: string[];
  first_person_possessives?: string[];
  second_person_after?: string[];
}

export const LANGUAGES: readonly LanguageLexicon[] = [
  en,
  es,
  pt,
  fr,
  de,
  it,
  ru,
  uk,
  pl,
  tr,
  id,
  vi,
  ar,
  tl,
  hi,
  ur,
  bn,
] as LanguageLexicon[];

export const COMMON = common as CommonLexicon;

/** What a channel or payment word refers to; "email", "phone" and "bank" are channels without a handle kind of their own. */
export type ChannelKind = HandleKind | "bank";

export type SymbolKind = "@" | "." | "_" | "-" | "+";

/** Everything the extractors look up, compiled once from the data files. */
/** What an entry of the combined phrase index belongs to. */
export type IndexTag =
  | { group: "phrase"; category: PhraseCategory }
  | { group: "euphemism"; kind: ChannelKind }
  | { group: "work" }
  | { group: "method"; strength: "strong" | "weak" }
  | { group: "call" }
  | { group: "reversed" }
  | { group: "proposal" }
  | { group: "sample" }
  | { group: "place"; region: string };

export interface CompiledLexicon {
  /**
   * Every phrase list below in one index, so a message's words are looked up
   * once (the lists matched one by one cost a fifth of the scan).
   */
  index: PhraseSet<IndexTag>;
  numberWords: Map<string, number>;
  /** First word -> multi-word number entries ("quatre vingt" -> 80). */
  numberPhrases: Map<string, { words: string[]; value: number }[]>;
  scales: Map<string, number>;
  /** Every word the digit reader knows (numbers, first words of number phrases, scales, joiners, repeaters, "oh"). */
  digitVocabulary: Set<string>;
  joiners: Set<string>;
  repeaters: Map<string, number>;
  /** First word -> symbol-word entries, longest first ("at the rate" before "at"). */
  symbols: Map<string, { words: string[]; symbol: SymbolKind }[]>;
  /** Unambiguous channel names (also matched after leet folding). */
  channelNames: Map<string, ChannelKind>;
  weakChannelNames: Map<string, ChannelKind>;
  /** One look-up per word for the channel reader: the word's strong and weak channel, and whether it starts a split name. */
  channelWords: Map<string, { strong?: ChannelKind; weak?: ChannelKind; prefix?: true }>;
  hosts: Map<string, ChannelKind>;
  artifactHosts: Set<string>;
  webmailDomains: Set<string>;
  /** First labels of webmail domains ("gmail", "outlook"): a mailbox hinted at without its address. */
  webmailNames: Set<string>;
  emoji: Map<string, ChannelKind>;
  fileExtensions: Set<string>;
  tlds: Set<string>;
  linkInBioHosts: Set<string>;
  channelPrepositions: Set<string>;
  secondPersonBefore: Set<string>;
  domainWords: Map<string, string>;
  channelQuestionWords: Set<string>;
  /** "my", "mi", "мой", "mera", "amar": a possessive before a channel or phone word gives one's own detail. */
  firstPersonPossessives: Set<string>;
  secondPersonAfter: Set<string>;
  /**
   * Number words that are also everyday words in a supported language ("on" is ten in Turkish,
   * "hai" two in Vietnamese, "do" two in Hindi): they count only between two other digits.
   */
  ambiguousNumberWords: Set<string>;
}

function buildIndex(
  base: CommonLexicon,
  languages: readonly LanguageLexicon[],
  sampleWords: readonly string[],
): PhraseSet<IndexTag> {
  const index = new PhraseSet<IndexTag>();
  for (const lang of languages)
    for (const category of PHRASE_CATEGORIES) {
      const tag: IndexTag = { group: "phrase", category };
      for (const p of phrasesOf(lang, category)) index.add(tag, p);
    }
  for (const [kind, entry] of Object.entries(base.channels)) {
    const tag: IndexTag = { group: "euphemism", kind: kind as ChannelKind };
    for (const e of entry.euphemisms) index.add(tag, e);
  }
  const simple = (tag: IndexTag, list: readonly string[] | undefined): void => {
    for (const p of list ?? []) index.add(tag, p);
  };
  simple({ group: "work" }, base.work_terms);
  simple({ group: "method", strength: "strong" }, base.payment_methods);
  simple({ group: "method", strength: "weak" }, base.weak_payment_methods);
  simple({ group: "call" }, base.call_words);
  simple({ group: "reversed" }, base.reversal_cues);
  simple({ group: "proposal" }, base.proposal_words);
  simple({ group: "sample" }, sampleWords);
  for (const [place, region] of Object.entries(base.places ?? {}))
    index.add({ group: "place", region }, place);
  return index;
}

const PHRASE_CATEGORIES: readonly PhraseCategory[] = [
  "reported",
  "end_contract",
  "outside_marker",
  "pay_outside",
  "work_outside",
  "ask_contact",
  "move_channel",
  "contact_context",
  "payment_context",
  "negation",
  "platform_safe",
];

function phrasesOf(lang: LanguageLexicon, category: PhraseCategory): readonly string[] {
  if (category === "reported" || category === "end_contract" || category === "outside_marker")
    return lang.phrases[category] ?? [];
  return lang.phrases[category];
}

/** A lexicon word folded as message text is (lower case, diacritics off, "ı" -> "i"). */
export function fold(word: string): string {
  return baseView(word).text.trim();
}

export function compileLexicon(
  languages: readonly LanguageLexicon[],
  base: CommonLexicon,
  sampleWords: readonly string[] = nonContact.sample_words,
): CompiledLexicon {
  const numberWords = new Map<string, number>();
  const numberPhrases = new Map<string, { words: string[]; value: number }[]>();
  const scales = new Map<string, number>();
  const joiners = new Set<string>();
  const repeaters = new Map<string, number>();
  const symbols = new Map<string, { words: string[]; symbol: SymbolKind }[]>();

  const pushMulti = <T extends { words: string[] }>(map: Map<string, T[]>, entry: T): void => {
    const first = entry.words[0];
    if (first === undefined) return;
    const list = map.get(first) ?? [];
    list.push(entry);
    list.sort((a, b) => b.words.length - a.words.length);
    map.set(first, list);
  };

  for (const lang of languages) {
    for (const [word, value] of Object.entries(lang.numbers)) {
      const words = phraseWords(word);
      if (words.length === 1) numberWords.set(words[0] as string, value);
      else if (words.length > 1) pushMulti(numberPhrases, { words, value });
    }
    for (const [word, value] of Object.entries(lang.scales)) scales.set(fold(word), value);
    for (const word of lang.joiners) joiners.add(fold(word));
    for (const [word, value] of Object.entries(lang.repeaters)) repeaters.set(fold(word), value);
    const symbolLists: [SymbolKind, string[]][] = [
      ["@", lang.symbols.at],
      [".", lang.symbols.dot],
      ["_", lang.symbols.underscore],
      ["-", lang.symbols.dash],
      ["+", lang.symbols.plus],
    ];
    for (const [symbol, list] of symbolLists) {
      for (const entry of list) {
        const words = phraseWords(entry);
        if (words.length > 0 && words.every((w) => /[\p{L}\p{N}]/u.test(w)))
          pushMulti(symbols, { words, symbol });
      }
    }
  }

  const channelNames = new Map<string, ChannelKind>();
  const weakChannelNames = new Map<string, ChannelKind>();
  const hosts = new Map<string, ChannelKind>();
  for (const [kindName, entry] of Object.entries(base.channels)) {
    const kind = kindName as ChannelKind;
    for (const name of entry.names) {
      const words = phraseWords(name);
      // "whats app" is matched as two words joined ("whats" + "app" = "whatsapp"), so index the joined form.
      if (words.length > 0) channelNames.set(words.join(""), kind);
    }
    for (const name of entry.weak_names) {
      const words = phraseWords(name);
      if (words.length === 1) weakChannelNames.set(words[0] as string, kind);
    }
    for (const h of entry.hosts) hosts.set(h.toLowerCase(), kind);
  }
  const channelPrepositions = new Set((base.channel_prepositions ?? []).map(fold));
  // A number word is ambiguous when some language that does not count with it uses it as an everyday word
  // (in its phrases, symbol words or joiners), or when it is one or two letters long.
  const ambiguousNumberWords = new Set<string>();
  for (const lang of languages) {
    const own = new Set(Object.keys(lang.numbers).flatMap((w) => phraseWords(w)));
    const everyday = new Set<string>();
    for (const category of PHRASE_CATEGORIES)
      for (const p of phrasesOf(lang, category)) for (const w of phraseWords(p)) everyday.add(w);
    for (const list of Object.values(lang.symbols))
      for (const p of list) for (const w of phraseWords(p)) everyday.add(w);
    for (const w of lang.joiners) everyday.add(fold(w));
    for (const w of everyday) if (numberWords.has(w) && !own.has(w)) ambiguousNumberWords.add(w);
  }
  for (const w of numberWords.keys()) if (w.length <= 2) ambiguousNumberWords.add(w);
  const emoji = new Map<string, ChannelKind>();
  for (const [e, kind] of Object.entries(base.emoji))
    emoji.set(e.replace(/\uFE0F/g, ""), kind as ChannelKind);

  const channelNamePrefixes = new Set(
    [...channelNames.keys()].flatMap((n) =>
      Array.from({ length: Math.max(0, n.length - 2) }, (_, i) => n.slice(0, i + 2)),
    ),
  );
  const channelWords = new Map<string, { strong?: ChannelKind; weak?: ChannelKind; prefix?: true }>();
  const entryOf = (w: string): { strong?: ChannelKind; weak?: ChannelKind; prefix?: true } => {
    let e = channelWords.get(w);
    if (e === undefined) {
      e = {};
      channelWords.set(w, e);
    }
    return e;
  };
  for (const [w, kind] of channelNames) entryOf(w).strong = kind;
  for (const [w, kind] of weakChannelNames) entryOf(w).weak = kind;
  for (const w of channelNamePrefixes) entryOf(w).prefix = true;
  const digitVocabulary = new Set<string>([
    ...numberWords.keys(),
    ...numberPhrases.keys(),
    ...scales.keys(),
    ...joiners,
    ...repeaters.keys(),
    "oh",
    "o",
  ]);
  return {
    index: buildIndex(base, languages, sampleWords),
    digitVocabulary,
    numberWords,
    numberPhrases,
    scales,
    joiners,
    repeaters,
    symbols,
    channelNames,
    channelWords,
    weakChannelNames,
    hosts,
    artifactHosts: new Set(base.artifact_hosts.map((h) => h.toLowerCase())),
    webmailDomains: new Set(base.webmail_domains.map((h) => h.toLowerCase())),
    webmailNames: new Set(base.webmail_domains.map((h) => h.toLowerCase().split(".")[0] as string)),
    emoji,
    fileExtensions: new Set(base.file_extensions.map((e) => e.toLowerCase())),
    tlds: new Set(tldList.map((t) => t.toLowerCase())),
    channelPrepositions,
    firstPersonPossessives: new Set((base.first_person_possessives ?? []).map(fold)),
    domainWords: new Map(Object.entries(base.domain_words ?? {}).map(([k, v]) => [fold(k), v])),
    channelQuestionWords: new Set((base.channel_question_words ?? []).map(fold)),
    secondPersonBefore: new Set((base.second_person_before ?? []).map(fold)),
    secondPersonAfter: new Set((base.second_person_after ?? []).map(fold)),
    ambiguousNumberWords,
    linkInBioHosts: new Set((base.link_in_bio_hosts ?? []).map((h) => h.toLowerCase())),
  };
}

let compiled: CompiledLexicon | undefined;

/** The lexicon of all supported languages, compiled on first use. */
export function defaultLexicon(): CompiledLexicon {
  compiled ??= compileLexicon(LANGUAGES, COMMON);
  return compiled;
}
