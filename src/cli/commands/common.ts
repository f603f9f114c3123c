/**
 * Helpers shared by the commands of the `berth` CLI: the value
 * renderings Docker's image formatters use (stringid.TruncateID, the
 * formatter's Ellipsis, go-units' HumanDuration and HumanSizeWithPrecision
 * with Go's `%.Ng`, Go's Time.String and RFC 3339 in local time), query
 * strings with repeated keys (`names=a&names=b`, `changes=...`), `--filter`
 * values as Docker's FilterOpt reads them, the JSON message stream that load,
 * import and bootstrap answers with (jsonmessage's non-terminal display), Go's
 * wording of file errors, and reading a confirmation line from stdin.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../client/client.js';
import { CliError } from '../flags/index.js';
import type { CliContext } from '../context.js';
import { stdioOf } from './run/stream.js';
import { FormatError } from '../format/index.js';
import { formatFloat } from '../format/gofmt.js';
import { displayWidth } from '../format/tabwriter.js';
import { jsonString } from '../format/gojson.js';
import { compareStrings } from '../format/value.js';
import { formatRFC3339NanoFixed } from '../../lib/timetypes.js';

// ---- values as Docker's formatters print them -------------------------------

/** stringid.TruncateID: the hex part of an ID (after any `algo:`), cut to 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** Docker's formatter.Ellipsis: at most `max` terminal columns, the last one an ellipsis when cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  let width = 0;
  const ends: number[] = [];
  for (const ch of chars) {
    width += displayWidth(ch);
    ends.push(width);
  }
  if (width <= max) return s;
  let keep = 0;
  while (keep < ends.length && (ends[keep] ?? 0) <= max - 1) keep++;
  return chars.slice(0, keep).join('') + '…';
}

export { humanDuration } from '../../lib/units.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units' HumanSizeWithPrecision: decimal units, the number as Go's `%.<precision>g` (`1e+03kB` included). */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return formatFloat(size, 'g', precision) + (DECIMAL_UNITS[i] ?? '');
}

/** go-units' HumanSize (precision 4), as `Total reclaimed space:` and `.SharedSize` print it. */
export function goHumanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The local-time parts of a Unix time in seconds, and the zone's offset in minutes. */
function localParts(sec: number): { y: number; mo: number; d: number; h: number; mi: number; s: number; offset: number; date: Date } {
  const date = new Date(sec * 1000);
  const offset = -date.getTimezoneOffset();
  const l = new Date(sec * 1000 + offset * 60_000);
  return { y: l.getUTCFullYear(), mo: l.getUTCMonth() + 1, d: l.getUTCDate(), h: l.getUTCHours(), mi: l.getUTCMinutes(), s: l.getUTCSeconds(), offset, date };
}

function numericOffset(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

/** The zone abbreviation Go prints (`UTC`, `EST`); zones without one as tzdata names them (`+01`, `+0530`). */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(locale: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(locale);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' });
    zoneFormats.set(locale, f);
  }
  return f;
}

/** The local zone's abbreviation at `date` as Go prints it (`offset`: the zone's offset then, in minutes east of UTC). */
export function zoneName(date: Date, offset: number): string {
  try {
    const tz = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (/^(Etc\/)?(UTC|UCT|Universal|Zulu)$/.test(tz)) return 'UTC';
    // ICU knows a zone's abbreviation only in the locales that use it (CET in en-GB, IST in en-IN...).
    for (const locale of ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP']) {
      const name = zoneFormat(locale).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
      if (name !== undefined && /^[A-Z]{2,5}$/.test(name) && (name !== 'GMT' || offset === 0)) return name;
    }
  } catch {
    // No ICU zone data: numeric below.
  }
  if (offset === 0) return 'UTC';
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${sign}${pad(Math.floor(a / 60))}${a % 60 === 0 ? '' : pad(a % 60)}`;
}

/** Go's `time.Unix(sec, 0).String()` in the local zone: `2024-01-02 15:04:05 +0000 UTC`. */
export function goTimeString(sec: number): string {
  const p = localParts(sec);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)} ${numericOffset(p.offset, false)} ${zoneName(p.date, p.offset)}`;
}

