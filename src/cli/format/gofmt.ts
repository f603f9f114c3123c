/**
 * Go's fmt and the parts of strconv it rests on, for the value model of
 * value.ts: Sprint, Sprintln and Sprintf (the template builtins print, println
 * and printf, and the printing of action values), with Go's verbs, flags,
 * width/precision/argument indexes and its `%!verb(type=value)` error forms;
 * strconv.Quote and FormatFloat with Go's rounding (exact, half to even).
 *
 * One deliberate leniency: Go's fmt rejects float verbs (%f %e %g) for
 * integers; here an integral number may be data that Go would hold as a
 * float64, so those verbs format it as a float.
 */

import {
  isIntNumber,
  kindOf,
  mapEntries,
  runeCount,
  structFields,
  structTypeName,
  toBigInt,
  typeName,
} from './value.js';

// ---------------------------------------------------------------------------
// strconv

const PRINT_RE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINT_RE.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function appendEscapedRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCharCode(r);
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote (or QuoteToASCII). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      out += s[i];
      continue;
    }
    const r = s.codePointAt(i) ?? c;
    if (r > 0xffff) i++;
    out += appendEscapedRune(r, 0x22, asciiOnly);
  }
  return out + '"';
}

/** strconv.QuoteRune (or QuoteRuneToASCII). */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) || r < 0) r = 0xfffd;
  return "'" + appendEscapedRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (r === 0xfeff) return false;
    if ((r < 0x20 && r !== 9) || r === 0x60 || r === 0x7f) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
  }
  return true;
}

interface Digits {
  /** Decimal digits without leading or trailing zeros ('' for zero). */
  d: string;
  /** Decimal point position: the value is 0.d × 10^dp. */
  dp: number;
}

const F64 = new DataView(new ArrayBuffer(8));

/** Mantissa and binary exponent of a finite double: |v| = mant × 2^exp. */
function decompose(v: number): { mant: bigint; exp: number } {
  F64.setFloat64(0, v);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  let e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) e = 1;
  else mant |= 1n << 52n;
  return { mant, exp: e - 1075 };
}

/** The exact decimal expansion of a finite non-negative double. */
function exactDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  const { mant, exp } = decompose(v);
  let d: string;
  let dp: number;
  if (exp >= 0) {
    d = (mant << BigInt(exp)).toString();
    dp = d.length;
  } else {
    d = (mant * 5n ** BigInt(-exp)).toString();
    dp = d.length + exp;
  }
  return { d: d.replace(/0+$/, ''), dp };
}

/** Shortest digits that read back to v (what Go's shortest formatting uses). */
function shortestDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  const s = v.toExponential();
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('.', '');
  return { d: mant.replace(/0+$/, ''), dp: Number(s.slice(e + 1)) + 1 };
}

/** Rounds to nd digits, half to even (strconv's decimal.Round). */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd >= x.d.length) return x;
  if (nd < 0) return { d: '', dp: x.dp };
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === x.d.length) {
    up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = next >= 5;
  }
  if (!up) return { d: x.d.slice(0, nd).replace(/0+$/, ''), dp: x.dp };
  let i = nd - 1;
  while (i >= 0 && x.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return { d: x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1), dp: x.dp };
}

function fmtE(neg: boolean, x: Digits, prec: number, upper: boolean): string {
  let s = neg ? '-' : '';
  s += x.d.length > 0 ? x.d[0] : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < x.d.length ? x.d[i] : '0';
  }
  return s + (upper ? 'E' : 'e') + expDigits(x.d.length === 0 ? 0 : x.dp - 1);
}

