/**
 * Tests of src/engine/network/dns.ts, over real sockets on loopback only: the
 * server listens on 127.0.0.1 (port 0), fake upstream servers run on 127.0.0.1
 * too, and queries are built and read with dns-packet. Covers A/AAAA/PTR/MX
 * answers from a fake resolver (TTL, RA, ID, echoed question, case, trailing
 * dot, shuffling, per-client answers), NOERROR for names without an address of
 * the family, forwarding (ID rewritten back, upstream order, timeouts, SERVFAIL
 * and REFUSED skipped, NXDOMAIN relayed, SERVFAIL when all fail, the 3-upstream
 * cap, the concurrency limit), TCP framing and pipelining, truncation, malformed
 * input, unlisten and close.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import {
  EmbeddedDns,
  ptrAddress,
  type DnsResolver,
  type DnsUpstream,
} from '../../../src/engine/network/dns.js';
import { isKind } from '../../../src/errdefs/index.js';
import { Logger, levelRank } from '../../../src/lib/log.js';

const LO = '127.0.0.1';
const RD = dnsPacket.RECURSION_DESIRED;

// ---------------------------------------------------------------------------
// Helpers

interface FakeResolver extends DnsResolver {
  names: Map<string, { v4?: string[]; v6?: string[] }>;
  ptr: Map<string, string>;
  ups: DnsUpstream[];
  calls: Array<{ client: string; name: string }>;
}

function fakeResolver(): FakeResolver {
  const r: FakeResolver = {
    names: new Map(),
    ptr: new Map(),
    ups: [],
    calls: [],
    lookup(client, name, family) {
      r.calls.push({ client, name });
      if (name === 'peer' && client === '127.0.0.3') return ['10.9.9.9'];
      const e = r.names.get(name);
      if (!e) return undefined;
      return (family === 4 ? e.v4 : e.v6) ?? [];
    },
    reverse(_client, ip) {
      return r.ptr.get(ip);
    },
    upstreams() {
      return r.ups;
    },
  };
  return r;
}

let nextId = 1000;
function query(name: string, type: dnsPacket.RecordType = 'A', extra: Partial<dnsPacket.Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: nextId++, flags: RD, questions: [{ type, name, class: 'IN' }], ...extra });
}

const rcodeOf = (b: Buffer): number => (b[3] as number) & 0x0f;
const dataOf = (a: dnsPacket.Answer | undefined): unknown => (a && 'data' in a ? a.data : undefined);
/** The data of the first answer record. */
const first = (p: dnsPacket.Packet | undefined): unknown => dataOf(p?.answers?.[0]);

/** Sends one datagram and returns the first reply, or undefined after waitMs. */
function udpAsk(port: number, msg: Buffer, opts: { from?: string; waitMs?: number } = {}): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, opts.waitMs ?? 3000);
    s.on('error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.bind(0, opts.from ?? LO, () => s.send(msg, port, LO));
  });
}

async function ask(port: number, msg: Buffer, opts: { from?: string } = {}): Promise<{ raw: Buffer; p: dnsPacket.DecodedPacket }> {
  const raw = await udpAsk(port, msg, opts);
  assert.ok(raw, 'expected a reply');
  return { raw, p: dnsPacket.decode(raw) };
}

const frame = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);

/** Writes `data` on a new TCP connection and collects `n` framed replies (fewer if the connection closes first). */
function tcpAsk(port: number, data: Buffer, n: number, waitMs = 3000): Promise<{ replies: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    let closed = false;
    const sock = net.connect({ host: LO, port });
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ replies, closed });
    };
    const timer = setTimeout(done, waitMs);
    sock.on('connect', () => sock.write(data));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      done();
    });
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= n) done();
    });
  });
}

interface FakeUpstream extends DnsUpstream {
  udp: Buffer[];
  tcp: Buffer[];
  close(): Promise<void>;
}

type UpstreamHandler = (q: dnsPacket.DecodedPacket, proto: 'udp' | 'tcp') => Buffer | undefined;

