/**
 * Networking through a real berthd, driven by the real docker CLI and berth:
 * the default bridge, user-defined networks with names and aliases resolved
 * by the embedded DNS server, published TCP and UDP ports reached on
 * 127.0.0.1, `-P`, connect and disconnect while running, internal networks,
 * isolation between networks, `--link`, host-gateway, `container:` mode,
 * bad input, stats and events, connectivity across a berthd SIGKILL and
 * restart, and a leak check at the end.
 *
 * Traffic goes only to loopback and to container addresses on this daemon's
 * bridges: before the host sends to a container address, `viaBerthBridge`
 * checks that the route leaves through one of them. Names that are not
 * Berth's are forwarded to a fake DNS server on 127.0.0.77, never outside.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import dgram from 'node:dgram';
import net from 'node:net';
import http from 'node:http';
import dnsPacket from 'dns-packet';
import { startDaemon, run, type TestDaemon } from '../helpers/daemon.js';
import { networkNames } from '../../src/engine/engine.js';

let d: TestDaemon;
let fakeDns: dgram.Socket;
const fakeQueries: string[] = [];
let udpEcho = '';

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** The route from the host to a container address must leave through the bridge of its network. */
async function viaBerthBridge(ip: string, network: string): Promise<void> {
  const bridge = (await ok(d.docker(['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}|{{.Id}}', network]))).trim();
  const [named = '', id = ''] = bridge.split('|');
  const dev = named && named !== '<no value>' ? named : `br-${id.slice(0, 12)}`;
  const r = await run('ip', ['route', 'get', ip]);
  assert.ok(r.stdout.includes(` dev ${dev} `), `refusing to send to ${ip}: the route is not through ${dev}: ${r.stdout}`);
}

function httpGet(port: number, path = '/', host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, timeout: 5000, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (x: string) => (b += x));
      res.on('end', () => resolve(b));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function eventually<T>(fn: () => Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const UDP_ECHO_C = `
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1]));
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) return 1;
  for (;;) {
    char buf[1500]; struct sockaddr_in from; socklen_t fl = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) continue;
    memcpy(buf + n, "-echo", 5);
    sendto(s, buf, n + 5, 0, (struct sockaddr *)&from, fl);
  }
}
`;

before(async () => {
  // The upstream for names that are not Berth's: loopback only.
  fakeDns = dgram.createSocket('udp4');
  fakeDns.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    fakeQueries.push(name);
    const answers = name === 'upstream.test' && q.questions?.[0]?.type === 'A' ? [{ type: 'A' as const, name, ttl: 60, data: '10.11.12.13' }] : [];
    fakeDns.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => fakeDns.bind(53, '127.0.0.77', () => r()));
  d = await startDaemon({ config: { dns: ['127.0.0.77'] } });
  await ok(d.berth(['image', 'bootstrap', 'busybox']));
  udpEcho = join(d.dir, 'udpecho');
  await writeFile(`${udpEcho}.c`, UDP_ECHO_C);
  await ok(run('gcc', ['-static', '-O2', '-o', udpEcho, `${udpEcho}.c`]));
});

