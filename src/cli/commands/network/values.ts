/**
 * The Go value rules the network commands of docker's CLI apply to what is
 * typed, reproduced so that berth accepts, rewrites and refuses the same
 * input: pflag's `strings` flags (each value one encoding/csv record), the
 * opts package's MapOpts (`k=v`, later keys win), ValidateLabel and
 * ValidateLink, and Go's net.ParseIP / net.ParseCIDR / IPNet.Contains with
 * their 16-byte addresses (an IPv4 address is `::ffff:a.b.c.d`, and an
 * IPv4-mapped network matches IPv4 addresses), which decide how `network
 * create` pairs gateways, ranges and aux addresses with subnets.
 */
import { tryParseIP } from '../../../engine/network/ip.js';
import { compareStrings } from '../../format/value.js';

// ---- pflag `strings` (encoding/csv, one record) ------------------------------------------------

/**
 * pflag's stringSlice Set: '' is no value at all; otherwise the value is one
 * CSV record (commas split, double quotes group, `""` is a quote). Throws an
 * Error with encoding/csv's message (`parse error on line 1, column 3: bare "
 * in non-quoted-field`).
 */
export function readAsCsv(val: string): string[] {
  if (val === '') return [];
  // encoding/csv works on bytes: columns are byte positions (1-based).
  const s = Buffer.from(val, 'utf8');
  const text = (from: number, to: number): string => s.subarray(from, to).toString('utf8');
  const QUOTE = 0x22;
  const COMMA = 0x2c;
  const NL = 0x0a;
  const fail = (col: number, what: string): never => {
    throw new Error(`parse error on line 1, column ${col}: ${what}`);
  };
  // One record ends at the first newline outside quotes; `\r\n` counts as `\n`.
  const fields: string[] = [];
  let pos = 0;
  const lineEnd = (from: number): number => {
    const i = s.indexOf(NL, from);
    return i < 0 ? s.length : i;
  };
  for (;;) {
    if (pos >= s.length || s[pos] !== QUOTE) {
      const end = lineEnd(pos);
      let stop = s.indexOf(COMMA, pos);
      if (stop < 0 || stop > end) stop = -1;
      let fieldEnd = stop >= 0 ? stop : end;
      if (stop < 0 && fieldEnd > pos && s[fieldEnd - 1] === 0x0d && fieldEnd < s.length) fieldEnd--;
      const q = s.subarray(pos, fieldEnd).indexOf(QUOTE);
      if (q >= 0) fail(pos + q + 1, 'bare " in non-quoted-field');
      fields.push(text(pos, fieldEnd));
      if (stop < 0) return fields;
      pos = stop + 1;
      continue;
    }
    // Quoted field.
    let value = '';
    pos++;
    for (;;) {
      const q = s.indexOf(QUOTE, pos);
      if (q < 0) {
        // No closing quote: Go reads on to the end of input and refuses it.
        fail(s.length + 1, 'extraneous or missing " in quoted-field');
      }
      value += text(pos, q);
      pos = q + 1;
      const next = s[pos];
      if (next === QUOTE) {
        value += '"';
        pos++;
      } else if (next === COMMA) {
        fields.push(value);
        pos++;
        break;
      } else if (next === undefined || next === NL || (next === 0x0d && s[pos + 1] === NL)) {
        fields.push(value);
        return fields;
      } else {
        fail(pos, 'extraneous or missing " in quoted-field');
      }
    }
  }
}

// ---- opts package ---------------------------------------------------------------------------------

/** MapOpts.Set without a validator: `k=v` (or `k` for an empty value) into `into`; a later key wins. */
export function setMapOpt(into: Map<string, string>, value: string): void {
  const eq = value.indexOf('=');
  if (eq < 0) into.set(value, '');
  else into.set(value.slice(0, eq), value.slice(eq + 1));
}

/** A Go map as encoding/json writes it: keys sorted (byte order of their UTF-8, i.e. code points). */
export function sortedRecord(m: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort(compareStrings)) out[k] = m.get(k) ?? '';
  return out;
}

