/**
 * `berth cp` next to the real docker CLI against one fake archive API (HEAD,
 * GET and PUT /containers/web/archive): for a series of copies in both
 * directions, both must leave the same local files, send the same requests
 * (the PUT archives compared entry by entry) and print the same messages
 * with the same exit codes. Skipped without a docker binary.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import type { CommandSpec } from '../../../src/cli/command.js';
import type { CliContext } from '../../../src/cli/context.js';
import { runTopLevelCommands } from '../../../src/cli/commands/run/index.js';
import { berthInProcess } from '../../helpers/cli.js';

const DOCKER = '/usr/local/bin/docker';
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-run-cp-'));
const socketPath = join(dir, 'api.sock');
const work = join(dir, 'work');
let server: Server;
let log: string[] = [];

const statHeader = (name: string, size: number, isDir: boolean): string =>
  Buffer.from(JSON.stringify({ name, size, mode: isDir ? 2 ** 31 + 0o755 : 0o644, mtime: '2024-01-01T00:00:00Z', linkTarget: '' })).toString('base64');

async function tarOf(entries: Array<[string, string]>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, content] of entries) {
    if (name.endsWith('/')) pack.entry({ name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    else pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function entryNames(data: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const entry of extract as unknown as AsyncIterable<NodeJS.ReadableStream & { header: { name: string; type: string; size?: number } }>) {
      names.push(entry.header.name + (entry.header.type === 'file' ? `=${entry.header.size ?? 0}` : ''));
      entry.resume();
    }
  })();
  extract.end(data);
  await done;
  return names;
}

before(async () => {
  const confTar = await tarOf([['conf/', ''], ['conf/a', 'A'], ['conf/sub/', ''], ['conf/sub/b', 'BB']]);
  const hostsTar = await tarOf([['hosts', '127.0.0.1 localhost\n']]);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname.endsWith('/_ping')) {
          res.writeHead(200, { 'Api-Version': '1.50', OSType: 'linux' });
          res.end('OK');
          return;
        }
        const path = url.searchParams.get('path') ?? '';
        if (req.method === 'PUT') {
          log.push(`PUT ${url.search} ${(await entryNames(Buffer.concat(chunks))).join(',')}`);
          res.writeHead(200);
          res.end();
          return;
        }
        log.push(`${req.method} ${url.pathname}${url.search}`);
        const dirs = new Set(['/conf', '/srv']);
        if (req.method === 'HEAD') {
          if (dirs.has(path)) res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(path.slice(1), 4096, true) });
          else if (path === '/etc/hosts') res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader('hosts', 20, false) });
          else res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end();
          return;
        }
        if (path === '/conf' || path === '/etc/hosts') {
          const conf = path === '/conf';
          res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': conf ? statHeader('conf', 4096, true) : statHeader('hosts', 20, false) });
          res.end(conf ? confTar : hostsTar);
          return;
        }
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `Could not find the file ${path} in container web` }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh working tree: src/{t,in/f}, one.txt, out/exist/. */
function resetWork(): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'src', 'in'), { recursive: true });
  writeFileSync(join(work, 'src', 'in', 'f'), 'F\n');
  writeFileSync(join(work, 'src', 't'), 'top\n');
  writeFileSync(join(work, 'one.txt'), 'solo\n');
  mkdirSync(join(work, 'out', 'exist'), { recursive: true });
}

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string): void => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(full).isDirectory()) {
        out.push(`${r}/`);
        walk(full, r);
      } else out.push(`${r}: ${readFileSync(full, 'utf8')}`);
    }
  };
  walk(root, '');
  return out;
}

interface Outcome {
  code: number;
  err: string;
  requests: string[];
  files: string[];
}

function docker(args: string[]): Promise<Outcome> {
  resetWork();
  log = [];
  return new Promise((resolve) => {
    const child = execFile(DOCKER, ['-H', `unix://${socketPath}`, 'cp', ...args], { cwd: work, env: { ...process.env, DOCKER_CONFIG: dir } }, (err, _out, errText) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      // docker logs tar writer noise (logrus) when the copy is refused midway.
      const text = errText.split('\n').filter((l) => !l.includes('level=error')).join('\n').replaceAll('docker', 'berth');
      resolve({ code, err: text, requests: [...log], files: tree(join(work, 'out')) });
    });
    child.stdin?.end();
  });
}

const root: CommandSpec<CliContext> = { name: 'berth', short: 'x', subcommands: runTopLevelCommands };

async function berth(args: string[]): Promise<Outcome> {
  resetWork();
  log = [];
  // cp resolves local paths from the working directory.
  const cwd = process.cwd();
  process.chdir(work);
  try {
    const r = await berthInProcess(socketPath, ['cp', ...args], { root });
    return { code: r.code, err: r.err, requests: [...log], files: tree(join(work, 'out')) };
  } finally {
    process.chdir(cwd);
  }
}

const CASES: string[][] = [
  ['web:/conf', 'out/new'],
  ['web:/conf', 'out/exist'],
  ['web:/etc/hosts', 'out/exist/'],
  ['web:/etc/hosts', 'out/h2'],
  ['web:/nope', 'out/x'],
  ['web:/etc/hosts', 'out/missingdir/'],
  ['web:/conf', 'out/newdir2/'],
  ['web:/etc/hosts', 'out/nope/deeper'],
  ['src', 'web:/srv'],
  ['one.txt', 'web:/newname'],
  ['src/.', 'web:/srv'],
  ['one.txt', 'web:/srv/'],
  ['src', 'web:/nodir/'],
  ['src/.', 'web:/fresh'],
  ['-', 'web:/newname'],
  ['nothere', 'web:/srv'],
  ['a:/x', 'b:/y'],
  ['./a:b', 'out/x'],
];

describe('berth cp does what docker cp does', () => {
  for (const args of CASES) {
    it(args.join(' '), async () => {
      const d = await docker(args);
      const b = await berth(args);
      assert.deepEqual(b.requests, d.requests);
      assert.deepEqual(b.files, d.files);
      assert.equal(b.err.replace(work + '/', ''), d.err.replace(work + '/', ''));
      assert.equal(b.code, d.code);
    });
  }
});