/** A signed exponent of at least two digits, as strconv writes it: `+05`, `-12`. */
function expDigits(exp: number): string {
  return (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) {
    s += x.d.slice(0, x.dp);
    for (let i = x.d.length; i < x.dp; i++) s += '0';
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

function fmtB(neg: boolean, v: number): string {
  const { mant, exp } = decompose(v);
  return (neg ? '-' : '') + mant.toString() + 'p' + (exp >= 0 ? '+' : '') + exp;
}

function fmtX(neg: boolean, v: number, prec: number, upper: boolean): string {
  let { mant, exp } = decompose(v);
  exp += 52;
  if (mant === 0n) exp = 0;
  mant <<= 8n; // leading bit at 1<<60
  const top = 1n << 60n;
  while (mant !== 0n && (mant & top) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    const half = 1n << 59n;
    if ((extra | (mant & 1n)) > half) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let s = (neg ? '-' : '') + '0' + (upper ? 'X' : 'x') + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  const mask = (1n << 64n) - 1n;
  if (prec < 0 && mant !== 0n) {
    s += '.';
    while (mant !== 0n) {
      s += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask;
    }
  } else if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      s += digits[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask;
    }
  }
  return s + (upper ? 'P' : 'p') + expDigits(exp);
}

/** strconv.FormatFloat(v, fmt, prec, 64). prec < 0 means the shortest representation. */
export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (fmt === 'b') return fmtB(neg, a);
  if (fmt === 'x' || fmt === 'X') return fmtX(neg, a, prec, fmt === 'X');
  const lower = fmt.toLowerCase();
  const upper = fmt !== lower;
  const shortest = prec < 0;
  let x: Digits;
  if (shortest) {
    x = shortestDigits(a);
    if (lower === 'e') prec = Math.max(x.d.length - 1, 0);
    else if (lower === 'f') prec = Math.max(x.d.length - x.dp, 0);
    else prec = x.d.length;
  } else {
    x = exactDigits(a);
    if (lower === 'e') x = roundDigits(x, prec + 1);
    else if (lower === 'f') x = roundDigits(x, x.dp + prec);
    else {
      if (prec === 0) prec = 1;
      x = roundDigits(x, prec);
    }
  }
  if (lower === 'e') return fmtE(neg, x, prec, upper);
  if (lower === 'f') return fmtF(neg, x, prec);
  // %g
  let eprec = prec;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (x.d.length > 0 && (exp < -4 || exp >= eprec)) {
    if (prec > x.d.length) prec = x.d.length;
    return fmtE(neg, x, prec - 1, upper);
  }
  if (prec > x.dp) prec = x.d.length;
  return fmtF(neg, x, Math.max(prec - x.dp, 0));
}

/** Go's default (%v) text of an integer value. */
export function formatInt(v: number | bigint): string {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return Object.is(v, -0) ? '0' : String(v);
    return BigInt(v).toString();
  }
  return v.toString();
}

// ---------------------------------------------------------------------------
// time.Time.String() for Date values

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** A Date's UTC date and time as Go writes them, `sep` between the two, fraction without trailing zeros. */
export function goUtcDateTime(d: Date, sep: string): string {
  let s = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}${sep}${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  if (ms !== 0) s += '.' + String(ms).padStart(3, '0').replace(/0+$/, '');
  return s;
}

/** Go's time.Time.String() of a Date, in UTC. */
export function formatTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return '0001-01-01 00:00:00 +0000 UTC';
  return goUtcDateTime(d, ' ') + ' +0000 UTC';
}

// ---------------------------------------------------------------------------
// Printer

const NIL_ANGLE = '<nil>';

/** The text a value gives through a String() method, an Error or a Date (Go's Stringer/error), if any. */
function methodString(v: object): string | undefined {
  if (v instanceof Date) return formatTime(v);
  if (v instanceof Error) return v.message;
  if (Array.isArray(v)) return undefined;
  const s = (v as { String?: unknown }).String;
  if (typeof s === 'function' && s.length === 0) {
    const r: unknown = s.call(v);
    return typeof r === 'string' ? r : String(r);
  }
  return undefined;
}

/** %T text. */
export function fmtTypeString(v: unknown): string {
  if (v === undefined || v === null) return NIL_ANGLE;
  return typeName(v);
}

