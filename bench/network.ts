/**
 * Network throughput and latency (issue 5): TCP bulk transfer container to
 * container on the default bridge and host to a port published on
 * 127.0.0.1, beside loopback's own; connection latency (connect, one byte
 * each way, close) through the published port, beside loopback's; and the
 * latency of `docker run --rm busybox true` on the default bridge. The same
 * static tcpblast program (bench/tools/tcpblast.c, built here with gcc) runs
 * on the host and in busybox containers. dockerd's figures are beside when
 * it is installed (its default userland proxy serves 127.0.0.1).
 *
 * Traffic stays on this machine: the host talks to 127.0.0.1 only, and
 * containers to containers on the same bridge, whose route is checked first.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerthd, startDockerdNetworked, dockerdPath, row, REPO, type Engine } from './lib.js';

const FIXTURE = process.env.BERTH_FIXTURES ? join(process.env.BERTH_FIXTURES, 'dockerd-save-busybox.tar') : join(REPO, '..', 'shared', 'fixtures', 'dockerd-save-busybox.tar');
const MB = Number(process.env.BENCH_NET_MB ?? 1000);
const PINGS = Number(process.env.BENCH_NET_PINGS ?? 2000);

function docker(e: Engine, args: string[]): string {
  return execFileSync('/usr/local/bin/docker', ['-H', `unix://${e.socket}`, ...args], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: '/tmp/bench-docker-config' } });
}

function blast(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function checkRoute(ip: string, bridges: RegExp): void {
  const out = execFileSync('ip', ['route', 'get', ip], { encoding: 'utf8' });
  if (!bridges.test(out)) throw new Error(`refusing to send to ${ip}: ${out}`);
}

/** Median of `docker run --rm busybox true` on the default bridge (the sandbox's share of a run). */
function runLatency(e: Engine, runs = 11): string {
  docker(e, ['run', '--rm', 'busybox', 'true']);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    docker(e, ['run', '--rm', 'busybox', 'true']);
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!.toFixed(0);
}

async function measure(e: Engine, tool: string): Promise<string[]> {
  docker(e, ['load', '-q', '-i', FIXTURE]);
  const run = runLatency(e);
  docker(e, ['create', '--name', 'srv', '-p', '127.0.0.1:18990:5001', 'busybox', '/tcpblast', 'serve', '5001']);
  docker(e, ['create', '--name', 'cli', 'busybox', 'sleep', '600']);
  for (const c of ['srv', 'cli']) docker(e, ['cp', tool, `${c}:/tcpblast`]);
  docker(e, ['start', 'srv', 'cli']);
  try {
    const ip = docker(e, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'srv']).trim();
    checkRoute(ip, /dev (berth-?[0-9a-f]*|bdock0) /);
    await new Promise((r) => setTimeout(r, 300));
    const c2c = docker(e, ['exec', 'cli', '/tcpblast', 'send', ip, '5001', String(MB)]).trim();
    const pub = blast([tool, 'send', '127.0.0.1', '18990', String(MB)]);
    const rr = blast([tool, 'rr', '127.0.0.1', '18990', String(PINGS)]).split(' ');
    return [e.name, c2c, pub, rr[0]!, rr[1]!, run];
  } finally {
    docker(e, ['rm', '-f', 'srv', 'cli']);
  }
}

export async function benchNetwork(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-net-'));
  const tool = join(dir, 'tcpblast');
  execFileSync('gcc', ['-static', '-O2', '-o', tool, join(REPO, 'bench', 'tools', 'tcpblast.c')]);
  console.log(`\nnetwork: TCP bulk (${MB} MB, MB/s) and connection latency (${PINGS} connections, µs), tcpblast on host and in busybox`);
  const w = [10, 22, 24, 16, 8, 14];
  console.log(row(['engine', 'container→container', 'host→127.0.0.1:published', 'latency median', 'p99', 'run --rm (ms)'], w));
  const server = spawn(tool, ['serve', '18991'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const bulk = blast([tool, 'send', '127.0.0.1', '18991', String(MB)]);
    const rr = blast([tool, 'rr', '127.0.0.1', '18991', String(PINGS)]).split(' ');
    console.log(row(['loopback', '-', bulk, rr[0]!, rr[1]!, '-'], w));
  } finally {
    server.kill();
  }
  const engines: Array<() => Promise<Engine>> = [startBerthd];
  const dd = dockerdPath();
  if (dd) engines.push(() => startDockerdNetworked(dd));
  for (const start of engines) {
    const e = await start();
    try {
      console.log(row(await measure(e, tool), w));
    } finally {
      await e.stop();
    }
  }
  if (!dd) console.log('(dockerd is not installed here: no comparison)');
  rmSync(dir, { recursive: true, force: true });
}