after(async () => {
  fakeDns?.close();
  if (!d) return;
  const ids = (await d.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await d.docker(['rm', '-f', ...ids]);
  await d.docker(['network', 'prune', '-f']);
  const tag = networkNames(d.dataRoot);
  const netIds = (await d.docker(['network', 'ls', '-q', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  await d.stop();
  // Leak check: no bridge, rule, namespace or veth of this daemon is left.
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  assert.doesNotMatch(links, new RegExp(`\\b${tag.bridge}\\b`), 'default bridge left behind');
  for (const id of netIds) assert.doesNotMatch(links, new RegExp(`br-${id.slice(0, 12)}`), 'user bridge left behind');
  for (const table of ['filter', 'nat']) {
    const rules = (await run('iptables', ['-w', '-t', table, '-S'])).stdout;
    assert.doesNotMatch(rules, new RegExp(tag.chainPrefix), `iptables ${table} rules left behind`);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.doesNotMatch(mounts, new RegExp(d.dir.replace(/[/.]/g, '\\$&')), 'mounts left behind');
});

test('default bridge: eth0 with an address, a default route and a MAC; inspect shows them', async () => {
  const id = (await ok(d.docker(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '60']))).trim();
  const ip = (await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Networks.bridge.Gateway}} {{.NetworkSettings.Networks.bridge.MacAddress}} {{.NetworkSettings.Networks.bridge.IPPrefixLen}}', 'b1']))).trim();
  const [addr, gw, mac, len] = ip.split(' ');
  assert.match(addr!, /^\d+\.\d+\.\d+\.\d+$/);
  assert.match(mac!, /^02:42(:[0-9a-f]{2}){4}$/);
  const inside = await ok(d.docker(['exec', 'b1', 'sh', '-c', 'ip addr show eth0; ip route']));
  assert.match(inside, new RegExp(`inet ${addr!.replace(/\./g, '\\.')}/${len}`));
  assert.match(inside, new RegExp(`default via ${gw!.replace(/\./g, '\\.')} dev eth0`));
  assert.match(inside, new RegExp(`link/ether ${mac}`));
  const bridge = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])))[0];
  assert.equal(bridge.Driver, 'bridge');
  assert.equal(bridge.IPAM.Config[0].Gateway, gw);
  assert.equal(bridge.Containers[id].IPv4Address, `${addr}/${len}`);
  assert.equal(bridge.Options['com.docker.network.bridge.name'], networkNames(d.dataRoot).bridge);
  // The container reaches the host's side of the bridge.
  await ok(d.docker(['exec', 'b1', 'ping', '-c', '1', '-W', '2', gw!]));
  // The hosts file names the container by its address.
  assert.match(await ok(d.docker(['exec', 'b1', 'cat', '/etc/hosts'])), new RegExp(`${addr!.replace(/\./g, '\\.')}\\t${id.slice(0, 12)}`));
  const stats = await ok(d.docker(['stats', '--no-stream', '--format', '{{.NetIO}}', 'b1']));
  assert.match(stats, /^\d+(\.\d+)?k?B \/ \d+(\.\d+)?k?B\n$/);
  assert.doesNotMatch(stats, /^0B \/ 0B/);
  await ok(d.docker(['rm', '-f', 'b1']));
  // Its address went with it.
  assert.deepEqual(JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])))[0].Containers, {});
});

test('user-defined network: names, aliases and short IDs resolve; ping and wget by name', async () => {
  await ok(d.docker(['network', 'create', '--subnet', '10.213.0.0/24', '--gateway', '10.213.0.254', '--ip-range', '10.213.0.64/26', '--label', 'team=a', 'appnet']));
  const web = (await ok(d.docker(['run', '-d', '--name', 'web', '--network', 'appnet', '--network-alias', 'www', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']))).trim();
  await ok(d.docker(['run', '-d', '--name', 'fixed', '--network', 'appnet', '--ip', '10.213.0.10', 'busybox', 'sleep', '60']));
  const webIP = (await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.appnet.IPAddress}}', 'web']))).trim();
  assert.match(webIP, /^10\.213\.0\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])$/, 'allocated from the ip-range');
  assert.equal((await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.appnet.IPAddress}}', 'fixed']))).trim(), '10.213.0.10');
  const out = await ok(
    d.docker(['run', '--rm', '--network', 'appnet', 'busybox', 'sh', '-c', `cat /etc/resolv.conf; nslookup web; nslookup www; nslookup ${web.slice(0, 12)}; wget -qO- http://www/hostname; wget -qO- http://web.appnet/hostname; ping -c 1 -W 2 fixed`]),
  );
  assert.match(out, /nameserver 127\.0\.0\.11/);
  assert.equal(out.split(`Address: ${webIP}`).length - 1, 3, out);
  assert.equal(out.split(`${web.slice(0, 12)}\n`).length - 1 >= 2, true, out);
  assert.match(out, /1 packets received/);
  // Reverse lookups answer with name.network.
  assert.match(await ok(d.docker(['exec', 'fixed', 'nslookup', webIP])), /name = web\.appnet/);
  // A name that is not Berth's goes to the daemon's DNS server (here a fake one on loopback).
  assert.match(await ok(d.docker(['exec', 'fixed', 'nslookup', 'upstream.test'])), /Address: 10\.11\.12\.13/);
  assert.ok(fakeQueries.includes('upstream.test'));
  const insp = JSON.parse(await ok(d.docker(['network', 'inspect', 'appnet'])))[0];
  assert.deepEqual(insp.IPAM.Config, [{ Subnet: '10.213.0.0/24', IPRange: '10.213.0.64/26', Gateway: '10.213.0.254' }]);
  assert.deepEqual(insp.Labels, { team: 'a' });
  assert.equal(Object.keys(insp.Containers).length, 2);
  const ep = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .NetworkSettings.Networks.appnet}}', 'web'])));
  assert.deepEqual(ep.Aliases, ['www']);
  assert.deepEqual(ep.DNSNames, ['web', 'www', web.slice(0, 12)]);
  // ls and its filters, through both CLIs.
  assert.match(await ok(d.docker(['network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}} {{.Driver}}'])), /^appnet bridge\n$/);
  assert.equal(await ok(d.docker(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])), 'appnet\n');
  assert.equal((await ok(d.docker(['ps', '--filter', 'network=appnet', '--format', '{{.Names}}']))).split('\n').filter(Boolean).sort().join(','), 'fixed,web');
  // A renamed container answers to its new name.
  await ok(d.docker(['rename', 'fixed', 'fixed2']));
  assert.match(await ok(d.docker(['exec', 'web', 'nslookup', 'fixed2'])), /Address: 10\.213\.0\.10/);
  assert.deepEqual(JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .NetworkSettings.Networks.appnet.DNSNames}}', 'fixed2'])))[0], 'fixed2');
  await ok(d.docker(['rm', '-f', 'web', 'fixed2']));
  await ok(d.docker(['network', 'rm', 'appnet']));
});