class Printer {
  buf = '';
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.widPresent = this.precPresent = false;
    this.wid = this.prec = 0;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      if (width > 0) this.buf += ' '.repeat(width);
    }
  }

  badVerb(verb: string, v: unknown): void {
    this.buf += '%!' + verb + '(';
    if (v === undefined || v === null) {
      this.buf += NIL_ANGLE;
    } else {
      this.buf += typeName(v) + '=';
      this.printValue(v, 'v', 0);
    }
    this.buf += ')';
  }

  fmtBoolean(b: boolean): void {
    this.pad(b ? 'true' : 'false');
  }

  fmtInteger(v: bigint, base: number, verb: string, upper: boolean): void {
    const negative = v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8) {
        if (digits[0] !== '0') digits = '0' + digits;
      } else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = oldZero;
  }

  fmtUnicode(v: bigint): void {
    let s = v.toString(16).toUpperCase();
    const prec = this.precPresent && this.prec > 4 ? this.prec : 4;
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    s = 'U+' + s;
    if (this.sharp && v >= 0n && v <= 0x10ffffn && isPrint(Number(v))) s += " '" + String.fromCodePoint(Number(v)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtC(v: bigint): void {
    let r = v < 0n || v > 0x10ffffn ? 0xfffd : Number(v);
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    this.pad(String.fromCodePoint(r));
  }

  fmtQc(v: bigint): void {
    const r = v < 0n || v > 0x10ffffn ? 0xfffd : Number(v);
    this.pad(quoteRune(r, this.plus));
  }

  fmtFloat(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    const num = formatFloat(v, verb, prec);
    let sign = '+';
    let body = num;
    if (num[0] === '-' || num[0] === '+') {
      sign = num[0];
      body = num.slice(1);
    }
    if (this.space && sign === '+' && !this.plus) sign = ' ';
    if (body === 'Inf' || body === 'NaN') {
      const oldZero = this.zero;
      this.zero = false;
      if (body === 'NaN' && !this.space && !this.plus) this.pad(body);
      else this.pad(sign + body);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') body = this.sharpFloat(body, verb, prec);
    if (this.plus || sign !== '+') {
      const len = 1 + body.length;
      if (this.zero && !this.minus && this.widPresent && this.wid > len) {
        this.buf += sign;
        this.writePadding(this.wid - len);
        this.buf += body;
        return;
      }
      this.pad(sign + body);
      return;
    }
    this.pad(body);
  }

  /** The '#' flag for floats: always a decimal point; %g and %v keep trailing zeros. */
  sharpFloat(body: string, verb: string, prec: number): string {
    let digits = 0;
    if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') digits = prec < 0 ? 6 : prec;
    let tail = '';
    let hasDot = false;
    let sawNonzero = false;
    const hexVerb = verb === 'x' || verb === 'X';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '.') {
        hasDot = true;
      } else if (c === 'p' || c === 'P' || (!hexVerb && (c === 'e' || c === 'E'))) {
        tail = body.slice(i);
        body = body.slice(0, i);
        break;
      } else {
        if (c !== '0') sawNonzero = true;
        if (sawNonzero) digits--;
      }
    }
    if (!hasDot) {
      if (body === '0') digits--;
      body += '.';
    }
    while (digits > 0) {
      body += '0';
      digits--;
    }
    return body + tail;
  }

  fmtS(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    this.pad(s);
  }

  fmtSx(s: string, upper: boolean): void {
    const bytes = Buffer.from(s, 'utf8');
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    const prefix = upper ? '0X' : '0x';
    let out = '';
    if (this.sharp) out += prefix;
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += prefix;
      }
      const b = bytes[i] ?? 0;
      out += (digits[b >> 4] ?? '') + (digits[b & 15] ?? '');
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.buf += ' '.repeat(this.wid - width);
  }

  fmtQ(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    if (this.sharp && canBackquote(s)) this.pad('`' + s + '`');
    else this.pad(quote(s, this.plus));
  }

  fmtString(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(s);
        else this.fmtS(s);
        return;
      case 's':
        this.fmtS(s);
        return;
      case 'x':
        this.fmtSx(s, false);
        return;
      case 'X':
        this.fmtSx(s, true);
        return;
      case 'q':
        this.fmtQ(s);
        return;
      default:
        this.badVerb(verb, s);
    }
  }

  printInt(v: number | bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        if (!this.widPresent && !this.precPresent && !this.plus && !this.space) {
          this.buf += formatInt(v);
          return;
        }
        this.fmtInteger(toBigInt(v), 10, verb, false);
        return;
      case 'b':
        this.fmtInteger(toBigInt(v), 2, verb, false);
        return;
      case 'o':
      case 'O':
        this.fmtInteger(toBigInt(v), 8, verb, false);
        return;
      case 'x':
        this.fmtInteger(toBigInt(v), 16, verb, false);
        return;
      case 'X':
        this.fmtInteger(toBigInt(v), 16, verb, true);
        return;
      case 'c':
        this.fmtC(toBigInt(v));
        return;
      case 'q':
        this.fmtQc(toBigInt(v));
        return;
      case 'U':
        this.fmtUnicode(toBigInt(v));
        return;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
        this.fmtFloat(Number(v), verb === 'F' ? 'f' : verb, 6);
        return;
      case 'g':
      case 'G':
        this.fmtFloat(Number(v), verb, -1);
        return;
      default:
        this.badVerb(verb, v);
    }
  }

  printFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        this.fmtFloat(v, 'g', -1);
        return;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        this.fmtFloat(v, verb, -1);
        return;
      case 'f':
      case 'e':
      case 'E':
        this.fmtFloat(v, verb, 6);
        return;
      case 'F':
        this.fmtFloat(v, 'f', 6);
        return;
      default:
        this.badVerb(verb, v);
    }
  }

  /** Prints one value with a verb (fmt's printArg/printValue). */
  printValue(v: unknown, verb: string, depth: number): void {
    if (verb === 'T') {
      this.fmtS(fmtTypeString(v));
      return;
    }
    switch (typeof v) {
      case 'string':
        this.fmtString(v, verb);
        return;
      case 'number':
        if (isIntNumber(v)) this.printInt(v, verb);
        else this.printFloat(v, verb);
        return;
      case 'bigint':
        this.printInt(v, verb);
        return;
      case 'boolean':
        if (verb === 't' || verb === 'v') this.fmtBoolean(v);
        else this.badVerb(verb, v);
        return;
      case 'undefined':
      case 'object':
        if (v === undefined || v === null) {
          if (depth > 0) {
            if (this.sharpV) this.buf += 'interface {}(nil)';
            else this.pad(NIL_ANGLE);
          } else if (verb === 'v') {
            this.pad(NIL_ANGLE);
          } else {
            this.badVerb(verb, v);
          }
          return;
        }
        this.printObject(v, verb, depth);
        return;
      case 'function':
        if (verb === 'v' || verb === 'p') this.pad('0x0');
        else this.badVerb(verb, v);
        return;
      default:
        this.fmtString(String(v), verb);
    }
  }

  printObject(v: object, verb: string, depth: number): void {
    if (!this.sharpV && (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q')) {
      const s = methodString(v);
      if (s !== undefined) {
        this.fmtString(s, verb);
        return;
      }
    }
    switch (kindOf(v)) {
      case 'slice': {
        const arr = v as unknown[];
        if (this.sharpV) {
          this.buf += '[]interface {}{';
          for (let i = 0; i < arr.length; i++) {
            if (i > 0) this.buf += ', ';
            this.printValue(arr[i], verb, depth + 1);
          }
          this.buf += '}';
          return;
        }
        this.buf += '[';
        for (let i = 0; i < arr.length; i++) {
          if (i > 0) this.buf += ' ';
          this.printValue(arr[i], verb, depth + 1);
        }
        this.buf += ']';
        return;
      }
      case 'map': {
        const entries = mapEntries(v);
        this.buf += this.sharpV ? 'map[string]interface {}{' : 'map[';
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i];
          if (e === undefined) continue;
          if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
          this.printValue(e[0], verb, depth + 1);
          this.buf += ':';
          this.printValue(e[1], verb, depth + 1);
        }
        this.buf += this.sharpV ? '}' : ']';
        return;
      }
      default: {
        const fields = structFields(v);
        if (this.sharpV) this.buf += structTypeName(v);
        this.buf += '{';
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i];
          if (f === undefined) continue;
          if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
          if (this.plusV || this.sharpV) this.buf += f[0] + ':';
          this.printValue(f[1], verb, depth + 1);
        }
        this.buf += '}';
      }
    }
  }
}