/** A DNS server on 127.0.0.1 (UDP and TCP on one port) answering with `handler` (undefined: stay silent). */
async function fakeUpstream(handler: UpstreamHandler): Promise<FakeUpstream> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, LO, resolve));
  const port = udp.address().port;
  const tcp = net.createServer();
  const conns = new Set<net.Socket>();
  await new Promise<void>((resolve) => tcp.listen(port, LO, resolve));
  const up: FakeUpstream = {
    address: LO,
    port,
    udp: [],
    tcp: [],
    async close() {
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
  udp.on('message', (m, rinfo) => {
    up.udp.push(m);
    const reply = handler(dnsPacket.decode(m), 'udp');
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  tcp.on('connection', (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
      up.tcp.push(m);
      const reply = handler(dnsPacket.decode(m), 'tcp');
      if (reply) s.write(frame(reply));
    });
  });
  return up;
}

/** An upstream reply to `q` with one A record (or the given rcode and flags). */
function upstreamReply(q: dnsPacket.DecodedPacket, opts: { ip?: string; rcode?: number; flags?: number; count?: number } = {}): Buffer {
  const question = q.questions?.[0];
  assert.ok(question);
  const answers: dnsPacket.Answer[] = [];
  for (let i = 0; i < (opts.count ?? (opts.rcode ? 0 : 1)); i++) {
    answers.push({ type: 'A', name: question.name, ttl: 30, data: opts.ip ?? `93.184.216.${i % 250}` });
  }
  return dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags: (opts.flags ?? 0) | dnsPacket.RECURSION_AVAILABLE | RD | (opts.rcode ?? 0),
    questions: [question],
    answers,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------

describe('embedded DNS: local answers', () => {
  const r = fakeResolver();
  const dns = new EmbeddedDns(r, { timeoutMs: 150 });
  let port = 0;
  let upstream: FakeUpstream;

  before(async () => {
    r.names.set('web', { v4: ['172.20.0.2'], v6: ['fd00::2'] });
    r.names.set('web.mynet', { v4: ['172.20.0.2'] });
    r.names.set('v4only', { v4: ['172.20.0.3'] });
    r.names.set('many', { v4: ['172.20.0.10', '172.20.0.11', '172.20.0.12', '172.20.0.13', '172.20.0.14'] });
    r.names.set('huge', { v4: Array.from({ length: 100 }, (_, i) => `172.21.0.${i + 1}`) });
    r.ptr.set('172.20.0.2', 'web.mynet');
    r.ptr.set('fd00::2', 'web.mynet');
    upstream = await fakeUpstream((q) => upstreamReply(q, { ip: '1.2.3.4' }));
    r.ups = [upstream];
    port = await dns.listen(LO, 0);
  });
  after(async () => {
    await dns.close();
    await upstream.close();
  });

  it('answers A with TTL 600, RA, the ID and the question echoed', async () => {
    const q = query('web');
    const { raw, p } = await ask(port, q);
    assert.equal(p.id, q.readUInt16BE(0));
    assert.equal(p.type, 'response');
    assert.equal(rcodeOf(raw), 0);
    assert.ok(p.flag_ra);
    assert.ok(p.flag_rd);
    assert.ok(!p.flag_aa);
    assert.ok(!p.flag_tc);
    assert.deepEqual(p.questions, [{ name: 'web', type: 'A', class: 'IN' }]);
    assert.equal(p.answers?.length, 1);
    assert.deepEqual(p.answers?.[0], { name: 'web', type: 'A', class: 'IN', ttl: 600, flush: false, data: '172.20.0.2' });
    // The question section is the query's, byte for byte.
    assert.deepEqual(raw.subarray(12, q.length), q.subarray(12));
    assert.equal(upstream.udp.length, 0);
  });

  it('answers AAAA', async () => {
    const { p } = await ask(port, query('web', 'AAAA'));
    assert.equal(p.answers?.length, 1);
    assert.equal(p.answers?.[0]?.type, 'AAAA');
    assert.equal(first(p), 'fd00::2');
  });

  it('matches names case-insensitively, with or without a trailing dot, and echoes the case asked', async () => {
    r.calls.length = 0;
    const q = dnsPacket.encode({ type: 'query', id: 7, flags: RD, questions: [{ type: 'A', name: 'WeB.MyNeT.', class: 'IN' }] });
    const { p } = await ask(port, q);
    assert.deepEqual(r.calls, [{ client: LO, name: 'web.mynet' }]);
    assert.equal(p.answers?.[0]?.name, 'WeB.MyNeT');
    assert.equal(first(p), '172.20.0.2');
  });

  it('answers NOERROR with no records for a Berth name without an address of the family, without forwarding', async () => {
    const { raw, p } = await ask(port, query('v4only', 'AAAA'));
    assert.equal(rcodeOf(raw), 0);
    assert.equal(p.answers?.length, 0);
    assert.ok(p.flag_ra);
    assert.equal(upstream.udp.length, 0);
  });

  it('returns every address, in shuffled order', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const { p } = await ask(port, query('many'));
      const got = (p.answers ?? []).map((a) => String(dataOf(a)));
      assert.deepEqual([...got].sort(), r.names.get('many')?.v4);
      orders.add(got.join(','));
    }
    assert.ok(orders.size > 1, 'the order should vary');
  });

  it('answers for the asking client: its source address goes to the resolver', async () => {
    const { p } = await ask(port, query('peer'), { from: '127.0.0.3' });
    assert.equal(first(p), '10.9.9.9');
    // The same name from another client is not Berth's: forwarded.
    const other = await ask(port, query('peer'));
    assert.equal(first(other.p), '1.2.3.4');
  });

  it('answers PTR for in-addr.arpa and ip6.arpa names', async () => {
    const v4 = await ask(port, query('2.0.20.172.in-addr.arpa', 'PTR'));
    assert.equal(v4.p.answers?.length, 1);
    assert.deepEqual(v4.p.answers?.[0], {
      name: '2.0.20.172.in-addr.arpa',
      type: 'PTR',
      class: 'IN',
      ttl: 600,
      flush: false,
      data: 'web.mynet',
    });
    const nibbles = '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f';
    const v6 = await ask(port, query(`${nibbles}.IP6.ARPA.`, 'PTR'));
    assert.equal(first(v6.p), 'web.mynet');
  });

  it('forwards PTR queries it cannot answer', async () => {
    const before = upstream.udp.length;
    await ask(port, query('9.9.9.9.in-addr.arpa', 'PTR'));
    await ask(port, query('20.172.in-addr.arpa', 'PTR'));
    assert.equal(upstream.udp.length, before + 2);
  });

  it('answers MX for a Berth name with an empty NOERROR, and forwards other types', async () => {
    const before = upstream.udp.length;
    const mx = await ask(port, query('web', 'MX'));
    assert.equal(rcodeOf(mx.raw), 0);
    assert.equal(mx.p.answers?.length, 0);
    assert.equal(upstream.udp.length, before);
    await ask(port, query('web', 'TXT'));
    await ask(port, query('nosuch', 'MX'));
    assert.equal(upstream.udp.length, before + 2);
  });

  it('truncates UDP answers to 512 bytes, or the EDNS size, setting TC', async () => {
    const small = await ask(port, query('huge'));
    assert.ok(small.p.flag_tc);
    assert.ok(small.raw.length <= 512);
    // As many records as fit: header, question (huge, A, IN), then 20-byte A records (the
    // name written out, as dns-packet does not compress: 6 + type, class, TTL, length 10 + 4).
    assert.equal(small.p.answers?.length, Math.floor((512 - 12 - (6 + 2 + 2)) / (6 + 10 + 4)));
    const edns = query('huge', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer] });
    const big = await ask(port, edns);
    assert.ok(!big.p.flag_tc);
    assert.equal(big.p.answers?.length, 100);
  });

  it('answers over TCP, several pipelined queries on one connection, without truncating', async () => {
    const a = query('huge');
    const b = query('web', 'AAAA');
    const { replies } = await tcpAsk(port, Buffer.concat([frame(a), frame(b)]), 2);
    assert.equal(replies.length, 2);
    const byId = new Map(replies.map((m) => [m.readUInt16BE(0), dnsPacket.decode(m)]));
    const ra = byId.get(a.readUInt16BE(0));
    const rb = byId.get(b.readUInt16BE(0));
    assert.equal(ra?.answers?.length, 100);
    assert.ok(!ra?.flag_tc);
    assert.equal(first(rb), 'fd00::2');
  });

  it('listen is idempotent per address', async () => {
    assert.equal(await dns.listen(LO, 0), port);
    assert.equal(await dns.listen('127.0.0.1'), port);
  });

  it('rejects a listen address that is not an IP', async () => {
    await assert.rejects(dns.listen('localhost', 0), (e: unknown) => isKind(e, 'invalid-argument'));
  });
});

