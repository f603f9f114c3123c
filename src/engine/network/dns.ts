/**
 * Berth's embedded DNS server for user-defined networks, the counterpart of
 * libnetwork's resolver (the `127.0.0.11` nameserver of Docker containers). It
 * listens on UDP and TCP at the addresses the network layer gives it (each user
 * network's gateway; the container's 127.0.0.11:53 is DNATed there), answers A,
 * AAAA and PTR queries for the names a DnsResolver says are Berth's (container
 * names, aliases, short IDs, as visible to the asking container, identified by
 * its source address), answers MX for those names with an empty NOERROR (so mail
 * clients fall back to A/AAAA, RFC 5321 §5.1), and forwards everything else to
 * the client's upstream servers over the protocol the client used. It follows
 * Docker's rules: TTL 600, RA set, several addresses shuffled, question echoed,
 * local answers trimmed to 512 bytes or the client's EDNS size (TC set when RRs
 * are dropped), at most 3 upstreams tried in turn with a 4 s limit each, SERVFAIL
 * and REFUSED answers skipped, other answers relayed as received (a truncated
 * one included, so the client retries over TCP), SERVFAIL when none answers, at
 * most 1024 forwarded queries in flight per client (REFUSED when no slot frees
 * within the time limit). Requests are checked like miekg/dns's server (what
 * Docker runs on): responses and runt packets are dropped, unparsable queries
 * get FORMERR, opcodes other than QUERY get NOTIMP; TCP uses 2-byte length
 * framing, several queries a connection, at most 128, with an idle timeout.
 * Queries are read with a small wire codec of its own so that the question is
 * echoed byte for byte and labels are compared exactly; it only logs at debug
 * level.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { errnoCode, invalidArgument, messageOf, systemError, unavailable } from '../../errdefs/index.js';
import { Logger } from '../../lib/log.js';
import { formatIP, tryParseIP, type IPAddr, type IPFamily } from './ip.js';

export interface DnsUpstream {
  address: string;
  port: number;
}

export interface DnsResolver {
  /**
   * Addresses of `name` (lowercase, no trailing dot) of `family` visible to the
   * client at `client` (its source IP). undefined: the name is not Berth's
   * (forward it); []: the name is Berth's but has no address of that family
   * (answer NOERROR with no records, do not forward).
   */
  lookup(client: string, name: string, family: IPFamily): string[] | undefined;
  /** The PTR name for `ip` as seen by `client` (e.g. `web.mynet`), or undefined (forward). */
  reverse(client: string, ip: string): string | undefined;
  /**
   * Where to forward for this client: the container's --dns servers or the
   * host's resolv.conf ones. Only the first 3 are used (Docker's maxExtDNS);
   * none: queries that are not Berth's get SERVFAIL.
   */
  upstreams(client: string): DnsUpstream[];
}

export interface EmbeddedDnsOptions {
  /** Limit for one upstream exchange, and for waiting for a forwarding slot (Docker: 4 s). */
  timeoutMs?: number;
  /** Forwarded queries in flight per client (Docker: 1024). */
  maxConcurrent?: number;
  /** A TCP connection with nothing in flight is closed after this long without traffic (miekg/dns: 8 s). */
  tcpIdleMs?: number;
  log?: Logger;
}

// libnetwork resolver.go and miekg/dns constants.
export const DNS_TTL = 600;
export const MAX_UPSTREAMS = 3;
const UPSTREAM_TIMEOUT_MS = 4000;
const MAX_CONCURRENT = 1024;
const TCP_IDLE_MS = 8000;
const MAX_TCP_QUERIES = 128;
const MIN_UDP_SIZE = 512;
const MAX_UDP_PAYLOAD = 65507;
const MAX_MSG_SIZE = 65535;
const HEADER = 12;

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_MX = 15;
const TYPE_AAAA = 28;
const TYPE_OPT = 41;
const CLASS_IN = 1;
const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY',
};

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;