/**
 * Go's `String()` of a time.Time that encoding/json decoded from RFC 3339
 * text (an API's `Created`): the wall time as written, nanoseconds without
 * trailing zeros, then the zone: `UTC` for `Z`; for an offset, the local
 * zone's name when it had that offset then, else the offset twice
 * (`+0100 +0100`, Go's unnamed fixed zone). Empty or unparsable text is Go's
 * zero time.
 */
export function goTimeStringOfRfc3339(text: string | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text ?? '');
  if (!m) return '0001-01-01 00:00:00 +0000 UTC';
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const nanos = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  const wall = `${y}-${mo}-${d} ${h}:${mi}:${s}${nanos ? '.' + nanos : ''}`;
  if (zone === 'Z' || zone === 'z') return `${wall} +0000 UTC`;
  const offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utcMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offset * 60_000;
  const date = new Date(utcMs);
  const numeric = numericOffset(offset, false);
  const name = -date.getTimezoneOffset() === offset ? zoneName(date, offset) : numeric;
  return `${wall} ${numeric} ${name}`;
}

/**
 * fvbommel/sortorder's NaturalLess as a comparator (docker sorts `network ls`
 * and `port` with it): digit runs compare as numbers (fewer leading zeros
 * first on a tie), everything else byte by byte, digits before other bytes.
 */
export function naturalCompare(a: string, b: string): number {
  if (naturalLess(a, b)) return -1;
  return naturalLess(b, a) ? 1 : 0;
}

function naturalLess(str1: string, str2: string): boolean {
  const s1 = Buffer.from(str1, 'utf8');
  const s2 = Buffer.from(str2, 'utf8');
  const digit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;
  let i1 = 0;
  let i2 = 0;
  while (i1 < s1.length && i2 < s2.length) {
    const c1 = s1[i1] as number;
    const c2 = s2[i2] as number;
    const d1 = digit(c1);
    const d2 = digit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i1++;
      i2++;
      continue;
    }
    while (i1 < s1.length && s1[i1] === 48) i1++;
    while (i2 < s2.length && s2[i2] === 48) i2++;
    const nz1 = i1;
    const nz2 = i2;
    while (digit(s1[i1])) i1++;
    while (digit(s2[i2])) i2++;
    if (i1 - nz1 !== i2 - nz2) return i1 - nz1 < i2 - nz2;
    const n1 = s1.subarray(nz1, i1).toString('latin1');
    const n2 = s2.subarray(nz2, i2).toString('latin1');
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  return s1.length < s2.length;
}

