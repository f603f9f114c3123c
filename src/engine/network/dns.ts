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
 * Messages are read and built with dns-packet. A question is echoed, and its
 * name looked up, only when it encodes back to the bytes received, so the echo
 * is byte for byte and labels are compared exactly (a question that does not,
 * such as one with a dot or non-UTF-8 bytes in a label, is forwarded, and a
 * reply of Berth's own to it has no question section). dns-packet does not
 * compress names, so fewer records fit in a UDP reply than with Docker.
 * Upstream answers are not decoded: only their header is read, and they are
 * relayed byte for byte but for the ID. It only logs at debug level.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
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
/** The length of a message header: anything shorter is dropped. */
const HEADER = 12;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;

// Header flag bits dns-packet has no constant for.
const F_QR = 0x8000;
const F_OPCODE = 0x7800;
const F_Z = 0x0040;
const F_RCODE = 0x000f;

// ---------------------------------------------------------------------------
// Messages

/** A query to answer. */
interface Query {
  id: number;
  /** The request's header flags. */
  flags: number;
  question: dnsPacket.Question;
  /**
   * The question encodes back to the bytes received: only then is it echoed
   * and its name looked up (its labels are then the name's dot-separated parts).
   */
  exact: boolean;
  /** The EDNS UDP payload size the client advertised, 0 without EDNS. */
  udpSize: number;
}

type Parsed =
  | { kind: 'drop' }
  | { kind: 'reject'; id: number; flags: number; rcode: number; question?: dnsPacket.Question | undefined }
  | { kind: 'query'; query: Query };

/** Whether `q`, encoded, is what follows the header of `msg`. */
function encodesAs(q: dnsPacket.Question, msg: Buffer): boolean {
  try {
    const wire = dnsPacket.encode({ questions: [q] }).subarray(HEADER);
    return msg.subarray(HEADER, HEADER + wire.length).equals(wire);
  } catch {
    return false;
  }
}

/**
 * Checks a request like miekg/dns's server with its default accept function:
 * runts and responses are dropped, other opcodes get NOTIMP, a set Z bit, a
 * question count other than 1, answer or authority records, more than 2
 * additional records, or anything dns-packet cannot decode get FORMERR. The ID
 * and flags are read off the header so that a request that does not decode can
 * be answered.
 */
function parseQuery(msg: Buffer): Parsed {
  if (msg.length < HEADER) return { kind: 'drop' };
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & F_QR) return { kind: 'drop' };
  let p: dnsPacket.DecodedPacket | undefined;
  try {
    p = dnsPacket.decode(msg);
  } catch {
    // FORMERR below
  }
  const questions = p?.questions ?? [];
  const q = questions.length === 1 ? questions[0] : undefined;
  if (flags & F_OPCODE) {
    return { kind: 'reject', id, flags, rcode: RCODE_NOTIMP, question: q && encodesAs(q, msg) ? q : undefined };
  }
  const additionals = p?.additionals ?? [];
  if (!p || !q || flags & F_Z || p.answers?.length || p.authorities?.length || additionals.length > 2) {
    return { kind: 'reject', id, flags, rcode: RCODE_FORMERR };
  }
  const opt = additionals.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  return { kind: 'query', query: { id, flags, question: q, exact: encodesAs(q, msg), udpSize: opt?.udpPayloadSize ?? 0 } };
}

/** A reply's flags: the request's opcode, RD and CD bits (miekg's SetReply), `rcode`, and RA if `ra`. */
function replyFlags(reqFlags: number, rcode: number, ra: boolean): number {
  const kept = reqFlags & (F_OPCODE | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED);
  return kept | rcode | (ra ? dnsPacket.RECURSION_AVAILABLE : 0);
}

/** An answer-less reply with `rcode` (Docker's SetRcode: no RA bit). */
function rcodeReply(id: number, reqFlags: number, rcode: number, question?: dnsPacket.Question): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: replyFlags(reqFlags, rcode, false),
    questions: question ? [question] : [],
  });
}

/** The question of `q` to echo in a reply, if it can be echoed as received. */
const echo = (q: Query): dnsPacket.Question | undefined => (q.exact ? q.question : undefined);

/**
 * A NOERROR reply to `q` with as many of `answers` as fit in `maxSize` (all
 * answers fit on TCP in practice); TC is set when some had to be left out, as
 * miekg's Msg.Truncate does for Docker.
 */