const F_QR = 0x8000;
const F_OPCODE = 0x7800;
const F_TC = 0x0200;
const F_RD = 0x0100;
const F_RA = 0x0080;
const F_Z = 0x0040;
const F_CD = 0x0010;

const typeName = (t: number): string => TYPE_NAMES[t] ?? `TYPE${t}`;

// ---------------------------------------------------------------------------
// Wire format

class WireError extends Error {}

/** Offset just past the (possibly compressed) name at `off`. */
function skipName(buf: Buffer, off: number): number {
  for (let hops = 0; hops < 128; hops++) {
    const len = buf[off];
    if (len === undefined) throw new WireError('name past the end');
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) {
      if (off + 2 > buf.length) throw new WireError('pointer past the end');
      return off + 2;
    }
    if ((len & 0xc0) !== 0) throw new WireError('bad label type');
    off += 1 + len;
  }
  throw new WireError('name too long');
}

/** Offset just past the resource record at `off`; reports its type and class. */
function skipRR(buf: Buffer, off: number): { end: number; type: number; cls: number } {
  off = skipName(buf, off);
  if (off + 10 > buf.length) throw new WireError('record past the end');
  const type = buf.readUInt16BE(off);
  const cls = buf.readUInt16BE(off + 2);
  const end = off + 10 + buf.readUInt16BE(off + 8);
  if (end > buf.length) throw new WireError('rdata past the end');
  return { end, type, cls };
}

/** A query to answer: the raw question (echoed as is) and what was asked. */
interface Query {
  id: number;
  flags: number;
  /** qname, qtype and qclass as received. */
  question: Buffer;
  labels: Buffer[];
  qtype: number;
  /** The EDNS UDP payload size the client advertised, 0 without EDNS. */
  udpSize: number;
}

type Parsed =
  | { kind: 'drop' }
  | { kind: 'reject'; id: number; flags: number; rcode: number; question?: Buffer }
  | { kind: 'query'; query: Query };

/** Reads the question at offset 12 (uncompressed, as the first name of a message must be). */
function readQuestion(msg: Buffer): { labels: Buffer[]; qtype: number; end: number } {
  const labels: Buffer[] = [];
  let off = HEADER;
  for (;;) {
    const len = msg[off];
    if (len === undefined) throw new WireError('question past the end');
    if (len === 0) {
      off += 1;
      break;
    }
    if ((len & 0xc0) !== 0) throw new WireError('compressed or extended label in the question');
    if (off + 1 + len > msg.length) throw new WireError('label past the end');
    labels.push(msg.subarray(off + 1, off + 1 + len));
    off += 1 + len;
    if (off - HEADER > 255) throw new WireError('name too long');
  }
  if (off + 4 > msg.length) throw new WireError('question past the end');
  return { labels, qtype: msg.readUInt16BE(off), end: off + 4 };
}

/**
 * Checks a request like miekg/dns's server with its default accept function:
 * runts and responses are dropped, other opcodes get NOTIMP, a set Z bit, a
 * question count other than 1, answer or authority records, more than 2
 * additional records, or anything unparsable get FORMERR.
 */
function parseQuery(msg: Buffer): Parsed {
  if (msg.length < HEADER) return { kind: 'drop' };
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & F_QR) return { kind: 'drop' };
  const formerr = { kind: 'reject', id, flags, rcode: RCODE_FORMERR } as const;
  const [qd, an, ns, ar] = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
  if ((flags & F_OPCODE) !== 0) {
    let question: Buffer | undefined;
    try {
      if (qd === 1) question = msg.subarray(HEADER, readQuestion(msg).end);
    } catch {
      // no question to echo
    }
    return { kind: 'reject', id, flags, rcode: RCODE_NOTIMP, ...(question ? { question } : {}) };
  }
  if (flags & F_Z || qd !== 1 || an !== 0 || ns !== 0 || ar > 2) return formerr;
  try {
    const q = readQuestion(msg);
    let off = q.end;
    let udpSize = 0;
    for (let i = 0; i < ar; i++) {
      const rr = skipRR(msg, off);
      if (rr.type === TYPE_OPT) udpSize = rr.cls;
      off = rr.end;
    }
    return {
      kind: 'query',
      query: { id, flags, question: msg.subarray(HEADER, q.end), labels: q.labels, qtype: q.qtype, udpSize },
    };
  } catch (err) {
    if (err instanceof WireError) return formerr;
    throw err;
  }
}