describe('embedded DNS: forwarding', () => {
  const r = fakeResolver();
  const dns = new EmbeddedDns(r, { timeoutMs: 150 });
  let port = 0;
  const ups: FakeUpstream[] = [];
  const up = async (h: UpstreamHandler): Promise<FakeUpstream> => {
    const u = await fakeUpstream(h);
    ups.push(u);
    return u;
  };

  before(async () => {
    port = await dns.listen(LO, 0);
  });
  after(async () => {
    await dns.close();
    await Promise.all(ups.map((u) => u.close()));
  });

  it("relays the upstream's answer with the client's ID", async () => {
    let sent: Buffer | undefined;
    const u = await up((q) => (sent = upstreamReply(q, { ip: '5.6.7.8' })));
    r.ups = [u];
    const q = query('example.com');
    const { raw, p } = await ask(port, q);
    assert.equal(u.udp.length, 1);
    // The upstream saw the query with an ID of the server's choosing, the rest unchanged.
    assert.deepEqual(u.udp[0]?.subarray(2), q.subarray(2));
    assert.equal(p.id, q.readUInt16BE(0));
    assert.equal(first(p), '5.6.7.8');
    assert.ok(sent);
    assert.deepEqual(raw.subarray(2), sent.subarray(2));
  });

  it('moves on to the next upstream when one does not answer in time', async () => {
    const silent = await up(() => undefined);
    const good = await up((q) => upstreamReply(q, { ip: '5.6.7.9' }));
    r.ups = [silent, good];
    const t0 = Date.now();
    const { p } = await ask(port, query('example.org'));
    assert.ok(Date.now() - t0 >= 140);
    assert.equal(silent.udp.length, 1);
    assert.equal(first(p), '5.6.7.9');
  });

  it('moves on past SERVFAIL and REFUSED, relays NXDOMAIN', async () => {
    const servfail = await up((q) => upstreamReply(q, { rcode: 2 }));
    const refused = await up((q) => upstreamReply(q, { rcode: 5 }));
    const nx = await up((q) => upstreamReply(q, { rcode: 3 }));
    const never = await up((q) => upstreamReply(q));
    r.ups = [servfail, refused, nx, never];
    const { raw } = await ask(port, query('nosuch.example'));
    assert.equal(rcodeOf(raw), 3);
    assert.equal(never.udp.length, 0);
  });

  it('tries only the first 3 upstreams, then answers SERVFAIL with the question', async () => {
    const s = await Promise.all([1, 2, 3, 4].map(() => up(() => undefined)));
    r.ups = s;
    const q = query('slow.example');
    const t0 = Date.now();
    const { raw, p } = await ask(port, q);
    assert.ok(Date.now() - t0 >= 3 * 140);
    assert.equal(rcodeOf(raw), 2);
    assert.equal(p.id, q.readUInt16BE(0));
    assert.deepEqual(p.questions, [{ name: 'slow.example', type: 'A', class: 'IN' }]);
    assert.deepEqual(s.map((u) => u.udp.length), [1, 1, 1, 0]);
  });

  it('answers SERVFAIL when there is no upstream', async () => {
    r.ups = [];
    const { raw } = await ask(port, query('example.net'));
    assert.equal(rcodeOf(raw), 2);
  });

  it('ignores upstream datagrams that do not carry the query ID', async () => {
    const u = await up((q) => {
      const wrong = upstreamReply(q, { ip: '6.6.6.6' });
      wrong.writeUInt16BE(((q.id ?? 0) + 1) & 0xffff, 0);
      return wrong;
    });
    r.ups = [u];
    const { raw } = await ask(port, query('spoof.example'));
    assert.equal(rcodeOf(raw), 2);
  });

  it('relays a truncated UDP answer as it is, and forwards TCP queries over TCP', async () => {
    const u = await up((q, proto) =>
      proto === 'udp' ? upstreamReply(q, { flags: dnsPacket.TRUNCATED_RESPONSE, count: 0 }) : upstreamReply(q, { count: 60 }),
    );
    r.ups = [u];
    const q = query('big.example');
    const { p } = await ask(port, q);
    assert.ok(p.flag_tc);
    assert.equal(u.tcp.length, 0);
    const { replies } = await tcpAsk(port, frame(q), 1);
    assert.equal(u.tcp.length, 1);
    assert.equal(u.udp.length, 1);
    const tp = dnsPacket.decode(replies[0] as Buffer);
    assert.equal(tp.id, q.readUInt16BE(0));
    assert.ok(!tp.flag_tc);
    assert.equal(tp.answers?.length, 60);
  });
});

