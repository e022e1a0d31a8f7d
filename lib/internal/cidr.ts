import { propError } from './errors';

/** An IPv4 or IPv6 address as a bigint with its bit width, or undefined when it is not one. */
function parseAddress(text: string): { value: bigint; bits: 32 | 128 } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    // Leading zeros are refused by the API server (net.ParseIP since Go 1.17): '010.0.0.1' is ambiguous.
    if (parts.some((p) => p > 255) || text.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (!/^[0-9a-f:]+$/i.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return { value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), bits: 128 };
}

/** A CIDR block: its base address, prefix length and width; undefined when the text is not one. */
export function parseCidr(text: unknown): { value: bigint; prefix: number; bits: 32 | 128 } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const addr = parseAddress(m[1]);
  const prefix = Number(m[2]);
  if (!addr || prefix > addr.bits || (m[2].length > 1 && m[2].startsWith('0'))) return undefined;
  return { value: addr.value, prefix, bits: addr.bits };
}

/** Whether block `inner` lies inside block `outer` (same family, longer or equal prefix, same leading bits). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || o.bits !== i.bits || i.prefix < o.prefix) return false;
  const shift = BigInt(o.bits - o.prefix);
  return o.value >> shift === i.value >> shift;
}

/**
 * A CIDR such as '10.0.0.0/8' or 'fd00::/8' (NetworkPolicy ipBlock.cidr); with `within`, an
 * `except` entry, which the API server requires to lie inside its cidr.
 */
export function checkCidr(path: string, prop: string, value: string, within?: string): void {
  if (!parseCidr(value)) throw propError(path, prop, "must be a CIDR block such as '10.0.0.0/8' or 'fd00::/8'", value);
  if (within !== undefined && !cidrContains(within, value)) {
    throw propError(path, prop, `must lie inside ${within} (an except block is a part of its cidr)`, value);
  }
}