/** A reply header: the request's ID, opcode, RD and CD bits (miekg's SetReply). */
function header(id: number, reqFlags: number, rcode: number, opts: { ra: boolean; tc?: boolean; qd: number; an: number }): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(id, 0);
  let flags = F_QR | (reqFlags & (F_OPCODE | F_RD | F_CD)) | rcode;
  if (opts.ra) flags |= F_RA;
  if (opts.tc) flags |= F_TC;
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(opts.qd, 4);
  h.writeUInt16BE(opts.an, 6);
  return h;
}

/** An answer-less reply with `rcode` (Docker's SetRcode: no RA bit). */
function rcodeReply(id: number, reqFlags: number, rcode: number, question?: Buffer): Buffer {
  const h = header(id, reqFlags, rcode, { ra: false, qd: question ? 1 : 0, an: 0 });
  return question ? Buffer.concat([h, question]) : h;
}

/** A record owned by the question's name (a compression pointer to offset 12). */
function rr(type: number, rdata: Buffer): Buffer {
  const b = Buffer.alloc(12 + rdata.length);
  b.writeUInt16BE(0xc000 | HEADER, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt16BE(CLASS_IN, 4);
  b.writeUInt32BE(DNS_TTL, 6);
  b.writeUInt16BE(rdata.length, 10);
  rdata.copy(b, 12);
  return b;
}

/**
 * A NOERROR reply to `q` with as many of `answers` as fit in `maxSize` (all
 * answers fit on TCP in practice); TC is set when some had to be left out, as
 * miekg's Msg.Truncate does for Docker.
 */
function answerReply(q: Query, answers: Buffer[], maxSize: number): Buffer {
  let size = HEADER + q.question.length;
  let n = 0;
  for (const a of answers) {
    if (size + a.length > maxSize) break;
    size += a.length;
    n++;
  }
  const h = header(q.id, q.flags, RCODE_NOERROR, { ra: true, tc: n < answers.length, qd: 1, an: n });
  return Buffer.concat([h, q.question, ...answers.slice(0, n)], size);
}

function ipBytes(a: IPAddr): Buffer {
  const len = a.family === 4 ? 4 : 16;
  const b = Buffer.alloc(len);
  let v = a.value;
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/** Wire form of a host name such as `web.mynet` (a trailing dot is allowed), or undefined if it is not one. */
function encodeName(name: string): Buffer | undefined {
  const labels = name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  let size = 1;
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length === 0 || b.length > 63 || !/^[\x21-\x7e]+$/.test(l)) return undefined;
    parts.push(Buffer.from([b.length]), b);
    size += 1 + b.length;
  }
  if (size > 255) return undefined;
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts, size);
}

/**
 * The question's name as Berth names are looked up: labels of printable ASCII
 * without dots, lower-cased (DNS compares ASCII case-insensitively), joined by
 * dots, no trailing dot. undefined for the root and for names no container can
 * have (those are forwarded).
 */
function hostName(labels: Buffer[]): string | undefined {
  if (labels.length === 0) return undefined;
  const out: string[] = [];
  for (const l of labels) {
    for (const c of l) if (c < 0x21 || c > 0x7e || c === 0x2e) return undefined;
    out.push(l.toString('latin1').toLowerCase());
  }
  return out.join('.');
}