test('published ports: TCP on 127.0.0.1 (fixed and free ports), port, ps; a port in use is refused cleanly', async () => {
  await ok(d.docker(['run', '-d', '--name', 'pub', '-p', '127.0.0.1:18931:80', '-p', '127.0.0.1::81', 'busybox', 'sh', '-c', 'httpd -p 81 -h /etc; httpd -f -p 80 -h /etc']));
  assert.equal((await eventually(() => httpGet(18931, '/hostname'))).length, 13);
  const port = await ok(d.docker(['port', 'pub', '81']));
  assert.equal(await ok(d.berth(['port', 'pub', '81'])), port);
  assert.match(await ok(d.berth(['network', 'ls', '--format', '{{.Name}}'])), /(^|\n)bridge\nhost\nnone\n$/);
  const m = /^127\.0\.0\.1:(\d+)\n$/.exec(port);
  assert.ok(m, port);
  assert.equal((await eventually(() => httpGet(Number(m[1]), '/hostname'))).length, 13);
  assert.match(await ok(d.docker(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}'])), /127\.0\.0\.1:18931->80\/tcp/);
  const ports = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'pub'])));
  assert.deepEqual(ports['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: '18931' }]);
  assert.equal((await ok(d.docker(['ps', '--filter', 'publish=18931', '--format', '{{.Names}}']))).trim(), '');
  assert.equal((await ok(d.docker(['ps', '--filter', 'publish=80', '--format', '{{.Names}}']))).trim(), 'pub');
  // The same host port again: a clear error, and nothing of the second container stays set up.
  const before = (await run('iptables', ['-w', '-t', 'nat', '-S'])).stdout;
  const r = await d.docker(['run', '-d', '--name', 'clash', '-p', '127.0.0.1:18931:80', 'busybox', 'sleep', '60']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /failed to bind host port for 127\.0\.0\.1:18931:[\d.]+:80\/tcp: address already in use/);
  assert.equal((await ok(d.docker(['inspect', '-f', '{{.State.Running}} {{.NetworkSettings.IPAddress}}', 'clash']))).trim(), 'false');
  assert.equal((await run('iptables', ['-w', '-t', 'nat', '-S'])).stdout, before);
  // A port something else holds on the host is refused the same way.
  const holder = net.createServer();
  await new Promise<void>((res) => holder.listen(18932, '127.0.0.1', () => res()));
  try {
    const r2 = await d.docker(['start', 'clash']);
    assert.notEqual(r2.code, 0);
    const r3 = await d.berth(['run', '-d', '-p', '127.0.0.1:18932:80', 'busybox', 'true']);
    assert.notEqual(r3.code, 0);
    assert.match(r3.stderr, /127\.0\.0\.1:18932.*address already in use/);
  } finally {
    holder.close();
  }
  // Published on every address: 127.0.0.1 through the kernel, ::1 through berthd's IPv6 relay.
  await ok(d.docker(['run', '-d', '--name', 'pub6', '-p', '18936:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  assert.equal((await eventually(() => httpGet(18936, '/hostname'))).length, 13);
  assert.equal((await eventually(() => httpGet(18936, '/hostname', '::1'))).length, 13);
  assert.equal(await ok(d.docker(['port', 'pub6'])), '80/tcp -> 0.0.0.0:18936\n80/tcp -> [::]:18936\n');
  await ok(d.docker(['rm', '-f', 'pub', 'clash', 'pub6']));
  await ok(d.docker(['container', 'prune', '-f']));
  // Gone with the container: the port is free again.
  const again = net.createServer();
  await new Promise<void>((res, rej) => again.once('error', rej).listen(18931, '127.0.0.1', () => res()));
  again.close();
});

test('published UDP port and -P (every exposed port on a free host port)', async () => {
  await ok(d.docker(['create', '--name', 'udp', '-p', '127.0.0.1:18933:9999/udp', '--expose', '80', '-P', 'busybox', '/udpecho', '9999']));
  await ok(d.docker(['cp', udpEcho, 'udp:/udpecho']));
  await ok(d.docker(['start', 'udp']));
  const reply = await eventually(
    () =>
      new Promise<string>((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        const t = setTimeout(() => {
          s.close();
          reject(new Error('no UDP reply'));
        }, 500);
        s.on('message', (m) => {
          clearTimeout(t);
          s.close();
          resolve(m.toString());
        });
        s.send('ping', 18933, '127.0.0.1');
      }),
  );
  assert.equal(reply, 'ping-echo');
  const ports = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'udp'])));
  assert.ok(Number(ports['80/tcp'][0].HostPort) > 1024, JSON.stringify(ports));
  assert.equal(ports['80/tcp'][0].HostIp, '0.0.0.0');
  assert.match(await ok(d.docker(['port', 'udp'])), /9999\/udp -> 127\.0\.0\.1:18933\n/);
  await ok(d.docker(['rm', '-f', 'udp']));
});

