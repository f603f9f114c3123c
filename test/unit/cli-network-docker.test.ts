/**
 * `berth network …` and `berth port` next to the real docker CLI
 * (/usr/local/bin/docker, Docker 28) against one fake Engine API on a
 * temporary UNIX socket that answers with canned JSON: for each command line
 * both are run with the same standard input, and the requests they send
 * (method, path with query, body), what they print on stdout and stderr
 * (docker's program name read as berth) and their exit codes must be the
 * same. IPAM.Config entries are compared as a set (docker builds them from a
 * Go map, in random order). For flag errors (125) only the message line is
 * compared: docker 28 words the usage trailer differently from docker 27,
 * whose wording berth's parser prints for every command. The help of each
 * network command must be docker's, and so must CREATED AT in several time
 * zones (berth run as its own process there).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berthInProcess } from '../helpers/cli.js';
import { BERTH } from '../helpers/daemon.js';

const DOCKER = '/usr/local/bin/docker';
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-network-'));
const socketPath = join(dir, 'api.sock');
const ENV = { ...process.env, DOCKER_CONFIG: dir, DOCKER_CLI_HINTS: 'false' };
let server: Server;
let log: string[] = [];

const NEW_ID = '3f0c'.padEnd(64, 'e');
const ID = (c: string): string => c.repeat(64);

function network(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    Id: ID('a'),
    Created: '2025-03-04T05:06:07.080900000Z',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: { [ID('c')]: { Name: 'web', EndpointID: ID('e'), MacAddress: '02:42:ac:12:00:02', IPv4Address: '172.18.0.2/16', IPv6Address: '' } },
    Options: { 'com.docker.network.bridge.name': 'br-aaaa' },
    Labels: { 'com.example.team': 'infra' },
    ...extra,
  };
}

const LIST = [
  network('net10', { Id: ID('b'), Created: '2024-01-02T03:04:05.123456789+01:00', EnableIPv6: true, Internal: true }),
  network('net9', { Id: ID('c'), Created: '2024-01-02T03:04:05Z', Driver: 'overlay', Scope: 'swarm', EnableIPv4: false, Labels: null }),
  network('bridge', { Id: ID('d'), Created: '2023-12-31T23:59:59.5-05:30', Labels: {} }),
  network('host', { Id: ID('e'), Driver: 'host', Created: '2024-06-01T00:00:00+00:00' }),
  network('none', { Id: ID('f'), Driver: 'null', Created: '0001-01-01T00:00:00Z' }),
  network('Zeta', { Id: '0123456789ab', Labels: { 'a.b': 'c' } }),
  network('net010', { Id: ID('1') }),
  network('net09', { Id: ID('3') }),
  network('net9a', { Id: ID('4') }),
  network('net-ist', { Id: ID('2'), Created: '2024-06-01T12:00:00.000000001+05:30' }),
];

const PORTS = {
  '80/tcp': [
    { HostIp: '0.0.0.0', HostPort: '8080' },
    { HostIp: '::', HostPort: '8080' },
  ],
  '443/tcp': null,
  '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
  '8443/tcp': [{ HostIp: '', HostPort: '9443' }],
  '9/tcp': [{ HostIp: '::1', HostPort: '10009' }],
};

type Reply = { status: number; json?: unknown };

function reply(method: string, url: string, body: string): Reply {
  const u = new URL(url, 'http://x');
  const p = decodeURIComponent(u.pathname.replace(/^\/v1\.\d+/, ''));
  const notFound = (m: string): Reply => ({ status: 404, json: { message: m } });
  if (p === '/networks/create') {
    const name = (JSON.parse(body) as { Name: string }).Name;
    if (name === 'taken') return { status: 409, json: { message: 'network with name taken already exists' } };
    return { status: 201, json: { Id: NEW_ID, Warning: '' } };
  }
  if (p === '/networks/prune') {
    const filters = u.searchParams.get('filters') ?? '';
    return { status: 200, json: { NetworksDeleted: filters.includes('none') ? null : ['net1', 'net2'] } };
  }
  if (p === '/networks' && method === 'GET') return { status: 200, json: LIST };
  const m = /^\/networks\/([^/]+)(\/connect|\/disconnect)?$/.exec(p);
  if (m) {
    const [, name = '', action] = m;
    if (name === 'gone') return notFound(`network ${name} not found`);
    if (action) return { status: 200 };
    if (method === 'DELETE') {
      if (name === 'busy') return { status: 403, json: { message: 'error while removing network: network busy id ' + ID('b') + ' has active endpoints' } };
      return { status: 204 };
    }
    if (name === 'ingress') return { status: 200, json: network('ingress', { Ingress: true, Scope: 'swarm', Driver: 'overlay' }) };
    if (name === 'odd') {
      // Absent and null fields, an offset time, aux addresses, peers and services (verbose).
      return {
        status: 200,
        json: {
          Name: 'odd',
          Id: ID('9'),
          Created: '2024-02-03T04:05:06.7+02:00',
          Driver: 'overlay',
          IPAM: { Driver: 'default', Options: { a: '1' }, Config: [{ Subnet: '10.9.0.0/16', IPRange: '10.9.1.0/24', AuxiliaryAddresses: { r: '10.9.0.2' } }] },
          ConfigFrom: null,
          Containers: null,
          Labels: null,
          Peers: [{ Name: 'node1', IP: '192.0.2.1' }],
          Services: { web: { VIP: '10.9.0.5', Ports: ['80/tcp'], LocalLBIndex: 3, Tasks: [{ Name: 'web.1', EndpointID: 'e1', EndpointIP: '10.9.0.6', Info: { h: 'x' } }] } },
        },
      };
    }
    return { status: 200, json: network(name) };
  }
  const c = /^\/containers\/([^/]+)\/json$/.exec(p);
  if (c) {
    const [, name = ''] = c;
    if (name !== 'web' && name !== 'noports') return notFound(`No such container: ${name}`);
    return { status: 200, json: { Id: ID('c'), Name: `/${name}`, NetworkSettings: { Ports: name === 'noports' ? {} : PORTS } } };
  }
  const i = /^\/images\/([^/]+)\/json$/.exec(p);
  if (i) return notFound(`No such image: ${i[1] ?? ''}:latest`);
  return notFound(`page not found: ${method} ${url}`);
}

/** A request as the log records it; IPAM.Config sorted by subnet (docker's order is random). */
function logLine(method: string, url: string, body: string): string {
  let text = '';
  if (body.trim() !== '') {
    const v = JSON.parse(body) as { IPAM?: { Config?: Array<{ Subnet?: string }> } };
    if (Array.isArray(v.IPAM?.Config)) v.IPAM.Config.sort((a, b) => ((a.Subnet ?? '') < (b.Subnet ?? '') ? -1 : 1));
    text = ' ' + JSON.stringify(v);
  }
  return `${method} ${url}${text}`;
}

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.endsWith('/_ping')) {
        res.writeHead(200, { 'Api-Version': '1.50', OSType: 'linux' });
        res.end('OK');
        return;
      }
      log.push(logLine(req.method ?? '', url, body));
      const r = reply(req.method ?? '', url, body);
      if (r.json !== undefined) {
        res.writeHead(r.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(r.json));
      } else {
        res.writeHead(r.status);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  out: string;
  err: string;
  requests: string[];
}