/** The address a reverse name stands for (a full in-addr.arpa or ip6.arpa name), canonical; otherwise undefined. */
export function ptrAddress(name: string): string | undefined {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  const tail = labels.slice(-2).join('.');
  const head = labels.slice(0, -2).reverse();
  let ip: IPAddr | undefined;
  if (tail === 'in-addr.arpa' && head.length === 4) {
    ip = tryParseIP(head.join('.'));
    if (ip?.family !== 4) return undefined;
  } else if (tail === 'ip6.arpa' && head.length === 32 && head.every((n) => /^[0-9a-f]$/.test(n))) {
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(head.slice(i, i + 4).join(''));
    ip = tryParseIP(groups.join(':'));
  }
  return ip ? formatIP(ip) : undefined;
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * Reads an upstream's reply: the rcode when it is a response to our `id` whose
 * sections parse (a truncated one is accepted even if cut short), otherwise
 * undefined.
 */
function upstreamRcode(msg: Buffer, id: number): number | undefined {
  if (msg.length < HEADER || msg.readUInt16BE(0) !== id) return undefined;
  const flags = msg.readUInt16BE(2);
  if (!(flags & F_QR)) return undefined;
  if (!(flags & F_TC)) {
    try {
      let off = HEADER;
      for (let i = msg.readUInt16BE(4); i > 0; i--) {
        off = skipName(msg, off) + 4;
        if (off > msg.length) throw new WireError('question past the end');
      }
      const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
      for (let i = 0; i < records; i++) off = skipRR(msg, off).end;
    } catch (err) {
      if (err instanceof WireError) return undefined;
      throw err;
    }
  }
  return flags & 0x000f;
}

function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}

/** IPv4-mapped IPv6 source addresses (dual-stack sockets) reported as IPv4. */
function clientAddr(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

// ---------------------------------------------------------------------------
// Upstream exchanges

function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // not bound or already closed
  }
}

/** One exchange over UDP: the first response carrying `id` (others are ignored, like miekg's client), or undefined. */
function exchangeUdp(up: DnsUpstream, msg: Buffer, id: number, timeoutMs: number, signal: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const fam = net.isIP(up.address);
    if (fam === 0 || signal.aborted) return resolve(undefined);
    const sock = dgram.createSocket(fam === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (reply: Buffer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      closeQuietly(sock);
      resolve(reply);
    };
    const onAbort = (): void => finish(undefined);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    signal.addEventListener('abort', onAbort);
    sock.on('error', () => finish(undefined));
    sock.on('message', (reply) => {
      if (upstreamRcode(reply, id) !== undefined) finish(reply);
    });
    sock.connect(up.port, up.address, () => {
      if (settled) return;
      try {
        sock.send(msg, (err) => {
          if (err) finish(undefined);
        });
      } catch {
        finish(undefined);
      }
    });
  });
}

/** One exchange over TCP: the first framed reply, if it is a response to `id`. */
function exchangeTcp(up: DnsUpstream, msg: Buffer, id: number, timeoutMs: number, signal: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    if (net.isIP(up.address) === 0 || signal.aborted) return resolve(undefined);
    const sock = net.connect({ host: up.address, port: up.port });
    let settled = false;
    let buf: Buffer = Buffer.alloc(0);
    const finish = (reply: Buffer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(reply);
    };
    const onAbort = (): void => finish(undefined);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    signal.addEventListener('abort', onAbort);
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => sock.write(frame(msg)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      const reply = buf.subarray(2, 2 + len);
      finish(upstreamRcode(reply, id) !== undefined ? reply : undefined);
    });
  });
}

// ---------------------------------------------------------------------------
// The server

interface Listener {
  address: string;
  port: number;
  udp: dgram.Socket;
  tcp: net.Server;
  conns: Set<net.Socket>;
  open: boolean;
}

/** Forwarding slots of one client, with the queries waiting for one in order. */
interface Slots {
  active: number;
  waiting: Array<(ok: boolean) => void>;
}