test('connect and disconnect a running container; events', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await ok(d.docker(['network', 'create', 'neta']));
  // berth's own CLI for part of it.
  assert.match(await ok(d.berth(['network', 'create', 'netb'])), /^[0-9a-f]{64}\n$/);
  await ok(d.docker(['run', '-d', '--name', 'mover', '--network', 'neta', 'busybox', 'sleep', '60']));
  await ok(d.docker(['run', '-d', '--name', 'peer', '--network', 'netb', 'busybox', 'sleep', '60']));
  const pre = await d.docker(['exec', 'peer', 'nslookup', 'mover']);
  assert.doesNotMatch(pre.stdout, /Address: \d+\.\d+\.\d+\.\d+\n/, 'not on netb yet');
  await ok(d.berth(['network', 'connect', '--alias', 'moved', 'netb', 'mover']));
  assert.match(await ok(d.berth(['network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', 'netb'])), /mover/);
  const ifs = await ok(d.docker(['exec', 'mover', 'ip', '-o', 'addr']));
  assert.match(ifs, /eth0 .*inet /);
  assert.match(ifs, /eth1 .*inet /);
  await ok(d.docker(['exec', 'peer', 'ping', '-c', '1', '-W', '2', 'moved']));
  await ok(d.docker(['exec', 'peer', 'ping', '-c', '1', '-W', '2', 'mover']));
  await ok(d.berth(['network', 'disconnect', 'netb', 'mover']));
  assert.doesNotMatch(await ok(d.docker(['exec', 'mover', 'ip', '-o', 'addr'])), /eth1/);
  assert.equal((await d.docker(['exec', 'peer', 'ping', '-c', '1', '-W', '1', 'moved'])).code === 0, false);
  // The bridge keeps its MAC when a port leaves it: the gateway (and DNS) stays reachable at once.
  const after = await d.docker(['exec', 'peer', 'nslookup', 'moved']);
  assert.doesNotMatch(after.stdout + after.stderr, /timed out|no servers/);
  // In use: refused with Docker's message; then removed once free.
  const rm = await d.docker(['network', 'rm', 'neta']);
  assert.notEqual(rm.code, 0);
  assert.match(rm.stderr, /has active endpoints/);
  await ok(d.docker(['rm', '-f', 'mover', 'peer']));
  await ok(d.docker(['network', 'rm', 'neta', 'netb']));
  const ev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}']));
  for (const want of ['create neta', 'create netb', 'connect neta', 'connect netb', 'disconnect netb', 'destroy neta', 'destroy netb']) assert.ok(ev.includes(want), `${want} in\n${ev}`);
});