/** Go's `time.Unix(sec, 0).Format(time.RFC3339)` in the local zone: `2024-01-02T15:04:05Z` or `…+01:00`. */
export function rfc3339Local(sec: number): string {
  const p = localParts(sec);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${p.offset === 0 ? 'Z' : numericOffset(p.offset, true)}`;
}

// ---- requests -----------------------------------------------------------------

/** A path segment as Go's url package escapes it: `/ : @ + , ; = $ &` stay as they are. */
export function pathEscape(s: string): string {
  return encodeURIComponent(s).replace(/%(2F|3A|40|2B|2C|3B|3D|24|26)/gi, (m) => decodeURIComponent(m));
}

/** A path with a query string that may repeat keys (`names=a&names=b`); empty pairs are left out by the caller. */
export function withQuery(path: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return path;
  const p = new URLSearchParams();
  for (const [k, v] of pairs) p.append(k, v);
  return `${path}?${p.toString()}`;
}

/**
 * `--filter` values as Docker's FilterOpt reads them (filters.ParseFlag):
 * `key=value`, key trimmed and lower-cased, value trimmed. A value without `=`
 * is a flag error (exit 125) in pflag's words.
 */
export function addFilterFlags(
  into: Record<string, Record<string, boolean>>,
  values: readonly string[],
  flagLabel: string,
  commandPath: string,
): Record<string, Record<string, boolean>> {
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) {
      throw new CliError(`invalid argument "${v}" for "${flagLabel}" flag: bad format of filter (expected name=value)\nSee '${commandPath} --help'.`, 125);
    }
    const key = v.slice(0, eq).trim().toLowerCase();
    (into[key] ??= {})[v.slice(eq + 1).trim()] = true;
  }
  return into;
}

/** The filters as the API's `filters` query value (as Go's json.Marshal writes the map: keys sorted at both levels, HTML characters escaped), or undefined when there are none. */
export function filtersQuery(f: Record<string, Record<string, boolean>>): string | undefined {
  if (Object.keys(f).length === 0) return undefined;
  // Written by hand: a JS object would put integer-like keys first, Go does not.
  const outer = Object.keys(f)
    .sort(compareStrings)
    .map((k) => {
      const values = f[k] ?? {};
      const inner = Object.keys(values)
        .sort(compareStrings)
        .map((v) => `${jsonString(v, true)}:${values[v] === false ? 'false' : 'true'}`);
      return `${jsonString(k, true)}:{${inner.join(',')}}`;
    });
  return `{${outer.join(',')}}`;
}

/** An error as Docker's CLI prints it: daemon refusals prefixed with `Error response from daemon: `. */
/**
 * Runs `op` on each name one after the other, as docker's CLI does for rm,
 * restart, wait and update: each success prints the line `op` returns (null
 * prints nothing), failures are collected and returned as docker words them.
 */
export async function inTurn(names: readonly string[], op: (name: string) => Promise<string | null>, out: (s: string) => void): Promise<string[]> {
  const errs: string[] = [];
  for (const n of names) {
    try {
      const line = await op(n);
      if (line !== null) out(`${line}\n`);
    } catch (err) {
      errs.push(errorText(err));
    }
  }
  return errs;
}

/** Ends a command with docker's exit status 1 and the collected errors, when there are any. */
export function failIfAny(errs: readonly string[]): void {
  if (errs.length) throw new CliError(errs.join('\n'), 1);
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `Error response from daemon: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** A Node file-system error in Go's os.PathError words: `open x.tar: no such file or directory`. */
export function goPathError(op: string, path: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? ERRNO_TEXT[code] : undefined;
  return `${op} ${path}: ${text ?? (err instanceof Error ? err.message : String(err))}`;
}

// ---- JSON message streams (load, import, bootstrap) --------------------------

/** One message of a JSON progress stream (moby's jsonmessage.JSONMessage, wire names). */
export interface JsonMessage {
  stream?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  errorDetail?: { code?: number; message?: string };
  error?: string;
  aux?: unknown;
}

/**
 * The text jsonmessage.Display writes for one message on a non-terminal:
 * optional time, `id: `, `(from x) `, then the stream text as is, or the status
 * (with its progress text) and a newline. Progress bars print nothing, nor do
 * aux messages. A message carrying an error throws it (as a CliError, exit 1).
 */
export function renderJsonMessage(m: JsonMessage): string {
  if (m.errorDetail !== undefined || (m.error !== undefined && m.error !== '')) {
    throw new CliError(m.errorDetail?.message ?? m.error ?? '', 1);
  }
  if (m.aux !== undefined) return '';
  const pd = m.progressDetail;
  if (pd !== undefined && ((pd.current ?? 0) > 0 || (pd.total ?? 0) > 0)) return '';
  let s = '';
  if (m.timeNano !== undefined && m.timeNano !== 0) s += formatRFC3339NanoFixed(BigInt(Math.trunc(m.timeNano))) + ' ';
  else if (m.time !== undefined && m.time !== 0) s += formatRFC3339NanoFixed(BigInt(Math.trunc(m.time)) * 1_000_000_000n) + ' ';
  if (m.id) s += `${m.id}: `;
  if (m.from) s += `(from ${m.from}) `;
  if (m.progress) s += `${m.status ?? ''} ${m.progress}`;
  else if (m.stream) s += m.stream;
  else s += `${m.status ?? ''}\n`;
  return s;
}

/**
 * Splits a stream of concatenated JSON values (newline-separated or not, as
 * Go's json.Decoder reads them) into the text of each top-level value.
 */
export class JsonValueSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private pos = 0;

  /** Feeds text; returns the values completed by it. */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    for (; this.pos < this.buf.length; this.pos++) {
      const c = this.buf[this.pos];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') {
        this.inString = true;
        if (this.start < 0) this.start = this.pos;
      } else if (c === '{' || c === '[') {
        if (this.start < 0) this.start = this.pos;
        this.depth++;
      } else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push(this.buf.slice(this.start, this.pos + 1));
          this.start = -1;
        }
      } else if (this.start < 0 && !/\s/.test(c ?? '')) {
        this.start = this.pos;
      } else if (this.depth === 0 && this.start >= 0 && /\s/.test(c ?? '')) {
        out.push(this.buf.slice(this.start, this.pos));
        this.start = -1;
      }
    }
    // Drop what was consumed.
    const keepFrom = this.start >= 0 ? this.start : this.buf.length;
    this.buf = this.buf.slice(keepFrom);
    this.pos -= keepFrom;
    if (this.start >= 0) this.start = 0;
    return out;
  }

  /** What is left when the stream ends (a trailing scalar, or a truncated value). */
  end(): string | undefined {
    const rest = this.buf.trim();
    this.buf = '';
    return rest === '' ? undefined : rest;
  }
}