export class EmbeddedDns {
  private readonly resolver: DnsResolver;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly tcpIdleMs: number;
  private readonly log: Logger;
  private readonly listeners = new Map<string, Promise<Listener>>();
  private readonly slots = new Map<string, Slots>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(resolver: DnsResolver, opts: EmbeddedDnsOptions = {}) {
    this.resolver = resolver;
    this.timeoutMs = opts.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
    this.maxConcurrent = opts.maxConcurrent ?? MAX_CONCURRENT;
    this.tcpIdleMs = opts.tcpIdleMs ?? TCP_IDLE_MS;
    this.log = (opts.log ?? new Logger()).with({ component: 'dns' });
  }

  /**
   * Starts answering on address:port (UDP and TCP). port defaults to 53; port 0
   * picks a free one (the same for both). Resolves to the bound port. Calling it
   * again for an address already served returns that port.
   */
  listen(address: string, port = 53): Promise<number> {
    if (this.closed) return Promise.reject(unavailable('the embedded DNS server is closed'));
    const ip = tryParseIP(address);
    if (!ip) return Promise.reject(invalidArgument(`invalid DNS listen address: ${address}`));
    const key = formatIP(ip);
    let l = this.listeners.get(key);
    if (!l) {
      l = this.open(key, ip.family, port);
      this.listeners.set(key, l);
      l.catch(() => {
        if (this.listeners.get(key) === l) this.listeners.delete(key);
      });
    }
    return l.then((x) => x.port);
  }

  /** Stops answering on that address (closing its TCP connections); nothing if it is not served. */
  async unlisten(address: string): Promise<void> {
    const ip = tryParseIP(address);
    if (!ip) return;
    const key = formatIP(ip);
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    let listener: Listener;
    try {
      listener = await l;
    } catch {
      return;
    }
    await this.shut(listener);
  }