function truncateRunes(s: string, n: number): string {
  if (s.length <= n) return s;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    if (count === n) return s.slice(0, i);
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    count++;
  }
  return s;
}

/** fmt.Sprint of one value: the text an action prints for a (valid) value. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return Object.is(v, -0) ? '0' : String(v);
  const p = new Printer();
  p.printValue(v, 'v', 0);
  return p.buf;
}

/** fmt.Sprint. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printValue(arg, 'v', 0);
    prevString = isString;
  }
  return p.buf;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  for (let i = 0; i < args.length; i++) {
    if (i > 0) p.buf += ' ';
    p.printValue(args[i], 'v', 0);
  }
  return p.buf + '\n';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  // [n] argument index: returns the new position and whether an index was found.
  const argNumber = (i: number): [number, boolean] => {
    if (i >= end || format[i] !== '[') return [i, false];
    reordered = true;
    if (end - i < 3) {
      goodArgNum = false;
      return [i + 1, false];
    }
    for (let j = i + 1; j < end; j++) {
      if (format[j] === ']') {
        const digits = format.slice(i + 1, j);
        if (!/^[0-9]+$/.test(digits)) {
          goodArgNum = false;
          return [j + 1, false];
        }
        const n = Number(digits) - 1;
        if (n >= 0 && n < args.length) argNum = n;
        else goodArgNum = false;
        return [j + 1, true];
      }
    }
    goodArgNum = false;
    return [i + 1, false];
  };

  // Integer argument for '*'.
  const intFromArg = (): { n: number; ok: boolean } => {
    let n = 0;
    let ok = false;
    if (argNum < args.length) {
      const a = args[argNum];
      if ((typeof a === 'number' && Number.isInteger(a)) || typeof a === 'bigint') {
        const num = Number(a);
        if (Math.abs(num) <= 1e6) {
          n = num;
          ok = true;
        }
      }
      argNum++;
    }
    return { n, ok };
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    p.clearFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          p.sharp = true;
          break;
        case '0':
          p.zero = !p.minus;
          break;
        case '+':
          p.plus = true;
          break;
        case '-':
          p.minus = true;
          p.zero = false;
          break;
        case ' ':
          p.space = true;
          break;
        default:
          break flags;
      }
    }
    [i, afterIndex] = argNumber(i);
    // width
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      p.wid = w.n;
      p.widPresent = w.ok;
      if (!w.ok) p.buf += '%!(BADWIDTH)';
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      const start = i;
      while (i < end && isDigit(format[i])) i++;
      if (i > start) {
        p.wid = Number(format.slice(start, i));
        p.widPresent = true;
        if (afterIndex) goodArgNum = false;
      }
    }
    // precision
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      [i, afterIndex] = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        const pr = intFromArg();
        p.prec = pr.n;
        p.precPresent = pr.ok;
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const start = i;
        while (i < end && isDigit(format[i])) i++;
        p.prec = i > start ? Number(format.slice(start, i)) : 0;
        p.precPresent = true;
      }
    }
    if (!afterIndex) [i, afterIndex] = argNumber(i);
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const cp = format.codePointAt(i) ?? 0;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') {
      p.buf += '%';
      continue;
    }
    if (!goodArgNum) {
      p.buf += '%!' + verb + '(BADINDEX)';
      continue;
    }
    if (argNum >= args.length) {
      p.buf += '%!' + verb + '(MISSING)';
      continue;
    }
    if (verb === 'v') {
      p.sharpV = p.sharp;
      p.sharp = false;
      p.plusV = p.plus;
      p.plus = false;
    }
    p.printValue(args[argNum], verb, 0);
    argNum++;
  }
  if (!reordered && argNum < args.length) {
    p.clearFlags();
    p.buf += '%!(EXTRA ';
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) p.buf += ', ';
      const a = args[k];
      if (a === undefined || a === null) {
        p.buf += NIL_ANGLE;
      } else {
        p.buf += typeName(a) + '=';
        p.printValue(a, 'v', 0);
      }
    }
    p.buf += ')';
  }
  return p.buf;
}