function docker(args: string[], input: string): Promise<Outcome> {
  log = [];
  return new Promise((resolve) => {
    const child = execFile(DOCKER, ['-H', `unix://${socketPath}`, ...args], { env: ENV }, (err, out, errText) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, out, err: errText.replaceAll('docker', 'berth'), requests: [...log] });
    });
    child.stdin?.end(input);
  });
}

async function berth(args: string[], input: string): Promise<Outcome> {
  log = [];
  return { ...(await berthInProcess(socketPath, args, { input })), requests: [...log] };
}

/** Command lines whose requests, output and exit code must be docker's; `input` is their standard input. */
const CASES: Array<{ args: string[]; input?: string }> = [
  { args: ['network'] },
  // create
  { args: ['network', 'create', 'n1'] },
  { args: ['network', 'create', '-d', 'macvlan', '--scope', 'local', '--attachable', '--internal', '--ingress', 'n2'] },
  { args: ['network', 'create', '--ipv6', '--ipv4=false', 'n3'] },
  { args: ['network', 'create', '--ipv6=false', '--ipv4', 'n3'] },
  { args: ['network', 'create', '--subnet', '10.1.0.0/16', '--gateway', '10.1.0.1', '--ip-range', '10.1.1.0/24', 'n4'] },
  { args: ['network', 'create', '--subnet', '10.1.0.0/16', '--subnet', '10.2.0.0/16', '--gateway', '10.2.0.1', '--ip-range', '10.1.1.0/24', '--aux-address', 'a=10.1.0.5', '--aux-address', 'b=10.2.0.6', 'n5'] },
  { args: ['network', 'create', '--subnet', '10.1.0.0/16,2001:db8::/64', '--gateway=2001:db8::1,10.1.0.254', '--ip-range', '2001:db8::/80', 'n6'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--aux-address', 'x=10.0.0.9', '--aux-address', 'y=10.0.0.10', '--aux-address', 'x=10.0.0.11', 'n7'] },
  { args: ['network', 'create', '--subnet', '10.0.0.1/24', '--gateway', '::ffff:10.0.0.1', '--ip-range', '::ffff:10.0.0.128/121', 'n8'] },
  { args: ['network', 'create', '--subnet', 'bogus', 'n9'] },
  { args: ['network', 'create', '--subnet', '10.0.0.1', 'n9'] },
  { args: ['network', 'create', '--subnet', '', '--gateway', '', 'n9'] },
  { args: ['network', 'create', '--subnet', '"10.3.0.0/16",10.4.0.0/16', 'n9'] },
  { args: ['network', 'create', '-o', 'com.docker.network.bridge.name=br0', '-o', 'mtu=1400', '-o', 'mtu=1500', '--opt', 'novalue', 'n10'] },
  { args: ['network', 'create', '--ipam-driver', 'custom', '--ipam-opt', 'a=1=2', '--ipam-opt', 'b', 'n11'] },
  { args: ['network', 'create', '--label', 'a=1', '--label', 'b', '--label', 'a=2', '--label', 'c=', '--label', ' d=x', '--label', 'e=x y', 'n12'] },
  { args: ['network', 'create', '--label', ' d =x', 'n12'] },
  { args: ['network', 'create', '--label', 'a\tb', 'n12'] },
  { args: ['network', 'create', '--config-only', '--subnet', '192.168.5.0/24', 'cfg'] },
  { args: ['network', 'create', '--config-from', 'cfg', '-d', 'macvlan', 'n13'] },
  { args: ['network', 'create', 'taken'] },
  { args: ['network', 'create', ''] },
  // create: refusals of the CLI (exit 1)
  { args: ['network', 'create', '--gateway', '10.0.0.1', 'n'] },
  { args: ['network', 'create', '--ip-range', 'bad', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', '10.1.0.0/16', 'n'] },
  { args: ['network', 'create', '--subnet', '10.1.0.0/16', '--subnet', '10.0.0.0/8', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', '10.0.0.0/8', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--gateway', '11.0.0.1', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--gateway', 'bad', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', '11.0.0.0/8', '--gateway', '10.0.0.1', '--gateway', '10.0.0.2', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', '11.0.0.0/8', '--ip-range', '10.1.0.0/16', '--ip-range', '10.2.0.0/16', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--ip-range', '11.1.0.0/16', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--ip-range', '10.0.0.1', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--ip-range', '10.0.0.0/33', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--aux-address', 'a=11.0.0.1', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--aux-address', 'bad', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', 'bogus', 'n'] },
  { args: ['network', 'create', '--subnet', 'bogus', '--subnet', '10.0.0.0/8', 'n'] },
  { args: ['network', 'create', '--subnet', '2001:db8::/64', '--gateway', '10.0.0.1', 'n'] },
  { args: ['network', 'create', '--subnet', '::ffff:10.0.0.0/104', '--gateway', '10.0.0.1', 'n'] },
  { args: ['network', 'create', '--subnet', '10.0.0.0/08', '--subnet', '11.0.0.0/8', 'n'] },
  { args: ['network', 'create', '--subnet', '010.0.0.0/8', '--subnet', '11.0.0.0/8', 'n'] },
  // create: flag errors (125)
  { args: ['network', 'create', '--label', 'bad label', 'n'] },
  { args: ['network', 'create', '--label', '=x', 'n'] },
  { args: ['network', 'create', '--label', ' ', 'n'] },
  { args: ['network', 'create', '--ipv4=maybe', 'n'] },
  { args: ['network', 'create', '--subnet', 'a"b', 'n'] },
  { args: ['network', 'create', '--subnet', '"a"b', 'n'] },
  { args: ['network', 'create', '--gateway', '"unterminated', 'n'] },
  { args: ['network', 'create', '--bogus', 'n'] },
  // ls
  { args: ['network', 'ls'] },
  { args: ['network', 'list', '--no-trunc'] },
  { args: ['network', 'ls', '-q'] },
  { args: ['network', 'ls', '-q', '--no-trunc'] },
  { args: ['network', 'ls', '--format', 'json'] },
  { args: ['network', 'ls', '--format', '{{json .}}'] },
  { args: ['network', 'ls', '--format', 'raw'] },
  { args: ['network', 'ls', '--format', 'raw', '-q'] },
  { args: ['network', 'ls', '--format', 'table'] },
  { args: ['network', 'ls', '--format', 'table', '-q'] },
  { args: ['network', 'ls', '--format', '{{.Name}}', '-q'] },
  { args: ['network', 'ls', '--format', 'table {{.ID}}\\t{{.Name}}\\t{{.IPv4}}\\t{{.IPv6}}\\t{{.Internal}}\\t{{.Labels}}\\t{{.Label "com.example.team"}}'] },
  { args: ['network', 'ls', '--format', 'table {{.Name}}\t{{.CreatedAt}}'] },
  { args: ['network', 'ls', '--format', '{{.Name}}: {{.Driver}}/{{.Scope}}'] },
  { args: ['network', 'ls', '--format', '{{.Nope}}'] },
  { args: ['network', 'ls', '--format', '{{.Name'] },
  { args: ['network', 'ls', '-f', 'driver=bridge', '--filter', 'name=a', '-f', 'name=b', '-f', 'label=a=b', '-f', 'dangling=true', '-f', 'type=custom', '-f', 'scope=local', '-f', 'id=abc'] },
  { args: ['network', 'ls', '-f', ' Label = a<b&c ', '-f', 'name=10', '-f', 'name=9'] },
  { args: ['network', 'ls', '-f', 'bad'] },
  // inspect
  { args: ['network', 'inspect', 'n1'] },
  { args: ['network', 'inspect', 'n1', 'n2'] },
  { args: ['network', 'inspect', '-v', 'n1'] },
  { args: ['network', 'inspect', '--verbose', '-f', '{{.Name}} {{.Driver}} {{json .IPAM.Config}}', 'n1', 'gone', 'n2'] },
  { args: ['network', 'inspect', '--format', 'json', 'n1', 'n2'] },
  { args: ['network', 'inspect', 'gone'] },
  { args: ['network', 'inspect', 'gone', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.Name}}', 'gone'] },
  { args: ['network', 'inspect', '-f', '{{.Nope}}', 'n1', 'gone', 'n2'] },
  { args: ['network', 'inspect', '-f', '{{.Name', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{json .}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{printf "%+v" .}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.Created}} {{json .Created}} {{.IPAM}} {{.IPAM.Config}} {{json .IPAM}} {{.ConfigFrom}} {{.Options}}', 'n1', 'ingress', 'odd'] },
  { args: ['network', 'inspect', '-f', '{{.ID}} {{.Id}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.Id}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.ID}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{range $k, $v := .Containers}}{{$k}}={{$v.IPv4Address}} {{$v}}{{end}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{.AuxAddress}}{{end}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.AuxiliaryAddresses}}{{end}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{.Peers}} {{.Services}} {{len .Labels}} {{index .Labels "com.example.team"}} {{.Labels.nope}}', 'n1'] },
  { args: ['network', 'inspect', '-f', '{{json .Peers}} {{json .Services}} {{json .Labels}} {{json .IPAM.Options}} {{printf "%T %T" . .Created}}', 'n1', 'odd'] },
  { args: ['network', 'inspect', ''] },
  { args: ['network', 'inspect', ' n1 '] },
  { args: ['inspect', '-f', '{{.Name}} {{.Scope}}', 'n1'] },
  { args: ['inspect', '--type', 'network', 'n1'] },
  { args: ['inspect', '--type', 'network', 'gone', 'n2'] },
  // rm
  { args: ['network', 'rm', 'n1'] },
  { args: ['network', 'rm', 'n1', 'gone', 'busy', 'n2'] },
  { args: ['network', 'remove', '-f', 'n1', 'gone', 'busy', 'n2'] },
  { args: ['network', 'rm', '--force', 'gone'] },
  { args: ['network', 'rm', ''] },
  { args: ['network', 'rm', 'ingress'], input: 'y\n' },
  { args: ['network', 'rm', 'ingress', 'n1'], input: 'n\n' },
  // prune
  { args: ['network', 'prune', '-f'] },
  { args: ['network', 'prune', '--force', '--filter', 'until=24h', '--filter', 'label=a'] },
  { args: ['network', 'prune', '-f', '--filter', 'label=none'] },
  { args: ['network', 'prune'], input: 'y\n' },
  { args: ['network', 'prune'], input: 'Y\n' },
  { args: ['network', 'prune'], input: 'n\n' },
  { args: ['network', 'prune'], input: '' },
  { args: ['network', 'prune', '--filter', 'bad'] },
  // connect, disconnect
  { args: ['network', 'connect', 'net', 'ctr'] },
  {
    args: [
      'network', 'connect', '--alias', 'a', '--alias', 'b,c', '--ip', '10.0.0.2', '--ip6', '2001:db8::2', '--link', 'x', '--link', 'y:z',
      '--link-local-ip', '169.254.0.1', '--link-local-ip', 'fe80::1,fe80::2', '--driver-opt', 'k=v', '--driver-opt', ' a = b ', '--gw-priority', '-5', 'net', 'ctr',
    ],
  },
  { args: ['network', 'connect', '--ip', 'not-an-ip', '--ip6', '1.2.3.4', 'net', 'ctr'] },
  { args: ['network', 'connect', ' net ', ' ctr '] },
  { args: ['network', 'connect', 'gone', 'ctr'] },
  { args: ['network', 'connect', '', 'ctr'] },
  { args: ['network', 'connect', 'net', ''] },
  { args: ['network', 'connect', '--driver-opt', 'bad', 'net', 'ctr'] },
  { args: ['network', 'connect', '--driver-opt', '=x', 'net', 'ctr'] },
  { args: ['network', 'connect', '--link', 'a:b:c', 'net', 'ctr'] },
  { args: ['network', 'connect', '--gw-priority', 'high', 'net', 'ctr'] },
  { args: ['network', 'disconnect', 'net', 'ctr'] },
  { args: ['network', 'disconnect', '-f', 'net', 'ctr'] },
  { args: ['network', 'disconnect', '--force', 'gone', 'ctr'] },
  { args: ['network', 'disconnect', 'net', ''] },
  // port
  { args: ['port', 'web'] },
  { args: ['container', 'port', 'web'] },
  { args: ['port', 'web', '80'] },
  { args: ['port', 'web', '80/tcp'] },
  { args: ['port', 'web', '80/'] },
  { args: ['port', 'web', '53/udp'] },
  { args: ['port', 'web', '53'] },
  { args: ['port', 'web', '443'] },
  { args: ['port', 'web', '9'] },
  { args: ['port', 'web', ''] },
  { args: ['port', 'web', 'http'] },
  { args: ['port', 'web', '/tcp'] },
  { args: ['port', 'web', '70000'] },
  { args: ['port', 'noports'] },
  { args: ['port', 'noports', '80'] },
  { args: ['port', 'gone'] },
  { args: ['port', ''] },
];

/** The first line of a flag error (docker 28 and berth word the trailer differently). */
function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

describe('berth and docker send the same network requests and print the same', () => {
  for (const { args, input = '' } of CASES) {
    it(`${args.join(' ')}${input ? ` <<< ${JSON.stringify(input)}` : ''}`, async () => {
      const d = await docker(args, input);
      assert.ok(d.requests.length + d.out.length + d.err.length > 0, 'docker did nothing');
      const b = await berth(args, input);
      assert.deepEqual(b.requests, d.requests);
      assert.equal(b.out, d.out);
      assert.equal(b.code, d.code);
      if (d.code === 125) {
        assert.equal(firstLine(b.err), firstLine(d.err));
        assert.match(b.err, new RegExp(`\nSee 'berth ${args.slice(0, 2).join(' ')} --help'\\.\n$`));
      } else assert.equal(b.err, d.err);
    });
  }
});

describe('CREATED AT in other time zones is docker`s', () => {
  // berth as its own process here: the zone is read when the process starts.
  const run = (cmd: string, tz: string): Promise<string> =>
    new Promise((resolve) =>
      execFile(cmd, ['-H', `unix://${socketPath}`, 'network', 'ls', '--format', 'table {{.Name}}\t{{.CreatedAt}}'], { env: { ...ENV, TZ: tz } }, (_e, out, err) => resolve(out + err)),
    );
  for (const tz of ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/New_York']) {
    it(tz, async () => {
      const d = await run(DOCKER, tz);
      assert.match(d, /^NAME +CREATED AT\n/);
      assert.equal(await run(BERTH, tz), d);
    });
  }
});

describe('network help is docker`s', () => {
  const commands = [[], ['connect'], ['create'], ['disconnect'], ['inspect'], ['ls'], ['prune'], ['rm']];
  for (const sub of commands) {
    it(['network', ...sub, '--help'].join(' '), async () => {
      const d = await new Promise<string>((resolve) => execFile(DOCKER, ['network', ...sub, '--help'], { env: ENV }, (_e, out) => resolve(out)));
      const b = await berth(['network', ...sub, '--help'], '');
      assert.equal(b.code, 0);
      assert.equal(b.out, d.replaceAll('docker', 'berth').replaceAll('Docker', 'Berth').replaceAll('https://docs.berth.com/', 'https://docs.docker.com/'));
    });
  }

  it('berth help network lists the subcommands as docker network --help', async () => {
    const d = await new Promise<string>((resolve) => execFile(DOCKER, ['help', 'network'], { env: ENV }, (_e, out) => resolve(out)));
    const b = await berth(['help', 'network'], '');
    assert.equal(b.out, d.replaceAll('docker', 'berth'));
  });
});