  /** Stops answering everywhere and abandons forwarded queries in flight. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const s of this.slots.values()) for (const w of s.waiting.splice(0)) w(false);
    this.slots.clear();
    await Promise.all([...this.listeners.keys()].map((a) => this.unlisten(a)));
  }

  private async open(address: string, family: IPFamily, port: number): Promise<Listener> {
    // With port 0 the UDP port is picked first and TCP may find it taken: pick again.
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, address, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        closeQuietly(udp);
        throw systemError(`error in opening name server socket: ${messageOf(err)}`, err);
      }
      const bound = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host: address, port: bound }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        closeQuietly(udp);
        if (port === 0 && errnoCode(err) === 'EADDRINUSE' && attempt < 10) continue;
        throw systemError(`error in opening name TCP server socket: ${messageOf(err)}`, err);
      }
      const l: Listener = { address, port: bound, udp, tcp, conns: new Set(), open: true };
      udp.on('error', (err) => this.log.debug('udp socket error', { address, err }));
      udp.on('message', (msg, rinfo) => this.onUdp(l, msg, rinfo));
      tcp.on('error', (err) => this.log.debug('tcp listener error', { address, err }));
      tcp.on('connection', (sock) => this.onTcp(l, sock));
      this.log.debug('listening', { address, port: bound });
      return l;
    }
  }

  private async shut(l: Listener): Promise<void> {
    l.open = false;
    for (const c of l.conns) c.destroy();
    l.conns.clear();
    await Promise.all([
      new Promise<void>((resolve) => l.udp.close(() => resolve())),
      new Promise<void>((resolve) => l.tcp.close(() => resolve())),
    ]);
    this.log.debug('stopped listening', { address: l.address, port: l.port });
  }

  private onUdp(l: Listener, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    void this.handle(msg, clientAddr(rinfo.address), false).then((reply) => {
      if (!reply || !l.open) return;
      try {
        l.udp.send(reply, rinfo.port, rinfo.address, (err) => {
          if (err) this.log.debug('failed to write response', { err });
        });
      } catch (err) {
        this.log.debug('failed to write response', { err });
      }
    });
  }

  private onTcp(l: Listener, sock: net.Socket): void {
    if (!l.open) {
      sock.destroy();
      return;
    }
    l.conns.add(sock);
    const client = clientAddr(sock.remoteAddress);
    let buf: Buffer = Buffer.alloc(0);
    let pending = 0;
    let queries = 0;
    let draining = false;
    // Idle: nothing received or sent for tcpIdleMs; a query in flight keeps the connection.
    const idle = setTimeout(() => {
      if (pending === 0) sock.destroy();
    }, this.tcpIdleMs);
    sock.on('close', () => {
      clearTimeout(idle);
      l.conns.delete(sock);
    });
    sock.on('error', (err) => this.log.debug('tcp connection error', { client, err }));
    sock.on('data', (chunk: Buffer) => {
      if (draining) return;
      idle.refresh();
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len < HEADER) {
          // miekg closes on an empty frame; a runt cannot be answered either.
          sock.destroy();
          return;
        }
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        pending++;
        queries++;
        void this.handle(msg, client, true).then((reply) => {
          pending--;
          if (reply && !sock.destroyed && reply.length <= MAX_MSG_SIZE) {
            sock.write(frame(reply));
            idle.refresh();
          }
          if (draining && pending === 0) sock.end();
        });
        if (queries >= MAX_TCP_QUERIES) {
          draining = true;
          buf = Buffer.alloc(0);
          return;
        }
      }
    });
  }

  /** The reply to one request, or undefined to send nothing. Never throws. */
  private async handle(msg: Buffer, client: string, tcp: boolean): Promise<Buffer | undefined> {
    let parsed: Parsed;
    try {
      parsed = parseQuery(msg);
    } catch (err) {
      this.log.debug('dropping unreadable request', { client, err });
      return undefined;
    }
    if (parsed.kind === 'drop') {
      this.log.debug('dropping request', { client, bytes: msg.length });
      return undefined;
    }
    if (parsed.kind === 'reject') {
      this.log.debug('rejecting request', { client, rcode: parsed.rcode });
      return rcodeReply(parsed.id, parsed.flags, parsed.rcode, parsed.question);
    }
    const q = parsed.query;
    const maxSize = tcp ? MAX_MSG_SIZE : Math.min(MAX_UDP_PAYLOAD, Math.max(MIN_UDP_SIZE, q.udpSize));
    try {
      const local = this.answerLocally(q, client, maxSize);
      if (local) return local;
    } catch (err) {
      this.log.debug('failed to handle query', { client, qtype: typeName(q.qtype), err });
      return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, q.question);
    }
    try {
      return await this.forward(q, msg, client, tcp);
    } catch (err) {
      this.log.debug('failed to forward query', { client, err });
      return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, q.question);
    }
  }

  /** Docker's handleIPQuery / handleMXQuery / handlePTRQuery: a reply, or undefined to forward. */
  private answerLocally(q: Query, client: string, maxSize: number): Buffer | undefined {
    switch (q.qtype) {
      case TYPE_A:
      case TYPE_AAAA: {
        const name = hostName(q.labels);
        if (name === undefined) return undefined;
        const family: IPFamily = q.qtype === TYPE_A ? 4 : 6;
        const addrs = this.resolver.lookup(client, name, family);
        if (addrs === undefined) return undefined;
        const answers: Buffer[] = [];
        for (const a of addrs) {
          const ip = tryParseIP(a);
          if (ip?.family === family) answers.push(rr(q.qtype, ipBytes(ip)));
          else this.log.debug('ignoring a bad address from the resolver', { name, address: a });
        }
        this.log.debug('lookup', { client, name, qtype: typeName(q.qtype), addresses: addrs.join(',') });
        return answerReply(q, shuffle(answers), maxSize);
      }
      case TYPE_MX: {
        const name = hostName(q.labels);
        if (name === undefined) return undefined;
        if (this.resolver.lookup(client, name, 4) === undefined && this.resolver.lookup(client, name, 6) === undefined) {
          return undefined;
        }
        this.log.debug('lookup', { client, name, qtype: 'MX' });
        return answerReply(q, [], maxSize);
      }
      case TYPE_PTR: {
        const name = hostName(q.labels);
        const ip = name === undefined ? undefined : ptrAddress(name);
        if (ip === undefined) return undefined;
        const host = this.resolver.reverse(client, ip);
        if (host === undefined) return undefined;
        const target = encodeName(host);
        if (!target) {
          this.log.debug('ignoring a bad name from the resolver', { ip, name: host });
          return undefined;
        }
        this.log.debug('reverse lookup', { client, ip, name: host });
        return answerReply(q, [rr(TYPE_PTR, target)], maxSize);
      }
      default:
        return undefined;
    }
  }

  /**
   * Docker's forwardExtDNS: each of the first 3 upstreams in turn over the
   * client's protocol, a slot per exchange (REFUSED when none frees up in
   * time); SERVFAIL and REFUSED answers move on to the next one; anything else
   * is relayed with the client's ID; SERVFAIL when none answered.
   */
  private async forward(q: Query, msg: Buffer, client: string, tcp: boolean): Promise<Buffer | undefined> {
    const upstreams = this.resolver.upstreams(client).slice(0, MAX_UPSTREAMS);
    const proto = tcp ? 'tcp' : 'udp';
    for (const up of upstreams) {
      if (!(await this.acquire(client))) {
        if (this.abort.signal.aborted) return undefined;
        this.log.debug(`more than ${this.maxConcurrent} concurrent queries`, { client });
        return rcodeReply(q.id, q.flags, RCODE_REFUSED, q.question);
      }
      const id = randomInt(0x10000);
      const out = Buffer.from(msg);
      out.writeUInt16BE(id, 0);
      this.log.debug('forwarding query', { client, qtype: typeName(q.qtype), upstream: `${proto}:${up.address}:${up.port}` });
      let reply: Buffer | undefined;
      try {
        const exchange = tcp ? exchangeTcp : exchangeUdp;
        reply = await exchange(up, out, id, this.timeoutMs, this.abort.signal);
      } finally {
        this.release(client);
      }
      if (this.abort.signal.aborted) return undefined;
      if (!reply) {
        this.log.debug('no answer from upstream', { upstream: `${proto}:${up.address}:${up.port}` });
        continue;
      }
      const rcode = upstreamRcode(reply, id);
      if (rcode === RCODE_SERVFAIL || rcode === RCODE_REFUSED) {
        this.log.debug('upstream failed', { upstream: `${proto}:${up.address}:${up.port}`, rcode });
        continue;
      }
      const relay = Buffer.from(reply);
      relay.writeUInt16BE(q.id, 0);
      return relay;
    }
    if (upstreams.length === 0) this.log.debug('no upstream servers', { client });
    return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, q.question);
  }

  /** A forwarding slot for `client`, waiting up to timeoutMs for one (Docker's fwdSem). */
  private acquire(client: string): Promise<boolean> {
    if (this.abort.signal.aborted) return Promise.resolve(false);
    let s = this.slots.get(client);
    if (!s) {
      s = { active: 0, waiting: [] };
      this.slots.set(client, s);
    }
    if (s.active < this.maxConcurrent && s.waiting.length === 0) {
      s.active++;
      return Promise.resolve(true);
    }
    const slots = s;
    return new Promise((resolve) => {
      const waiter = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        const i = slots.waiting.indexOf(waiter);
        if (i !== -1) slots.waiting.splice(i, 1);
        this.dropIdle(client, slots);
        resolve(false);
      }, this.timeoutMs);
      slots.waiting.push(waiter);
    });
  }

  private release(client: string): void {
    const s = this.slots.get(client);
    if (!s) return;
    const next = s.waiting.shift();
    if (next) next(true); // the slot passes on
    else {
      s.active--;
      this.dropIdle(client, s);
    }
  }

  private dropIdle(client: string, s: Slots): void {
    if (s.active === 0 && s.waiting.length === 0 && this.slots.get(client) === s) this.slots.delete(client);
  }
}