/** opts.ValidateLabel: the key (before `=`, leading spaces and tabs dropped) must be non-empty and free of spaces and tabs; returns the message or undefined. */
export function labelError(value: string): string | undefined {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') return `invalid label '${value}': empty name`;
  if (/[ \t]/.test(key)) return `label '${key}' contains whitespaces`;
  return undefined;
}

/** opts.ValidateLink (ParseLink): `name` or `name:alias`; returns the message or undefined. */
export function linkError(value: string): string | undefined {
  if (value === '') return 'empty string specified for links';
  if (value.split(':').length > 2) return `bad format for links: ${value}`;
  return undefined;
}

// ---- Go's net package ------------------------------------------------------------------------------

const V4_MAPPED = 0xffffn << 32n;
const ALL32 = 0xffffffffn;
const ALL128 = (1n << 128n) - 1n;

/** net.ParseIP: the address as Go's 16-byte value (IPv4 as `::ffff:a.b.c.d`), or undefined (Go's nil). */
export function goParseIP(s: string): bigint | undefined {
  const a = tryParseIP(s);
  if (a === undefined) return undefined;
  return a.family === 4 ? V4_MAPPED | a.value : a.value;
}

/** A network as IPNet.Contains sees it (networkNumberAndMask): 4- or 16-byte number and mask. */
export interface GoIPNet {
  readonly len: 4 | 16;
  readonly ip: bigint;
  readonly mask: bigint;
}

const BIG = 0xffffff;

/** Go's dtoi: leading decimal digits (zeros allowed); undefined unless the whole text is digits. */
function dtoi(s: string): number | undefined {
  let n = 0;
  let i = 0;
  for (; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) {
    n = n * 10 + (s.charCodeAt(i) - 48);
    if (n >= BIG) return undefined;
  }
  if (i === 0 || i !== s.length) return undefined;
  return n;
}

/** net.ParseCIDR: the address as written and the network; throws `invalid CIDR address: s`. */
export function goParseCIDR(s: string): { ip: bigint; net: GoIPNet } {
  const slash = s.indexOf('/');
  const bad = (): never => {
    throw new Error(`invalid CIDR address: ${s}`);
  };
  if (slash < 0) bad();
  const a = tryParseIP(s.slice(0, slash));
  if (a === undefined) return bad();
  const width = a.family === 4 ? 32 : 128;
  const ones = dtoi(s.slice(slash + 1));
  if (ones === undefined || ones > width) return bad();
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - ones)) - 1n);
  const ip16 = a.family === 4 ? V4_MAPPED | a.value : a.value;
  if (a.family === 4) return { ip: ip16, net: { len: 4, ip: a.value & mask, mask } };
  const masked = a.value & mask;
  // An IPv4-mapped network number counts as IPv4, with the low 4 bytes of the mask.
  if (masked >> 32n === 0xffffn) return { ip: ip16, net: { len: 4, ip: masked & ALL32, mask: mask & ALL32 } };
  return { ip: ip16, net: { len: 16, ip: masked, mask: mask & ALL128 } };
}

/** IPNet.Contains for a 16-byte address (undefined = nil, never contained). */
export function goContains(net: GoIPNet, ip: bigint | undefined): boolean {
  if (ip === undefined) return false;
  const is4 = ip >> 32n === 0xffffn;
  const x = is4 ? ip & ALL32 : ip;
  if ((is4 ? 4 : 16) !== net.len) return false;
  return (x & net.mask) === (net.ip & net.mask);
}

// ---- the API client's checks ------------------------------------------------------------------------

const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM_RE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

/** Go's strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  return s.replace(TRIM_RE, '');
}

/** The API client's trimID: the reference without surrounding spaces; throws `invalid network name or ID: value is empty`. */
export function trimId(kind: 'network' | 'container', id: string): string {
  const t = goTrimSpace(id);
  if (t === '') throw new Error(`invalid ${kind} name or ID: value is empty`);
  return t;
}