test('internal networks have no way out; two networks are isolated from each other', async () => {
  await ok(d.docker(['network', 'create', '--internal', 'inside']));
  await ok(d.docker(['network', 'create', 'iso1']));
  await ok(d.docker(['network', 'create', 'iso2']));
  await ok(d.docker(['run', '-d', '--name', 'in1', '--network', 'inside', 'busybox', 'sleep', '60']));
  await ok(d.docker(['run', '-d', '--name', 'in2', '--network', 'inside', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  await ok(d.docker(['run', '-d', '--name', 'a1', '--network', 'iso1', 'busybox', 'sleep', '60']));
  await ok(d.docker(['run', '-d', '--name', 'b1srv', '--network', 'iso2', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  // Inside an internal network: neighbours yes, a default route no.
  assert.doesNotMatch(await ok(d.docker(['exec', 'in1', 'ip', 'route'])), /default/);
  assert.equal((await ok(d.docker(['exec', 'in1', 'wget', '-qO-', 'http://in2/hostname']))).length, 13);
  assert.equal(JSON.parse(await ok(d.docker(['network', 'inspect', 'inside'])))[0].Internal, true);
  // Across networks: a1 cannot reach b1srv's address (the route exists, the rules drop it).
  const b1 = (await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.iso2.IPAddress}}', 'b1srv']))).trim();
  await viaBerthBridge(b1, 'iso2');
  const cross = await d.docker(['exec', 'a1', 'wget', '-T', '2', '-qO-', `http://${b1}/hostname`]);
  assert.notEqual(cross.code, 0, 'isolation broken');
  // A container on both networks reaches both (by name, through either network's DNS).
  const both = await ok(d.docker(['run', '--rm', '--network', 'iso1', '--network', 'iso2', 'busybox', 'sh', '-c', 'ip -o -4 addr show; wget -qO- http://b1srv/hostname; ping -c 1 -W 2 a1']));
  assert.match(both, /eth0 .*inet /);
  assert.match(both, /eth1 .*inet /);
  assert.match(both, /1 packets received/);
  // From the host, the same address answers (the host is on every bridge).
  assert.equal((await httpGet(80, '/hostname', b1)).length, 13);
  await ok(d.docker(['rm', '-f', 'in1', 'in2', 'a1', 'b1srv']));
  await ok(d.docker(['network', 'rm', 'inside', 'iso1', 'iso2']));
});

test('--link, --add-host host-gateway, --network container:', async () => {
  await ok(d.docker(['run', '-d', '--name', 'linked', '--expose', '5432', '-e', 'SECRET=x', 'busybox', 'sleep', '60']));
  const ip = (await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'linked']))).trim();
  const gw = JSON.parse(await ok(d.docker(['network', 'inspect', 'bridge'])))[0].IPAM.Config[0].Gateway;
  const hosts = await ok(d.docker(['run', '--rm', '--link', 'linked:db', '--add-host', 'host.docker.internal:host-gateway', 'busybox', 'cat', '/etc/hosts']));
  assert.match(hosts, new RegExp(`${ip.replace(/\./g, '\\.')}\\tdb [0-9a-f]{12} linked`));
  assert.match(hosts, new RegExp(`${gw.replace(/\./g, '\\.')}\\thost\\.docker\\.internal`));
  const env = await ok(d.docker(['run', '--rm', '--name', 'linker', '--link', 'linked:db', 'busybox', 'env']));
  assert.match(env, /^DB_NAME=\/linker\/db$/m);
  assert.match(env, new RegExp(`^DB_PORT=tcp://${ip.replace(/\./g, '\\.')}:5432$`, 'm'));
  assert.match(env, new RegExp(`^DB_PORT_5432_TCP_ADDR=${ip.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(env, /^DB_PORT_5432_TCP_PROTO=tcp$/m);
  assert.match(env, /^DB_ENV_SECRET=x$/m);
  assert.doesNotMatch(env, /^DB_ENV_PATH=/m);
  const shared = await ok(d.docker(['run', '--rm', '--network', 'container:linked', 'busybox', 'ip', '-o', 'addr', 'show', 'eth0']));
  assert.match(shared, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`));
  // Docker's warning for ports on the host network; the MAC address of API < 1.44 (Config.MacAddress).
  const hostPorts = await d.docker(['run', '--rm', '--network', 'host', '-p', '80:80', 'busybox', 'true']);
  assert.equal(hostPorts.code, 0, hostPorts.stderr);
  assert.match(hostPorts.stderr, /WARNING: Published ports are discarded when using host network mode/);
  const legacy = await d.request('POST', '/v1.43/containers/create?name=legacymac', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Image: 'busybox', Cmd: ['sleep', '30'], MacAddress: '02:42:ac:11:99:99' }) });
  assert.equal(legacy.status, 201, legacy.body);
  await ok(d.docker(['start', 'legacymac']));
  assert.equal(await ok(d.docker(['exec', 'legacymac', 'cat', '/sys/class/net/eth0/address'])), '02:42:ac:11:99:99\n');
  await ok(d.docker(['rm', '-f', 'legacymac']));
  const bad = await d.docker(['run', '--rm', '--link', 'nosuch:db', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  await ok(d.docker(['rm', '-f', 'linked']));
});

test('bad input: Docker messages and codes, nothing half created', async () => {
  const netsBefore = await ok(d.docker(['network', 'ls', '-q']));
  const linksBefore = (await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout.split('\n').length;
  await ok(d.docker(['network', 'create', '--subnet', '10.214.0.0/16', 'first']));
  const cases: Array<[string[], RegExp]> = [
    [['network', 'create', '--subnet', '10.214.5.0/24', 'overlap'], /Pool overlaps with other one on this address space/],
    [['network', 'create', '--subnet', '10.215.0.0/24', '--gateway', '10.216.0.1', 'badgw'], /no matching subnet for gateway 10\.216\.0\.1|gateway .* not in subnet/i],
    [['network', 'create', '-d', 'nosuchdriver', 'baddrv'], /plugin "nosuchdriver" not found/],
    [['network', 'create', 'first'], /network with name first already exists/],
    [['network', 'create', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', 'routed'], /gateway_mode_ipv4=routed is not implemented by Berth/],
    [['network', 'rm', 'nosuchnet'], /network nosuchnet not found/],
    [['network', 'rm', 'bridge'], /bridge is a pre-defined network and cannot be removed/],
    [['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true'], /network nosuchnet not found/],
    [['run', '--rm', '--ip', '10.1.1.1', 'busybox', 'true'], /user specified IP address is supported on user defined networks only/],
  ];
  for (const [args, re] of cases) {
    const r = await d.docker(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
  // An address already taken.
  await ok(d.docker(['run', '-d', '--name', 'holder', '--network', 'first', '--ip', '10.214.0.9', 'busybox', 'sleep', '60']));
  const taken = await d.docker(['run', '--rm', '--network', 'first', '--ip', '10.214.0.9', 'busybox', 'true']);
  assert.notEqual(taken.code, 0);
  assert.match(taken.stderr, /Address already in use/);
  // Raw API: status codes.
  const dup = await d.request('POST', '/networks/create', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'first' }) });
  assert.equal(dup.status, 409);
  const ov = await d.request('POST', '/networks/create', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'ov', IPAM: { Config: [{ Subnet: '10.214.1.0/24' }] } }) });
  assert.equal(ov.status, 403);
  assert.equal((await d.request('GET', '/networks/nosuch')).status, 404);
  await ok(d.docker(['rm', '-f', 'holder']));
  await ok(d.docker(['network', 'rm', 'first']));
  assert.equal(await ok(d.docker(['network', 'ls', '-q'])), netsBefore);
  assert.equal((await run('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout.split('\n').length, linksBefore);
});

test('connectivity survives a berthd SIGKILL and restart; the daemon\'s view matches the host', async () => {
  await ok(d.docker(['network', 'create', 'keep']));
  await ok(d.docker(['run', '-d', '--name', 'k1', '--network', 'keep', '-p', '127.0.0.1:18934:80', '-p', '18937:80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']));
  await ok(d.docker(['run', '-d', '--name', 'k2', '--network', 'keep', 'busybox', 'sleep', '300']));
  const ip1 = (await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.keep.IPAddress}}', 'k1']))).trim();
  await eventually(() => httpGet(18934, '/hostname'));
  const dir = d.dir;
  await d.stop({ signal: 'SIGKILL', keep: true });
  // While the daemon is away, the kernel still forwards the published port.
  assert.equal((await httpGet(18934, '/hostname')).length, 13);
  // Something takes the DNS server's port meanwhile: the daemon moves it and points the containers at it.
  const netDir = join(dir, 'data', 'network');
  type NetRecord = { dnsPort: number; network: { Name: string; IPAM: { Config: Array<{ Gateway: string }> } } };
  const rec = readdirSync(netDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(netDir, f), 'utf8')) as NetRecord)
    .find((r) => r.network.Name === 'keep')!;
  const gwKeep = rec.network.IPAM.Config[0]!.Gateway;
  const squatU = dgram.createSocket('udp4');
  await new Promise<void>((r) => squatU.bind(rec.dnsPort, gwKeep, () => r()));
  const squatT = net.createServer();
  await new Promise<void>((r) => squatT.listen(rec.dnsPort, gwKeep, () => r()));
  d = await startDaemon({ dir, config: { dns: ['127.0.0.77'] } });
  squatU.close();
  squatT.close();
  assert.equal((await httpGet(18934, '/hostname')).length, 13);
  assert.equal((await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.keep.IPAddress}}', 'k1']))).trim(), ip1);
  // The IPv6 relay is berthd's own: it is back with the daemon.
  assert.equal((await eventually(() => httpGet(18937, '/hostname', '::1'))).length, 13);
  // Names still resolve (the DNS server is back on the same address), and the address is still taken.
  assert.match(await ok(d.docker(['exec', 'k2', 'wget', '-qO-', 'http://k1/hostname'])), /^[0-9a-f]{12}\n$/);
  await ok(d.docker(['run', '-d', '--name', 'k3', '--network', 'keep', 'busybox', 'sleep', '60']));
  assert.notEqual((await ok(d.docker(['inspect', '-f', '{{.NetworkSettings.Networks.keep.IPAddress}}', 'k3']))).trim(), ip1);
  // The port is held again: nothing else can take it.
  const clash = await d.docker(['run', '--rm', '-p', '127.0.0.1:18934:80', 'busybox', 'true']);
  assert.notEqual(clash.code, 0);
  await ok(d.docker(['rm', '-f', 'k1', 'k2', 'k3']));
  await ok(d.docker(['network', 'rm', 'keep']));
});

