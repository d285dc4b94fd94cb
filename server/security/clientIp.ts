import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The client's address as per-IP limits count it: the socket's peer, or the address a trusted
 * proxy (loopback by default: a reverse proxy on the same host) put in X-Forwarded-For. An
 * IPv6 address stands for its /64 (one subscriber holds a whole /64, so a bucket per address
 * would be a bucket per guess); an IPv4-mapped IPv6 address is its IPv4 address.
 */
export function createClientIp(trust: string[]) {
  const trusted = proxyaddr.compile(trust);
  return (req: IncomingMessage): string => {
    let address: string;
    try {
      address = proxyaddr(req as Parameters<typeof proxyaddr>[0], trusted);
    } catch {
      address = req.socket.remoteAddress ?? 'unknown';
    }
    return limitKeyOfAddress(address);
  };
}

export type ClientIp = ReturnType<typeof createClientIp>;

/** `2001:db8:1:2::5` → `2001:db8:1:2::/64`; `::ffff:192.0.2.1` → `192.0.2.1`; IPv4 as is. */
export function limitKeyOfAddress(address: string): string {
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::`, a zone and a dotted IPv4 tail allowed). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((octet) => octet > 255)) return undefined;
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? zeros : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? undefined : groups;
}