/**
 * Prints a JSON message stream as `docker load`/`import` do
 * (jsonmessage.DisplayJSONMessagesStream on a non-terminal). Throws a
 * CliError (exit 1) with the message of the first error message.
 */
export async function displayJsonMessages(res: AsyncIterable<Buffer | string>, out: (s: string) => void): Promise<void> {
  const splitter = new JsonValueSplitter();
  const decoder = new TextDecoder();
  const handle = (text: string): void => {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch (err) {
      throw new CliError((err as Error).message, 1);
    }
    if (m === null || typeof m !== 'object') return;
    const s = renderJsonMessage(m as JsonMessage);
    if (s !== '') out(s);
  };
  for await (const chunk of res) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const v of splitter.push(text)) handle(v);
  }
  const tail = splitter.end();
  if (tail !== undefined) handle(tail);
}

/** Whether a response carries JSON (`Content-Type: application/json`). */
export function isJsonResponse(res: IncomingMessage): boolean {
  return String(res.headers['content-type'] ?? '').split(';')[0]?.trim() === 'application/json';
}

// ---- stdin --------------------------------------------------------------------

/**
 * Reads one line from a stream (the answer to a prompt), without consuming
 * more of it than needed; resolves with '' at end of input.
 */
export function readLine(input: NodeJS.ReadableStream & { pause?: () => unknown; unref?: () => unknown }): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (line: string): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause?.();
      resolve(line);
    };
    const onData = (chunk: Buffer | string): void => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) finish(text.slice(0, nl));
    };
    const onEnd = (): void => finish(text);
    const onError = (err: Error): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      reject(err);
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}

/** Docker's prompt.Confirm answer check: the trimmed line is `y` or `Y`. */
export function isYes(line: string): boolean {
  return line.trim().toLowerCase() === 'y';
}

/** Docker's confirmation: prints `prompt`, reads one line from the command's standard input, true for `y`. */
export async function confirm(ctx: CliContext, prompt: string): Promise<boolean> {
  ctx.out(prompt);
  return isYes(await readLine(stdioOf(ctx).stdin));
}

/** Runs a template formatter; its template errors become the CLI's, with docker's exit status. */
export function withFormat<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FormatError) throw new CliError(err.message, err.status);
    throw err;
  }
}