describe('embedded DNS: concurrency limit', () => {
  it('answers REFUSED when no forwarding slot frees up in time', async () => {
    const r = fakeResolver();
    const dns = new EmbeddedDns(r, { timeoutMs: 200, maxConcurrent: 1 });
    const silent = await fakeUpstream(() => undefined);
    r.ups = [silent];
    try {
      const port = await dns.listen(LO, 0);
      const first = ask(port, query('a.example'));
      await sleep(50);
      // The second gets the slot when the first gives up (t=200); the third is refused at t=250.
      const second = ask(port, query('b.example'));
      const third = ask(port, query('c.example'));
      const [a, b, c] = await Promise.all([first, second, third]);
      assert.equal(rcodeOf(a.raw), 2);
      assert.equal(rcodeOf(b.raw), 2);
      assert.equal(rcodeOf(c.raw), 5);
      assert.equal(silent.udp.length, 2);
    } finally {
      await dns.close();
      await silent.close();
    }
  });
});

describe('embedded DNS: malformed input', () => {
  const r = fakeResolver();
  const dns = new EmbeddedDns(r, { timeoutMs: 150, tcpIdleMs: 200 });
  let port = 0;
  before(async () => {
    r.names.set('web', { v4: ['172.20.0.2'] });
    port = await dns.listen(LO, 0);
  });
  after(() => dns.close());

  const stillAnswers = async (): Promise<void> => {
    const { p } = await ask(port, query('web'));
    assert.equal(first(p), '172.20.0.2');
  };

  it('drops runts and responses', async () => {
    assert.equal(await udpAsk(port, Buffer.from([1, 2, 3]), { waitMs: 150 }), undefined);
    assert.equal(await udpAsk(port, Buffer.alloc(0), { waitMs: 150 }), undefined);
    const resp = dnsPacket.encode({ type: 'response', id: 5, questions: [{ type: 'A', name: 'web' }] });
    assert.equal(await udpAsk(port, resp, { waitMs: 150 }), undefined);
    await stillAnswers();
  });

  it('answers FORMERR to queries that do not parse, NOTIMP to other opcodes', async () => {
    const q = query('web');
    const cut = q.subarray(0, q.length - 3);
    const a = await ask(port, cut);
    assert.equal(rcodeOf(a.raw), 1);
    assert.equal(a.raw.readUInt16BE(0), q.readUInt16BE(0));
    const garbage = Buffer.concat([q.subarray(0, 12), Buffer.from([0xff, 0xfe, 0x00, 0x01])]);
    assert.equal(rcodeOf((await ask(port, garbage)).raw), 1);
    const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'web' }, { type: 'A', name: 'web' }] });
    assert.equal(rcodeOf((await ask(port, two)).raw), 1);
    const update = Buffer.from(query('web'));
    update[2] = ((update[2] as number) & ~0x78) | (5 << 3);
    const u = await ask(port, update);
    assert.equal(rcodeOf(u.raw), 4);
    await stillAnswers();
  });

  it('survives random bytes', async () => {
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(12 + (i % 60));
      for (let j = 0; j < b.length; j++) b[j] = (i * 131 + j * 197 + ((i * j) % 7)) & 0xff;
      b[2] = (b[2] as number) & 0x7f; // a query, so it is not just dropped
      await udpAsk(port, b, { waitMs: 20 });
    }
    await stillAnswers();
  });

  it('answers FORMERR on TCP and keeps the connection; closes it on an empty frame', async () => {
    const bad = Buffer.concat([query('web').subarray(0, 12), Buffer.from([0xc0])]);
    const good = query('web');
    const { replies } = await tcpAsk(port, Buffer.concat([frame(bad), frame(good)]), 2);
    assert.equal(replies.length, 2);
    assert.deepEqual(replies.map(rcodeOf).sort(), [0, 1]);
    const closed = await tcpAsk(port, Buffer.from([0, 0]), 1);
    assert.equal(closed.replies.length, 0);
    assert.ok(closed.closed);
    await stillAnswers();
  });

  it('closes idle TCP connections', async () => {
    const t0 = Date.now();
    const { closed } = await tcpAsk(port, frame(query('web')), 99, 3000);
    assert.ok(closed);
    assert.ok(Date.now() - t0 >= 180);
  });
});

