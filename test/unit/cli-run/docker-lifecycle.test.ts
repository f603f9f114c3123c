/**
 * The container-process commands of berth next to the real docker CLI
 * (/usr/local/bin/docker) against one fake Engine API: for each command line
 * both are run, and the requests they send (method, path, query, body), what
 * they print on stdout and stderr, and their exit codes must be the same
 * (docker's program name read as berth). The fake answers inspect, logs,
 * wait, top, changes, exec, the lifecycle POSTs, and upgrades attach /
 * exec-start connections to send two multiplexed frames. Skipped without a
 * docker binary.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from '../../../src/cli/command.js';
import type { CliContext } from '../../../src/cli/context.js';
import { frame } from '../../../src/lib/stdcopy.js';
import { runTopLevelCommands } from '../../../src/cli/commands/run/index.js';
import { berthInProcess } from '../../helpers/cli.js';

const DOCKER = '/usr/local/bin/docker';
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-run-life-'));
const socketPath = join(dir, 'api.sock');
const ID = 'c'.repeat(64);
let server: Server;
let log: string[] = [];

const BAD = 'b'.repeat(64);

function reply(method: string, url: string, body: string): { status: number; json?: unknown; raw?: Buffer } {
  if (url.startsWith('/v1.50/containers/create')) {
    const image = (JSON.parse(body) as { Image: string }).Image;
    if (image === 'missing') return { status: 404, json: { message: 'No such image: missing:latest' } };
    return { status: 201, json: { Id: image === 'badexec' ? BAD : ID, Warnings: [] } };
  }
  if (url.includes(`/containers/${BAD}/start`)) return { status: 400, json: { message: 'failed to create task: exec: "nope": executable file not found in $PATH' } };
  if (url.startsWith('/v1.50/images/create')) return { status: 501, json: { message: 'pulling images is not implemented' } };
  if (url.includes('/containers/gone')) return { status: 404, json: { message: 'No such container: gone' } };
  if (/\/containers\/\w+\/json/.test(url)) {
    return {
      status: 200,
      json: {
        Id: ID,
        Name: '/web',
        Config: { Tty: false, OpenStdin: false },
        HostConfig: {},
        State: { Running: true, Paused: false, Restarting: false },
        NetworkSettings: { Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '443/tcp': null, '53/udp': [{ HostIp: '', HostPort: '5353' }] } },
      },
    };
  }
  if (url.includes('/logs')) return { status: 200, raw: Buffer.concat([frame(1, Buffer.from('out1\n')), frame(2, Buffer.from('err1\n'))]) };
  if (url.includes('/wait')) return { status: 200, json: { StatusCode: 3 } };
  if (url.includes('/top')) return { status: 200, json: { Titles: ['UID', 'PID', 'CMD'], Processes: [['root', '1', 'sleep 100'], ['root', '22', 'sh']] } };
  if (url.includes('/changes')) return { status: 200, json: [{ Kind: 0, Path: '/etc' }, { Kind: 1, Path: '/etc/x' }, { Kind: 2, Path: '/y' }] };
  if (url.startsWith('/v1.50/commit')) return { status: 201, json: { Id: 'sha256:' + 'b'.repeat(64) } };
  if (url.includes('/exec/e1/json')) return { status: 200, json: { ExitCode: 4 } };
  if (url.includes('/exec')) return { status: 201, json: { Id: 'e1' } };
  if (method === 'POST' && /\/(stop|kill|restart|pause|unpause|start)(\?|$)/.test(url)) return { status: 204 };
  return { status: 404, json: { message: `page not found: ${url}` } };
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
      log.push(`${req.method} ${url}${body.trim() ? ' ' + JSON.stringify(JSON.parse(body)) : ''}`);
      const r = reply(req.method ?? '', url, body);
      if (r.json !== undefined) {
        res.writeHead(r.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(r.json));
      } else {
        res.writeHead(r.status, r.raw ? { 'Content-Type': 'application/vnd.docker.multiplexed-stream' } : {});
        res.end(r.raw ?? '');
      }
    });
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const len = Number(req.headers['content-length'] ?? 0);
    let got = head;
    const answer = (): void => {
      const body = got.subarray(0, len).toString('utf8').trim();
      log.push(`UPGRADE ${req.method} ${req.url}${body ? ' ' + JSON.stringify(JSON.parse(body)) : ''}`);
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      // Only the streams asked for (docker's CLI crashes on a frame for a stream it did not attach).
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const exec = (req.url ?? '').includes('/exec/');
      const frames: Buffer[] = [];
      if (exec || q.get('stdout') === '1') frames.push(frame(1, Buffer.from('hello\n')));
      if (exec || q.get('stderr') === '1') frames.push(frame(2, Buffer.from('oops\n')));
      socket.end(Buffer.concat(frames));
    };
    let answered = false;
    const check = (): void => {
      if (!answered && got.length >= len) {
        answered = true;
        answer();
      }
    };
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      check();
    });
    check();
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

function docker(args: string[]): Promise<Outcome> {
  log = [];
  return new Promise((resolve) => {
    const child = execFile(DOCKER, ['-H', `unix://${socketPath}`, ...args], { env: { ...process.env, DOCKER_CONFIG: dir } }, (err, out, errText) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, out, err: errText.replaceAll('docker', 'berth'), requests: [...log] });
    });
    child.stdin?.end();
  });
}

const root: CommandSpec<CliContext> = { name: 'berth', short: 'x', subcommands: runTopLevelCommands };

async function berth(args: string[]): Promise<Outcome> {
  log = [];
  return { ...(await berthInProcess(socketPath, args, { root })), requests: [...log] };
}

const CASES: string[][] = [
  ['stop', '-t', '5', '-s', 'KILL', 'web'],
  ['stop', 'gone'],
  ['kill', 'web'],
  ['kill', '-s', '9', 'web', 'gone'],
  ['restart', '-t', '1', 'web'],
  ['restart', 'web', 'gone'],
  ['pause', 'web'],
  ['unpause', 'web', 'gone'],
  ['start', 'web', 'gone'],
  ['start', '-a', 'web'],
  ['wait', 'web', 'gone'],
  ['logs', 'web'],
  ['logs', '-f', '-t', '--tail', '3', '--since', '1700000000', 'web'],
  ['logs', '--details', '-n', '0', 'web'],
  ['logs', 'gone'],
  ['top', 'web'],
  ['top', 'web', 'aux'],
  ['port', 'web'],
  ['port', 'web', '80/tcp'],
  ['port', 'web', '443'],
  ['port', 'web', '53/udp'],
  ['diff', 'web'],
  ['exec', 'web', 'ls', '-l'],
  ['exec', '-d', '-e', 'A=1', '-u', 'nobody', '-w', '/tmp', '--privileged', 'web', 'touch', '/x'],
  ['exec', '-i', 'web', 'cat'],
  ['exec', '-t', 'web', 'sh'],
  ['exec', '-d', '-t', 'web', 'top'],
  ['exec', 'gone', 'ls'],
  ['attach', 'web'],
  ['attach', '--no-stdin', '--sig-proxy=false', '--detach-keys', 'ctrl-x', 'web'],
  ['commit', '-c', 'ENV A=1', '-m', 'msg', 'web', 'me/img:v2'],
  ['run', 'busybox', 'echo', 'hi'],
  ['run', '-d', '--name', 'bg', 'busybox', 'sleep', '9'],
  ['run', '--rm', '-e', 'A=1', 'busybox'],
  ['run', '-i', 'busybox', 'cat'],
  ['run', '-a', 'stdout', 'busybox'],
  ['run', '-t', 'busybox'],
  ['run', '--sig-proxy=false', '--detach-keys', 'ctrl-a,b', 'busybox'],
  ['run', 'badexec'],
  ['run', '-d', 'badexec'],
  ['run', '--pull', 'never', 'missing'],
  ['create', '--name', 'c1', '-p', '80:80', 'busybox'],
  ['run', 'missing'],
  ['create', 'missing'],
  ['create', '-q', 'missing'],
  ['run', '--restart', 'always', '--rm', 'busybox'],
  ['create', 'UPPER'],
  ['run', 'UPPER'],
  ['create', 'bad::x'],
  ['create', '--platform', 'foo/bar/baz/q', 'busybox'],
  ['run', '--platform', 'a/b/c/d', 'busybox'],
  ['create', '--platform', 'linux/arm64/v8', 'busybox'],
  ['create', '--env-file', '/nonexistent/env', 'busybox'],
];

describe('berth and docker send the same requests and print the same', () => {
  for (const args of CASES) {
    it(args.join(' '), async () => {
      const d = await docker(args);
      const b = await berth(args);
      // Parallel operations (stop, kill...) may reach the daemon in any order.
      assert.deepEqual([...b.requests].sort(), [...d.requests].sort());
      assert.equal(b.out, d.out);
      assert.equal(b.err, d.err);
      assert.equal(b.code, d.code);
    });
  }
});
