import type { Analysis } from "../analyze.js";
import type { ChannelKind } from "../lexicon.js";

export interface LinkCandidate {
  /** Offsets into Analysis.view.text. */
  start: number;
  end: number;
  host: string;
  path: string;
  /** What the link is: a contact or payment channel, a work artifact (A1), or a personal page. */
  category: "channel" | "artifact" | "personal" | "plain";
  kind: ChannelKind | "url";
  value: string;
}

// Linear: the host's classes exclude "." so each label's run ends at a dot; the path is one bounded class.
const LINK = /(?:https?:\/\/)?((?:[a-z0-9](?:[a-z0-9-]{0,62})\.){1,6}[a-z]{2,24})(\/[^\s<>"'`)\]]{0,300})?/g;

const HOST_HINT = /[a-z0-9]\.[a-z]/;

/** Where a user name sits in a channel's links. */
const USER_PATHS: readonly [RegExp, ChannelKind][] = [
  [/^wa\.me\/\+?(\d{6,15})/, "whatsapp"],
  [/^(?:api|chat)\.whatsapp\.com\/send\/?\?phone=\+?(\d{6,15})/, "whatsapp"],
  [/^(?:t|telegram)\.me\/([a-z0-9_]{3,32})/, "telegram"],
  [/^paypal\.me\/([a-z0-9._-]{2,40})/, "paypal"],
  [/^paypal\.com\/paypalme\/([a-z0-9._-]{2,40})/, "paypal"],
  [/^linkedin\.com\/in\/([a-z0-9_-]{2,100})/, "linkedin"],
  [/^line\.me\/ti\/p\/~?([a-z0-9._-]{2,40})/, "line"],
  [/^instagram\.com\/([a-z0-9._]{2,30})/, "instagram"],
  [/^(?:facebook|fb)\.com\/([a-z0-9.]{2,50})/, "facebook"],
  [/^m\.me\/([a-z0-9.]{2,50})/, "facebook"],
  [/^(?:twitter|x)\.com\/([a-z0-9_]{2,15})/, "twitter"],
  [/^cash\.(?:app|me)\/\$?([a-z0-9_]{1,20})/, "cashapp"],
  [/^venmo\.com\/(?:u\/)?([a-z0-9_-]{2,30})/, "venmo"],
  [/^snapchat\.com\/add\/([a-z0-9._-]{2,30})/, "snapchat"],
  [/^signal\.me\/#p\/\+?(\d{6,15})/, "signal"],
];

export function findLinks(a: Analysis): LinkCandidate[] {
  const text = a.view.text;
  // A host has a dot followed by a letter ("x.com", "wa.me"); a sentence's full stop is followed by a space.
  if (!HOST_HINT.test(text)) return [];
  const out: LinkCandidate[] = [];
  LINK.lastIndex = 0;
  for (let m = LINK.exec(text); m !== null; m = LINK.exec(text)) {
    const start = m.index;
    const before = start > 0 ? text[start - 1] : " ";
    // Part of an email address or of a longer word.
    if (before === "@" || (before !== undefined && /[a-z0-9_.-]/.test(before))) continue;
    const hostRaw = m[1] as string;
    const host = hostRaw.startsWith("www.") ? hostRaw.slice(4) : hostRaw;
    let path = (m[2] ?? "").replace(/[.,;:!?]+$/, "");
    const end = start + m[0].length - ((m[2] ?? "").length - path.length);
    if (path === "/") path = "";
    const hasScheme = m[0].startsWith("http");
    const labels = host.split(".");
    const tld = labels.at(-1) as string;
    if (!a.lexicon.tlds.has(tld)) continue;
    // File names that end in a real TLD: README.md, deploy.sh, clip.mov.
    if (!hasScheme && labels.length === 2 && a.lexicon.fileExtensions.has(tld) && path === "") continue;
    const full = `${host}${path}`;
    const lower = full.toLowerCase();
    const channel = channelOf(a, host, lower);
    if (channel !== null) {
      out.push({ start, end, host, path, category: "channel", kind: channel.kind, value: channel.value });
      continue;
    }
    if (isArtifact(a, host)) {
      out.push({ start, end, host, path, category: "artifact", kind: "url", value: lower });
      continue;
    }
    out.push({
      start,
      end,
      host,
      path,
      category: path === "" ? "plain" : "personal",
      kind: "url",
      value: lower,
    });
  }
  return out;
}

function channelOf(
  a: Analysis,
  host: string,
  full: string,
): { kind: ChannelKind | "url"; value: string } | null {
  for (const [re, kind] of USER_PATHS) {
    const m = re.exec(full);
    if (m !== null) return { kind, value: (m[1] as string).toLowerCase() };
  }
  // Other channel hosts (discord.gg/..., kik.me/...): the link itself is the handle; a bare
  // host ("a wa.me link per branch") names the channel and points at no one.
  if (!full.includes("/")) return null;
  const kind = a.lexicon.hosts.get(host) ?? hostPrefixKind(a, full);
  if (kind !== undefined) return { kind: "url", value: full };
  return null;
}

function hostPrefixKind(a: Analysis, full: string): ChannelKind | undefined {
  for (const [h, kind] of a.lexicon.hosts) if (h.includes("/") && full.startsWith(h)) return kind;
  return undefined;
}

function isArtifact(a: Analysis, host: string): boolean {
  return hostIn(a.lexicon.artifactHosts, host);
}

/** Whether a host or one of its parent domains is in the set ("docs.mycorp.dev" is in { "mycorp.dev" }). */
export function hostIn(hosts: ReadonlySet<string>, host: string): boolean {
  if (hosts.size === 0) return false;
  const labels = host.split(".");
  for (let i = 0; i < labels.length - 1; i++) if (hosts.has(labels.slice(i).join("."))) return true;
  return false;
}