describe('embedded DNS: unlisten and close', () => {
  it('unlisten stops answering on that address only', async () => {
    const r = fakeResolver();
    r.names.set('web', { v4: ['172.20.0.2'] });
    const dns = new EmbeddedDns(r, { timeoutMs: 150 });
    try {
      const p1 = await dns.listen('127.0.0.1', 0);
      const p2 = await dns.listen('127.0.0.2', 0);
      await dns.unlisten('127.0.0.1');
      assert.equal(await udpAsk(p1, query('web'), { waitMs: 200 }), undefined);
      const ans = await new Promise<Buffer | undefined>((resolve) => {
        const s = dgram.createSocket('udp4');
        const t = setTimeout(() => (s.close(), resolve(undefined)), 2000);
        s.on('message', (m) => (clearTimeout(t), s.close(), resolve(m)));
        s.bind(0, '127.0.0.1', () => s.send(query('web'), p2, '127.0.0.2'));
      });
      assert.ok(ans);
      assert.equal(first(dnsPacket.decode(ans)), '172.20.0.2');
      await dns.unlisten('127.0.0.1'); // nothing to do
      // It can listen there again.
      const p3 = await dns.listen('127.0.0.1', 0);
      assert.ok((await udpAsk(p3, query('web')))?.length);
    } finally {
      await dns.close();
    }
  });

  it('close releases the sockets and connections', async () => {
    const r = fakeResolver();
    const dns = new EmbeddedDns(r, { timeoutMs: 150 });
    const port = await dns.listen(LO, 0);
    const conn = net.connect({ host: LO, port });
    await new Promise<void>((resolve) => conn.on('connect', () => resolve()));
    const connClosed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
    conn.on('error', () => undefined);
    await dns.close();
    await connClosed;
    // Both ports are free again.
    const u = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      u.once('error', reject);
      u.bind(port, LO, () => resolve());
    });
    u.close();
    const t = net.createServer();
    await new Promise<void>((resolve, reject) => {
      t.once('error', reject);
      t.listen(port, LO, () => resolve());
    });
    await new Promise<void>((resolve) => t.close(() => resolve()));
    await assert.rejects(dns.listen(LO, 0), (e: unknown) => isKind(e, 'unavailable'));
  });

  it('close abandons forwarded queries in flight', async () => {
    const r = fakeResolver();
    const silent = await fakeUpstream(() => undefined);
    r.ups = [silent];
    const dns = new EmbeddedDns(r, { timeoutMs: 5000 });
    try {
      const port = await dns.listen(LO, 0);
      const pending = udpAsk(port, query('x.example'), { waitMs: 300 });
      await sleep(50);
      const t0 = Date.now();
      await dns.close();
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(await pending, undefined);
    } finally {
      await silent.close();
    }
  });
});

