import { lookup as lookupOnce } from "node:dns";
import { lookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Webhook URLs must not reach inside the network the server runs in (SSRF):
 * an endpoint's host may not be, or resolve to, a loopback, private,
 * link-local (cloud metadata at 169.254.169.254), shared, multicast or
 * reserved address. LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1 lifts this for
 * receivers on a private network, and for tests whose receiver is on loopback.
 * The check runs when an endpoint is added and again before every send (a
 * name may resolve elsewhere later), and the connection itself resolves the
 * name through `publicAddressLookup`, so what it connects to is what was
 * checked: a name answering a public address to the check and a private one
 * to the connection a moment later (DNS rebinding) is refused there.
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

/** Why a connection was refused by publicAddressLookup (the error's `code`). */
export const PRIVATE_ADDRESS_REFUSED = "ERR_LEAKGUARD_PRIVATE_ADDRESS";

/**
 * The lookup a webhook's connection makes (`lookup` of http.request, passed on
 * to net.connect): the name is resolved once, every address it resolves to is
 * checked, and the connection goes to an address that was checked. A name with
 * any internal address is refused, as webhookTargetRefusal refuses it. An IP
 * literal is never looked up; webhookTargetRefusal checks those.
 */
export const publicAddressLookup: LookupFunction = (hostname, options, callback) => {
  lookupOnce(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, "", 0);
    const inside = addresses.find((a) => isPrivateAddress(a.address));
    const first = addresses[0];
    if (inside !== undefined || first === undefined)
      return callback(
        Object.assign(
          new Error(
            inside === undefined
              ? `the host ${hostname} resolved to no address`
              : `the host ${hostname} resolved to a private, loopback or link-local address (${inside.address}) when connecting; webhooks go to public receivers (LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1 lifts this)`,
          ),
          { code: PRIVATE_ADDRESS_REFUSED },
        ),
        "",
        0,
      );
    // net.connect asks for every address when it tries the families in turn (autoSelectFamily), one otherwise.
    if (options.all === true) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
};
