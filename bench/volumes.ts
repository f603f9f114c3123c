/**
 * Write throughput to a named volume, to a bind mount and to the container's
 * own overlay layer, beside the host's disk (the same commands run on the
 * host, on the file system of the engines' data roots), for berthd and for
 * dockerd when it is installed: a sequential write of 128 MB with fsync
 * (`dd`), and 2,000 files of 4 KiB copied in then synced (`cp -r`, `sync`).
 * Container figures are wall times of `docker run` minus that of an empty
 * `docker run`, so start-up is not counted.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerthd, startDockerd, dockerdPath, row, REPO, type Engine } from './lib.js';

const FIXTURE = process.env.BERTH_FIXTURES ? join(process.env.BERTH_FIXTURES, 'dockerd-save-busybox.tar') : join(REPO, '..', 'shared', 'fixtures', 'dockerd-save-busybox.tar');
const SEQ_MB = 128;
const FILES = 2000;

function timed(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, DOCKER_CONFIG: '/tmp/bench-docker-config' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return performance.now() - t;
}

function docker(e: Engine, args: string[]): number {
  return timed('/usr/local/bin/docker', ['-H', `unix://${e.socket}`, ...args]);
}

function best(n: number, f: () => number): number {
  let m = Infinity;
  for (let i = 0; i < n; i++) m = Math.min(m, f());
  return m;
}

const seqCmd = (dir: string) => `dd if=/dev/zero of=${dir}/seq bs=1M count=${SEQ_MB} conv=fsync 2>/dev/null && rm ${dir}/seq`;
const smallCmd = (dir: string, src: string) => `rm -rf ${dir}/x && cp -r ${src} ${dir}/x && sync && rm -rf ${dir}/x`;

export async function benchVolumes(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-volumes-'));
  const src = join(work, 'src');
  const hostDir = join(work, 'host');
  const bindDir = join(work, 'bind');
  await mkdir(src);
  await mkdir(hostDir);
  await mkdir(bindDir);
  execFileSync('sh', ['-c', `cd ${src} && head -c ${FILES * 4096} /dev/urandom | split -b 4096 -a 4 -d - f`]);
  console.log(`\nvolume write throughput: ${SEQ_MB} MB sequential with fsync (MB/s); ${FILES} files of 4 KiB copied and synced (files/s); best of 2`);
  const w = [26, 16, 14];
  console.log(row(['target', 'sequential MB/s', 'small files/s'], w));
  try {
    const hostSeq = best(2, () => timed('sh', ['-c', seqCmd(hostDir)]));
    const hostSmall = best(2, () => timed('sh', ['-c', smallCmd(hostDir, src)]));
    console.log(row(['host disk', (SEQ_MB / (hostSeq / 1000)).toFixed(0), (FILES / (hostSmall / 1000)).toFixed(0)], w));
    const engines: Array<() => Promise<Engine>> = [startBerthd];
    const dd = dockerdPath();
    if (dd) engines.push(() => startDockerd(dd));
    for (const start of engines) {
      const e = await start();
      try {
        docker(e, ['load', '-q', '-i', FIXTURE]);
        docker(e, ['volume', 'create', 'benchvol']);
        const base = best(2, () => docker(e, ['run', '--rm', '--network', 'none', '-v', `${src}:/src:ro`, '-v', 'benchvol:/v', '-v', `${bindDir}:/b`, 'busybox', 'true']));
        const targets: Array<[string, string]> = [
          ['named volume', '/v'],
          ['bind mount', '/b'],
          ['container layer', '/layer'],
        ];
        for (const [label, dir] of targets) {
          const run = (cmd: string) => Math.max(1, docker(e, ['run', '--rm', '--network', 'none', '-v', `${src}:/src:ro`, '-v', 'benchvol:/v', '-v', `${bindDir}:/b`, 'busybox', 'sh', '-c', `mkdir -p /layer && ${cmd}`]) - base);
          const seq = best(2, () => run(seqCmd(dir)));
          const small = best(2, () => run(smallCmd(dir, '/src')));
          console.log(row([`${e.name}: ${label}`, (SEQ_MB / (seq / 1000)).toFixed(0), (FILES / (small / 1000)).toFixed(0)], w));
        }
        docker(e, ['volume', 'rm', 'benchvol']);
      } finally {
        await e.stop();
      }
    }
    if (!dd) console.log('(dockerd is not installed here: no comparison)');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