describe('embedded DNS: logging', () => {
  it('logs at debug level only', async () => {
    const lines: string[] = [];
    const log = new Logger({ level: levelRank('info'), write: (l) => void lines.push(l) });
    const r = fakeResolver();
    r.names.set('web', { v4: ['172.20.0.2'] });
    const dns = new EmbeddedDns(r, { timeoutMs: 100, log });
    try {
      const port = await dns.listen(LO, 0);
      await ask(port, query('web'));
      await ask(port, query('nowhere.example')); // no upstream: SERVFAIL
      await ask(port, query('web').subarray(0, 14)); // FORMERR
      await udpAsk(port, Buffer.from([1]), { waitMs: 50 });
      assert.equal(lines.length, 0, lines.join(''));
      log.setLevel('debug');
      await ask(port, query('web'));
      assert.ok(lines.length > 0);
      assert.ok(lines.every((l) => l.includes('level=debug') && l.includes('component=dns')));
    } finally {
      await dns.close();
    }
  });
});

describe('ptrAddress', () => {
  it('reads full reverse names', () => {
    assert.equal(ptrAddress('4.3.2.1.in-addr.arpa'), '1.2.3.4');
    assert.equal(ptrAddress('4.3.2.1.IN-ADDR.ARPA.'), '1.2.3.4');
    assert.equal(ptrAddress('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'), '2001:db8::1');
  });
  it('rejects partial or malformed ones', () => {
    const bad = ['3.2.1.in-addr.arpa', '256.3.2.1.in-addr.arpa', '04.3.2.1.in-addr.arpa', 'a.3.2.1.in-addr.arpa'];
    const nibbles = Array.from({ length: 31 }, () => '0').join('.');
    for (const n of [...bad, '1.ip6.arpa', `x.${nibbles}.ip6.arpa`, `10.${nibbles}.ip6.arpa`, 'example.com', '']) {
      assert.equal(ptrAddress(n), undefined, n);
    }
  });
});
