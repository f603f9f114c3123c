/**
 * The host side of networking, as system calls through iproute2, util-linux
 * and iptables: network namespaces kept by a bind mount (`unshare --net=FILE`),
 * `ip -batch` in the host's or a container's namespace (`nsenter --net`),
 * sysctls, the host's routes, and a host-wide mutex for choices several
 * daemons could race on (picking a free subnet). Nothing here knows about
 * networks or containers: callers pass commands, this module runs them and
 * turns failures into typed errors with the tool's own message.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { systemError, errnoCode } from '../../errdefs/index.js';

const exec = promisify(execFile);

/** Runs a program; rejects with a system error carrying its stderr. */
export async function runTool(cmd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    try {
      const { stdout } = await exec(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw systemError(`${cmd} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`, err);
    }
  }
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
    p.on('error', (err) => reject(systemError(`${cmd}: ${err.message}`, err)));
    p.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(systemError(`${cmd} ${args.join(' ')}: ${errText.trim() || `exit status ${code}`}`));
    });
    p.stdin.on('error', () => {});
    p.stdin.end(input);
  });
}

/** `ip` commands, one per line, in one process; inside the namespace at `netns` when given. */
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  const text = lines.join('\n') + '\n';
  if (netns) await runTool('nsenter', [`--net=${netns}`, 'ip', '-batch', '-'], text);
  else await runTool('ip', ['-batch', '-'], text);
}

/** Runs a program inside the network namespace at `netns`. */
export function inNetns(netns: string, cmd: string, args: string[], input?: string): Promise<string> {
  return runTool('nsenter', [`--net=${netns}`, cmd, ...args], input);
}

/** The system calls Node lacks, done by berth-fsutil (no program is forked for them). */
export interface NetnsHelper {
  newNetns(path: string): Promise<void>;
  umount(target: string, flags?: number): Promise<void>;
}

const MNT_DETACH = 2;

/** A new network namespace, kept alive by a bind mount at `path` (a file that is created). */
export async function createNetns(helper: NetnsHelper, path: string): Promise<void> {
  try {
    await helper.newNetns(path);
  } catch (err) {
    await rm(path, { force: true });
    throw systemError(`creating a network namespace at ${path}: ${(err as Error).message}`, err);
  }
}

/** Unmounts and removes a namespace file; the namespace (and its interfaces) go when nothing else holds it. */
export async function removeNetns(helper: NetnsHelper, path: string): Promise<void> {
  if (!existsSync(path)) return;
  await helper.umount(path, MNT_DETACH).catch(() => {});
  await rm(path, { force: true });
}

/** The mount points of this mount namespace (a namespace kept by a bind mount is one). */
export async function mountPoints(): Promise<Set<string>> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return new Set(mounts.split('\n').map((l) => l.split(' ')[4] ?? '').filter(Boolean));
}

/** Writes a sysctl of the host under /proc/sys (dots or slashes). */
export async function sysctl(key: string, value: string): Promise<void> {
  const path = `/proc/sys/${key.replace(/\./g, '/')}`;
  try {
    await writeFile(path, value);
  } catch (err) {
    throw systemError(`setting ${key}=${value}: ${(err as Error).message}`, err);
  }
}

export async function linkExists(name: string): Promise<boolean> {
  try {
    await exec('ip', ['link', 'show', 'dev', name], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Destinations of the host's routes (main table, both families), for picking subnets nobody uses. */
export async function hostRoutes(): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ['-4', '-6']) {
    const text = await runTool('ip', [fam, '-j', 'route', 'show']).catch(() => '[]');
    for (const r of JSON.parse(text || '[]') as Array<{ dst?: string }>) if (r.dst) out.push(r.dst);
  }
  return out;
}

/** Addresses assigned on the host, by interface (for a bridge that is already set up). */
export async function addresses(dev: string): Promise<string[]> {
  const text = await runTool('ip', ['-j', 'addr', 'show', 'dev', dev]).catch(() => '[]');
  const out: string[] = [];
  for (const l of JSON.parse(text || '[]') as Array<{ addr_info?: Array<{ local: string; prefixlen: number; scope?: string }> }>) {
    for (const a of l.addr_info ?? []) if (a.scope !== 'link') out.push(`${a.local}/${a.prefixlen}`);
  }
  return out;
}

/**
 * A mutex shared by every berthd on the host: an abstract UNIX socket that only
 * one process can bind, released by the kernel when the holder dies. Used
 * while a daemon picks a subnet and claims it with a bridge address, so that
 * two daemons starting together do not pick the same one.
 */
export async function withHostLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const server: Server = createServer((s) => s.destroy());
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ path: `\0berth-${name}`, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EADDRINUSE' || Date.now() > deadline) throw systemError(`taking the host lock ${name}: ${(err as Error).message}`, err);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
  try {
    return await fn();
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
