import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Webhook URLs must not reach inside the network the server runs in (SSRF):
 * an endpoint's host may not be, or resolve to, a loopback, private,
 * link-local (cloud metadata at 169.254.169.254), shared, multicast or
 * reserved address. LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1 lifts this for
 * receivers on a private network, and for tests whose receiver is on loopback.
 * The check runs when an endpoint is added and again before every send (a
 * name may resolve elsewhere later); a name that changes between that check
 * and the connection (DNS rebinding within one send) is not caught.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return blocked.check(mapped[1], "ipv4");
    return blocked.check(address, "ipv6");
  }
  return blocked.check(address, "ipv4");
}

/** Null when `url` may be sent to, else why not. */
export async function webhookTargetRefusal(url: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return `"${url}" is not a URL`;
  }
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `the host ${host} does not resolve`;
  }
  const inside = addresses.find(isPrivateAddress);
  return inside === undefined
    ? null
    : `the host ${host} is a private, loopback or link-local address (${inside}); webhooks go to public receivers (LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1 lifts this)`;
}