test('daemon options (--bip, default-address-pools) and an IPv6 network with its own bridge name', async () => {
  const e = await startDaemon({ args: ['--bip', '10.217.0.1/24', '--default-address-pool', 'base=10.218.0.0/16,size=24'], config: { dns: ['127.0.0.77'], 'userland-proxy': false, 'ip-forward': true } });
  try {
    await ok(e.berth(['image', 'bootstrap', 'busybox']));
    assert.equal((await ok(e.docker(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'bridge']))).trim(), '[{"Subnet":"10.217.0.0/24","Gateway":"10.217.0.1"}]');
    await ok(e.docker(['network', 'create', '--ipv6', '--subnet', 'fd00:dead:beef::/64', '-o', 'com.docker.network.bridge.name=bt-v6test', 'v6net']));
    assert.equal((await ok(e.docker(['network', 'inspect', '-f', '{{json .IPAM.Config}} {{.EnableIPv6}}', 'v6net']))).trim(), '[{"Subnet":"10.218.0.0/24","Gateway":"10.218.0.1"},{"Subnet":"fd00:dead:beef::/64","Gateway":"fd00:dead:beef::1"}] true');
    assert.match((await run('ip', ['-o', 'link', 'show', 'bt-v6test'])).stdout, /bt-v6test/);
    // ip6tables: the same filtering, IPv6 masquerading.
    const prefix = networkNames(e.dataRoot).chainPrefix;
    assert.match((await run('ip6tables', ['-w', '-t', 'nat', '-S'])).stdout, new RegExp(`-A ${prefix}-POSTROUTING -s fd00:dead:beef::/64 ! -o bt-v6test -j MASQUERADE`));
    assert.match((await run('ip6tables', ['-w', '-S'])).stdout, new RegExp(`-A ${prefix}-ISOLATION-2 -o bt-v6test -j DROP`));
    await ok(e.docker(['run', '-d', '--name', 's6', '--network', 'v6net', 'busybox', 'sleep', '60']));
    const out = await ok(e.docker(['run', '--rm', '--network', 'v6net', 'busybox', 'sh', '-c', 'ip -6 route; ping -6 -c 1 -W 2 s6; nslookup -type=AAAA s6']));
    assert.match(out, /default via fd00:dead:beef::1 dev eth0/);
    assert.match(out, /1 packets received/);
    assert.match(out, /Address: fd00:dead:beef::2/);
    assert.equal((await ok(e.docker(['inspect', '-f', '{{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}/{{.NetworkSettings.Networks.v6net.GlobalIPv6PrefixLen}}', 's6']))).trim(), 'fd00:dead:beef::2/64');
    await ok(e.docker(['rm', '-f', 's6']));
    // prune removes unused user networks only.
    assert.match(await ok(e.docker(['network', 'prune', '-f'])), /v6net/);
    assert.doesNotMatch((await run('ip', ['-o', 'link', 'show'])).stdout, /bt-v6test/);
  } finally {
    const ids = (await e.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await e.docker(['rm', '-f', ...ids]);
    await e.docker(['network', 'prune', '-f']);
    await e.stop();
  }
  assert.doesNotMatch((await run('ip', ['-o', 'link', 'show'])).stdout, new RegExp(networkNames(e.dataRoot).bridge));
  for (const table of ['filter', 'nat']) assert.doesNotMatch((await run('ip6tables', ['-w', '-t', table, '-S'])).stdout, new RegExp(networkNames(e.dataRoot).chainPrefix));
});

