/**
 * Shared pieces of the benchmarks: starting berthd (and dockerd, when it is
 * installed) on temporary roots, a lean HTTP/1.1 load generator over UNIX
 * sockets with keep-alive connections, and reading a process's RSS.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Engine {
  name: string;
  socket: string;
  pid: number;
  stop(): Promise<void>;
}

async function waitForSocket(socket: string, proc: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`engine exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(socket);
      s.once('connect', () => {
        s.end('GET /_ping HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n');
        s.once('data', () => r(true));
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('engine did not answer in time');
}

async function startProcess(name: string, cmd: string, args: (dir: string, socket: string) => string[]): Promise<Engine> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  const socket = join(dir, 'api.sock');
  await writeFile(join(dir, 'config.json'), '{}');
  const proc = spawn(cmd, args(dir, socket), { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForSocket(socket, proc, 30_000);
  return {
    name,
    socket,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function startBerthd(): Promise<Engine> {
  return startProcess('berthd', join(REPO, 'bin', 'berthd'), (dir, socket) => ['-H', `unix://${socket}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--config-file', join(dir, 'config.json')]);
}

export function dockerdPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** dockerd on its own roots, without touching the host's network (no bridge, no iptables). */
export function startDockerd(path: string): Promise<Engine> {
  return startProcess('dockerd', path, (dir, socket) => [
    '-H',
    `unix://${socket}`,
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'dockerd.pid'),
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--config-file',
    join(dir, 'config.json'),
  ]);
}

/**
 * dockerd with networking, for the network benchmark: containers on a bridge
 * the benchmark makes (bdock0, 10.199.77.0/24, no masquerading: nothing is
 * routed out), dockerd's own iptables rules and userland proxy as shipped.
 * `stop` removes the bridge and dockerd's chains and puts the FORWARD policy
 * back (dockerd sets it to DROP and leaves it).
 */
export async function startDockerdNetworked(path: string): Promise<Engine> {
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
  const policy = /-P FORWARD (\w+)/.exec(sh('iptables -w -S FORWARD'))?.[1] ?? 'ACCEPT';
  sh('ip link add bdock0 type bridge && ip addr add 10.199.77.1/24 dev bdock0 && ip link set bdock0 up');
  let e: Engine;
  try {
    e = await startProcess('dockerd', path, (dir, socket) => [
      '-H', `unix://${socket}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'),
      '--bridge=bdock0', '--iptables=true', '--ip-masq=false', '--ip6tables=false', '--config-file', join(dir, 'config.json'),
    ]);
  } catch (err) {
    sh('ip link del bdock0');
    throw err;
  }
  return {
    ...e,
    async stop() {
      await e.stop();
      sh('ip link del bdock0 2>/dev/null; true');
      for (const table of ['filter', 'nat']) {
        const rules = sh(`iptables -w -t ${table} -S`).split('\n');
        for (const r of rules) if (/^-A (FORWARD|INPUT|OUTPUT|PREROUTING|POSTROUTING) .*(DOCKER|bdock0)/.test(r)) sh(`iptables -w -t ${table} ${r.replace(/^-A/, '-D')} || true`);
        for (const r of rules) { const c = /^-N (DOCKER\S*)/.exec(r)?.[1]; if (c) sh(`iptables -w -t ${table} -F ${c}`); }
        for (const r of rules) { const c = /^-N (DOCKER\S*)/.exec(r)?.[1]; if (c) sh(`iptables -w -t ${table} -X ${c} || true`); }
      }
      sh(`iptables -w -P FORWARD ${policy}`);
    },
  };
}

export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * Sends `GET path` over `connections` keep-alive connections, each waiting for
 * its answer before the next request, for `seconds`; returns requests/second.
 */
export async function httpLoad(socket: string, path: string, connections: number, seconds: number): Promise<{ rps: number; errors: number }> {
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\n\r\n`);
  let done = 0;
  let errors = 0;
  let running = true;
  const stopAt = Date.now() + seconds * 1000;
  const conns = Array.from({ length: connections }, () =>
    new Promise<void>((resolveConn) => {
      const s = connect(socket);
      let buf: Buffer = Buffer.alloc(0);
      s.on('connect', () => s.write(req));
      s.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.subarray(0, end).toString('latin1');
          const m = /content-length:\s*(\d+)/i.exec(head);
          const len = m ? Number(m[1]) : 0;
          if (buf.length < end + 4 + len) return;
          if (!head.startsWith('HTTP/1.1 200')) errors++;
          buf = buf.subarray(end + 4 + len);
          done++;
          if (running && Date.now() < stopAt) s.write(req);
          else {
            running = false;
            s.end();
            return;
          }
        }
      });
      s.on('error', () => {
        errors++;
        resolveConn();
      });
      s.on('close', () => resolveConn());
    }),
  );
  const t0 = performance.now();
  await Promise.all(conns);
  const secs = (performance.now() - t0) / 1000;
  return { rps: done / secs, errors };
}

export function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 12)).join('  ');
}
