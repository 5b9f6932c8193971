import { BlockList, isIP } from 'node:net';

/** Parses `10.0.0.0/8`, `::1/128` or a bare address. Returns null when malformed. */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = value.split('/');
  if (extra !== undefined) return null;
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function isCidr(value: string): boolean {
  return parseCidr(value) !== null;
}

/** Strips the IPv4-mapped IPv6 prefix Node reports on dual-stack sockets. */
export function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** A compiled CIDR list; `has()` is what the hot path calls. */
export class NetworkList {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
  }

  has(ip: string): boolean {
    const address = normalizeIp(ip);
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