test('a network whose subnet was taken while its bridge was gone moves to a free one', async () => {
  const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/berth-test-'));
  let e = await startDaemon({ dir, config: { dns: ['127.0.0.77'] } });
  let squatter = false;
  try {
    await ok(e.docker(['network', 'create', 'mover']));
    await ok(e.docker(['network', 'create', '--subnet', '10.219.0.0/24', 'fixed']));
    const before = (await ok(e.docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'mover']))).trim();
    // Stopping with nothing running removes the bridges; something else then takes the subnet.
    await e.stop({ keep: true });
    const gw = before.replace(/\.0\/(\d+)$/, '.1/$1');
    await ok(run('ip', ['link', 'add', 'bt-squat', 'type', 'bridge']));
    squatter = true;
    await ok(run('ip', ['addr', 'add', gw, 'dev', 'bt-squat']));
    await ok(run('ip', ['link', 'set', 'bt-squat', 'up']));
    e = await startDaemon({ dir, config: { dns: ['127.0.0.77'] } });
    const after = (await ok(e.docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}', 'mover']))).trim();
    assert.notEqual(after.split(' ')[0], before, 'the network moved');
    assert.match(after, /^\d+\.\d+\.\d+\.0\/\d+ \d+\.\d+\.\d+\.1$/);
    // A subnet the user chose stays where it is.
    assert.equal((await ok(e.docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'fixed']))).trim(), '10.219.0.0/24');
    await ok(e.berth(['image', 'bootstrap', 'busybox']));
    assert.match(await ok(e.docker(['run', '--rm', '--network', 'mover', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0'])), new RegExp(`inet ${after.split(' ')[1]!.replace(/\.1$/, '.2').replace(/\./g, '\\.')}/`));
  } finally {
    if (squatter) await run('ip', ['link', 'del', 'bt-squat']);
    await e.docker(['network', 'prune', '-f']);
    await e.stop();
  }
});
