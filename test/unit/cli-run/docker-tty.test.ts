/**
 * `run -it` on a real terminal: berth and the docker CLI are each run under
 * script(1) (a pseudo-terminal) against a fake Engine API whose "container"
 * echoes its stdin back, and are sent `ab` then the detach keys. Both must
 * put the terminal in raw mode (the line discipline does not echo `ab`; only
 * the container does), send the same requests, detach quietly and exit 0.
 * Skipped without docker or script.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOCKER = '/usr/local/bin/docker';
const SCRIPT = '/usr/bin/script';
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-run-tty-'));
const socketPath = join(dir, 'api.sock');
const runner = join(dir, 'runner.mjs');
const ID = 'd'.repeat(64);
let server: Server;
let log: string[] = [];
const sockets = new Set<Socket>();

before(async () => {
  const mod = (p: string): string => new URL(p, import.meta.url).href;
  writeFileSync(
    runner,
    [
      `import { runCli, CliError } from ${JSON.stringify(mod('../../../src/cli/flags/index.js'))};`,
      `import { makeContext } from ${JSON.stringify(mod('../../../src/cli/context.js'))};`,
      `import { ApiError } from ${JSON.stringify(mod('../../../src/client/client.js'))};`,
      `import { runTopLevelCommands } from ${JSON.stringify(mod('../../../src/cli/commands/run/index.js'))};`,
      `const root = { name: 'berth', short: 'x', flags: [{ long: 'host', short: 'H', kind: 'stringArray', help: '' }], subcommands: runTopLevelCommands };`,
      `let ctx;`,
      `const io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };`,
      `process.exitCode = await runCli(root, process.argv.slice(2), io, (g) => (ctx = makeContext(g)), { onError: (err, inv) => {`,
      `  inv.io.stderr((err instanceof ApiError ? 'Error response from daemon: ' + err.message : err.message) + '\\n');`,
      `  return err instanceof CliError ? err.exitCode : 1; } });`,
      `ctx?.dispose();`,
    ].join('\n'),
  );
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.endsWith('/_ping')) {
        res.writeHead(200, { 'Api-Version': '1.50', OSType: 'linux' });
        res.end('OK');
        return;
      }
      log.push(`${req.method} ${url.replace(/\?.*$/, '')}`);
      if (url.includes('/containers/create')) {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Id: ID }));
        return;
      }
      if (url.includes('/wait')) {
        // Held: the container never exits on its own.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        return;
      }
      res.writeHead(204);
      res.end();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket) => {
    log.push(`UPGRADE ${req.method} ${req.url}`);
    socket.on('error', () => {});
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.write('$ ');
    socket.on('data', (c: Buffer) => socket.write(c));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function underPty(command: string): Promise<{ out: string; requests: string[] }> {
  log = [];
  return new Promise((resolve) => {
    const child = spawn(SCRIPT, ['-qec', `${command}; echo "[rc=$?]"`, '/dev/null'], { env: { ...process.env, DOCKER_CONFIG: dir, TERM: 'dumb' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    setTimeout(() => child.stdin.write('ab'), 700);
    setTimeout(() => child.stdin.write(Buffer.from([0x10, 0x11])), 1200);
    setTimeout(() => child.stdin.end(), 2500);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ out, requests: [...log] });
    });
  });
}

describe('run -it under a terminal, as docker', () => {
  it('raw mode, echo from the container only, detach keys end with 0', async () => {
    const d = await underPty(`${DOCKER} -H unix://${socketPath} run -it busybox sh`);
    const b = await underPty(`${process.execPath} ${runner} -H unix://${socketPath} run -it busybox sh`);
    assert.equal(d.out, '$ ab[rc=0]\r\n');
    assert.equal(b.out, d.out);
    assert.deepEqual(
      b.requests.filter((r) => !r.includes('/resize')),
      d.requests.filter((r) => !r.includes('/resize')),
    );
  });
});