function answerReply(q: Query, answers: dnsPacket.Answer[], maxSize: number): Buffer {
  const reply = (n: number): dnsPacket.Packet => ({
    type: 'response',
    id: q.id,
    flags: replyFlags(q.flags, RCODE_NOERROR, true) | (n < answers.length ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: [q.question],
    answers: answers.slice(0, n),
  });
  // The largest n whose reply fits (a reply only grows with n).
  let fits = 0;
  let tooMany = answers.length + 1;
  while (tooMany - fits > 1) {
    const n = (fits + tooMany) >> 1;
    if (dnsPacket.encodingLength(reply(n)) <= maxSize) fits = n;
    else tooMany = n;
  }
  return dnsPacket.encode(reply(fits));
}

/** A record for the question's name. */
function record(q: Query, type: 'A' | 'AAAA' | 'PTR', data: string): dnsPacket.Answer {
  return { type, name: q.question.name, class: 'IN', ttl: DNS_TTL, data };
}

/**
 * The question's name as Berth names are looked up: labels of printable ASCII
 * without dots, lower-cased (DNS compares ASCII case-insensitively), joined by
 * dots, no trailing dot. undefined for the root and for names no container can
 * have (those are forwarded).
 */
function hostName(q: Query): string | undefined {
  const name = q.question.name;
  if (!q.exact || name === '.' || !/^[\x21-\x7e]+$/.test(name)) return undefined;
  return name.toLowerCase();
}

/** Whether `name` (a trailing dot allowed) is a host name to answer PTR with: labels of 1 to 63 printable ASCII characters, 255 bytes on the wire. */
function isHostName(name: string): boolean {
  const n = name.replace(/\.$/, '');
  return n.length <= 253 && n.split('.').every((l) => /^[\x21-\x7e]{1,63}$/.test(l));
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
 * The rcode of an upstream's reply when it is a response to our `id`,
 * otherwise undefined. Only the header is read: the reply is relayed as
 * received.
 */
function upstreamRcode(msg: Buffer, id: number): number | undefined {
  if (msg.length < HEADER || msg.readUInt16BE(0) !== id) return undefined;
  const flags = msg.readUInt16BE(2);
  return flags & F_QR ? flags & F_RCODE : undefined;
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
      this.log.debug('failed to handle query', { client, qtype: q.question.type, err });
      return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, echo(q));
    }
    try {
      return await this.forward(q, msg, client, tcp);
    } catch (err) {
      this.log.debug('failed to forward query', { client, err });
      return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, echo(q));
    }
  }

  /** Docker's handleIPQuery / handleMXQuery / handlePTRQuery: a reply, or undefined to forward. */
  private answerLocally(q: Query, client: string, maxSize: number): Buffer | undefined {
    const qtype = q.question.type;
    switch (qtype) {
      case 'A':
      case 'AAAA': {
        const name = hostName(q);
        if (name === undefined) return undefined;
        const family: IPFamily = qtype === 'A' ? 4 : 6;
        const addrs = this.resolver.lookup(client, name, family);
        if (addrs === undefined) return undefined;
        const answers: dnsPacket.Answer[] = [];
        for (const a of addrs) {
          const ip = tryParseIP(a);
          if (ip?.family === family) answers.push(record(q, qtype, formatIP(ip)));
          else this.log.debug('ignoring a bad address from the resolver', { name, address: a });
        }
        this.log.debug('lookup', { client, name, qtype, addresses: addrs.join(',') });
        return answerReply(q, shuffle(answers), maxSize);
      }
      case 'MX': {
        const name = hostName(q);
        if (name === undefined) return undefined;
        if (this.resolver.lookup(client, name, 4) === undefined && this.resolver.lookup(client, name, 6) === undefined) {
          return undefined;
        }
        this.log.debug('lookup', { client, name, qtype });
        return answerReply(q, [], maxSize);
      }
      case 'PTR': {
        const name = hostName(q);
        const ip = name === undefined ? undefined : ptrAddress(name);
        if (ip === undefined) return undefined;
        const host = this.resolver.reverse(client, ip);
        if (host === undefined) return undefined;
        if (!isHostName(host)) {
          this.log.debug('ignoring a bad name from the resolver', { ip, name: host });
          return undefined;
        }
        this.log.debug('reverse lookup', { client, ip, name: host });
        return answerReply(q, [record(q, 'PTR', host)], maxSize);
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
        return rcodeReply(q.id, q.flags, RCODE_REFUSED, echo(q));
      }
      const id = randomInt(0x10000);
      const out = Buffer.from(msg);
      out.writeUInt16BE(id, 0);
      this.log.debug('forwarding query', { client, qtype: q.question.type, upstream: `${proto}:${up.address}:${up.port}` });
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
    return rcodeReply(q.id, q.flags, RCODE_SERVFAIL, echo(q));
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
