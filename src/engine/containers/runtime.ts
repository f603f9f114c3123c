/**
 * Running containers: from a container record to a process under runc and
 * back. For a start it mounts the container's overlay root, builds the OCI
 * runtime spec (src/engine/runtime/spec) into a bundle under the exec root,
 * and hands the container to a berth-shim (src/engine/runtime/shim), which
 * holds its stdio and outlives the daemon. After the container exits it
 * deletes the runc container, unmounts the root and removes the bundle.
 *
 * Layout under `<exec-root>`: `containers/<id>/{config.json,rootfs/}` (the
 * bundle), `s/<id prefix>/` (the shim's state: attach.sock, exit.json...),
 * `runc/` (runc's state).
 */
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { LayerStore } from '../layers/index.js';
import type { HostFacts } from '../system/host.js';
import type { Logger } from '../../lib/log.js';
import { buildSpec, serializeSpec, readBoundingSet } from '../runtime/spec/index.js';
import { startShim, connectShim, readShimPid, readExit, type ShimConnection, type ExitStatus } from '../runtime/shim/client.js';
import type { ContainerRecord } from './store.js';
import { invalidArgument, systemError, messageOf } from '../../errdefs/index.js';
import type { ContainerMounts } from '../volumes/mounts.js';

const run = promisify(execFile);

export class ContainerRuntime {
  private readonly execRoot: string;
  private readonly layers: LayerStore;
  private readonly host: HostFacts;
  private readonly log: Logger;
  private boundingSet: Promise<string[]> | null = null;
  /** Volumes, binds and tmpfs mounts of containers (engine/volumes). */
  readonly mounts: ContainerMounts;

  constructor(opts: { execRoot: string; layers: LayerStore; host: HostFacts; log: Logger; mounts: ContainerMounts }) {
    this.mounts = opts.mounts;
    this.execRoot = opts.execRoot;
    this.layers = opts.layers;
    this.host = opts.host;
    this.log = opts.log;
  }

  get runtimePath(): string {
    return this.host.runtime.path;
  }

  bundle(id: string): string {
    return join(this.execRoot, 'containers', id);
  }

  /**
   * The shim's state dir holds its attach socket, and UNIX socket paths are
   * limited to 107 bytes: it lives at `<exec-root>/s/<first 24 hex of the ID>`
   * (96 bits: no two containers share it), not under the bundle.
   */
  stateDir(id: string): string {
    return join(this.execRoot, 's', id.slice(0, 24));
  }

  private rootfs(id: string): string {
    return join(this.bundle(id), 'rootfs');
  }

  /** Where a running container's root is mounted. */
  rootfsPath(id: string): string {
    return this.rootfs(id);
  }

  /** Scratch space for temporary mounts of stopped containers' roots. */
  get scratch(): string {
    return join(this.execRoot, 'tmp');
  }

  private get runcRoot(): string {
    return join(this.execRoot, 'runc');
  }

  get runcRootDir(): string {
    return this.runcRoot;
  }

  /** Where exec shims keep their state (`<exec-root>/x/<exec id prefix>`). */
  get execStateRoot(): string {
    return join(this.execRoot, 'x');
  }

  /**
   * Creates the container under runc through a new shim (the process is
   * created, not yet started) and returns a connection to the shim.
   */
  /**
   * Namespaces to join for `--pid container:<x>` and `--ipc container:<x>`, and the shared /dev/shm
   * (`--ipc shareable` gets a tmpfs of its own; joining one uses the donor's, through /proc/<pid>/root).
   * `donor` resolves a container name to its running init's pid.
   */
  private async sharing(c: ContainerRecord, donor: (name: string) => { pid: number; id: string }, netns: string | undefined): Promise<{ namespaces?: { pid?: string; ipc?: string; network?: string }; shmPath?: string }> {
    const hc = c.HostConfig as { PidMode?: string; IpcMode?: string; ShmSize?: number; NetworkMode?: string };
    const out: { namespaces?: { pid?: string; ipc?: string; network?: string }; shmPath?: string } = {};
    const ns: { pid?: string; ipc?: string; network?: string } = {};
    if (hc.PidMode?.startsWith('container:')) ns.pid = `/proc/${donor(hc.PidMode.slice(10)).pid}/ns/pid`;
    if (hc.NetworkMode?.startsWith('container:')) ns.network = `/proc/${donor(hc.NetworkMode.slice(10)).pid}/ns/net`;
    else if (netns) ns.network = netns;
    if (hc.IpcMode?.startsWith('container:')) {
      const d = donor(hc.IpcMode.slice(10));
      const shm = join(this.bundle(d.id), 'shm');
      if (!existsSync(shm)) throw invalidArgument(`non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
      ns.ipc = `/proc/${d.pid}/ns/ipc`;
      out.shmPath = shm;
    } else if (hc.IpcMode === 'shareable') {
      const shm = join(this.bundle(c.ID), 'shm');
      await mkdir(shm, { recursive: true, mode: 0o700 });
      await this.layersMountTmpfs(shm, hc.ShmSize || 64 * 1024 * 1024);
      out.shmPath = shm;
    }
    if (ns.pid || ns.ipc || ns.network) out.namespaces = ns;
    return out;
  }

  private async layersMountTmpfs(target: string, size: number): Promise<void> {
    await run('mount', ['-t', 'tmpfs', '-o', `nosuid,nodev,noexec,mode=1777,size=${size}`, 'shm', target], { timeout: 10_000 });
  }

  /** `netns`: the network namespace engine/network made for the container (none: a new empty one, or the host's); `linkEnv`: `--link` variables. */
  async create(c: ContainerRecord, donor: (name: string) => { pid: number; id: string } = () => {
    throw invalidArgument('no such container to share namespaces with');
  }, netns?: string, linkEnv: string[] = []): Promise<{ conn: ShimConnection; pid: number }> {
    if (!this.host.runtime.version) throw systemError(`the OCI runtime ${this.host.runtime.name} is not installed: containers cannot run`);
    const bundle = this.bundle(c.ID);
    const rootfs = this.rootfs(c.ID);
    // Leftovers of an earlier run (a crash between exit and cleanup); a fresh start has none and skips runc.
    if (existsSync(bundle) || existsSync(this.stateDir(c.ID))) await this.cleanup(c.ID);
    await mkdir(rootfs, { recursive: true, mode: 0o700 });
    await mkdir(this.stateDir(c.ID), { recursive: true, mode: 0o700 });
    await mkdir(this.runcRoot, { recursive: true, mode: 0o700 });
    try {
      await this.layers.mount(c.ID, rootfs);
      const volumes = await this.mounts.setup(c, rootfs);
      this.boundingSet ??= readBoundingSet();
      const shared = await this.sharing(c, donor, netns);
      const { spec } = await buildSpec({
        // Legacy links' variables come first: the container's own Env wins, as in Docker.
        config: (linkEnv.length ? { ...c.Config, Env: [...linkEnv, ...((c.Config.Env as string[] | null | undefined) ?? [])] } : c.Config) as never,
        hostConfig: c.HostConfig as never,
        image: null,
        context: {
          id: c.ID,
          rootfs,
          hostnamePath: c.HostnamePath,
          hostsPath: c.HostsPath,
          resolvConfPath: c.ResolvConfPath,
          cgroup: this.host.cgroup,
          boundingSet: await this.boundingSet,
          ...(INIT_BINARY ? { initPath: INIT_BINARY } : {}),
          ...shared,
          mounts: volumes.mounts,
        },
      });
      if (volumes.rootfsPropagation) spec.linux.rootfsPropagation = volumes.rootfsPropagation;
      await writeFile(join(bundle, 'config.json'), serializeSpec(spec));
      const started = await startShim({
        id: c.ID,
        bundle,
        stateDir: this.stateDir(c.ID),
        runtime: this.runtimePath,
        runtimeRoot: this.runcRoot,
        tty: c.Config.Tty === true,
        stdin: c.Config.OpenStdin === true,
        ...(logDriver(c) === 'none' ? {} : { logPath: c.LogPath, ...logOptions(c) }),
      });
      const conn = await connectShim(this.stateDir(c.ID));
      return { conn, pid: started.initPid };
    } catch (err) {
      await this.cleanup(c.ID);
      throw startError(err);
    }
  }

  /** Reconnects to the shim of a container that was running when the daemon stopped; null when the shim is gone. */
  async reattach(id: string): Promise<ShimConnection | null> {
    const pid = await readShimPid(this.stateDir(id));
    if (!pid) return null;
    try {
      process.kill(pid, 0);
    } catch {
      return null;
    }
    try {
      return await connectShim(this.stateDir(id));
    } catch {
      return null;
    }
  }

  /** The exit a shim recorded (after the daemon missed it). */
  recordedExit(id: string): Promise<ExitStatus | undefined> {
    return readExit(this.stateDir(id));
  }

  /** Freezes the container's processes (the cgroup freezer, through runc). */
  async pause(id: string): Promise<void> {
    await this.runc(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.runc(['resume', id]);
  }

  /** The container's cgroup path, as its spec names it. */
  async cgroupPath(id: string): Promise<string> {
    const spec = JSON.parse(await readFile(join(this.bundle(id), 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
    return spec.linux?.cgroupsPath ?? `/berth/${id}`;
  }

  get cgroups() {
    return this.host.cgroup;
  }

  /** What resource checks need to know of the host. */
  get resourceHost(): { cgroup: HostFacts['cgroup']; ncpu: number } {
    return { cgroup: this.host.cgroup, ncpu: this.host.ncpu };
  }

  private deleteExited(id: string): Promise<boolean> {
    return removeExitedState(this.runcRoot, id, this.bundle(id)).catch(() => false);
  }

  /** Changes a running container's cgroup limits (`runc update`). */
  async updateResources(id: string, r: Record<string, unknown>): Promise<void> {
    const args: string[] = [];
    const n = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
    const flag = (name: string, v: number | string | undefined) => {
      if (v !== undefined && v !== '') args.push(`--${name}`, String(v));
    };
    flag('memory', n('Memory') || undefined);
    flag('memory-swap', n('MemorySwap') || undefined);
    flag('memory-reservation', n('MemoryReservation') || undefined);
    flag('cpu-share', n('CpuShares') || undefined);
    const nano = n('NanoCpus');
    if (nano) {
      flag('cpu-period', 100000);
      flag('cpu-quota', Math.round((nano * 100000) / 1e9));
    } else {
      flag('cpu-period', n('CpuPeriod') || undefined);
      flag('cpu-quota', n('CpuQuota') || undefined);
    }
    flag('cpuset-cpus', r.CpusetCpus as string | undefined);
    flag('cpuset-mems', r.CpusetMems as string | undefined);
    flag('pids-limit', n('PidsLimit') || undefined);
    flag('blkio-weight', n('BlkioWeight') || undefined);
    if (args.length) await this.runc(['update', ...args, id]);
  }

  /** Host pids of the container's processes. */
  async pids(id: string): Promise<number[]> {
    const out = await this.runc(['ps', '--format', 'json', id]);
    return (JSON.parse(out || '[]') as number[] | null) ?? [];
  }

  private async runc(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.runtimePath, ['--root', this.runcRoot, ...args], { timeout: 20_000 });
      return stdout;
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw systemError(`${this.host.runtime.name} ${args[0]}: ${stderr.trim() || messageOf(err)}`);
    }
  }

  /** Deletes the runc container, unmounts the root and removes the bundle; quiet when there is nothing. */
  async cleanup(id: string, exited = false): Promise<void> {
    const del = !existsSync(join(this.runcRoot, id))
      ? Promise.resolve()
      : (exited ? this.deleteExited(id) : Promise.resolve(false)).then((done) =>
          done
            ? undefined
            : run(this.runtimePath, ['--root', this.runcRoot, 'delete', '--force', id], { timeout: 20_000 }).then(
                () => undefined,
                () => undefined,
              ),
        );
    // The process is dead: its root can go while runc removes its state and cgroups.
    await Promise.all([del, this.layers.unmount(this.rootfs(id), { detach: true }).catch((err: unknown) => this.log.debug('unmount', { id, err: messageOf(err) }))]);
    if (existsSync(join(this.bundle(id), 'shm'))) await run('umount', ['-l', join(this.bundle(id), 'shm')]).catch(() => {});
    await this.mounts.teardown(id);
    await rm(this.bundle(id), { recursive: true, force: true });
    await rm(this.stateDir(id), { recursive: true, force: true });
  }
}

/**
 * What `runc delete` does for a container whose init has exited (its pid
 * namespace, and so every process in it, died with the init): remove its
 * cgroups and runc's state directory. Done in-process it saves a runc run on
 * every container exit; anything unexpected (a cgroup still busy) falls back
 * to `runc delete --force`.
 */
async function removeExitedState(runcRoot: string, id: string, bundle: string): Promise<boolean> {
  let cgroupsPath: string;
  try {
    const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
    cgroupsPath = spec.linux?.cgroupsPath ?? '';
  } catch {
    return false;
  }
  if (!cgroupsPath.startsWith('/') || cgroupsPath.includes('..')) return false;
  const { readdir, rmdir } = await import('node:fs/promises');
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? ['/sys/fs/cgroup']
    : (await readdir('/sys/fs/cgroup')).map((n) => join('/sys/fs/cgroup', n)); // every v1 hierarchy, and the unified one of a hybrid layout
  for (const r of roots) {
    try {
      await rmdir(join(r, cgroupsPath));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return false;
    }
  }
  await rm(join(runcRoot, id), { recursive: true, force: true });
  return true;
}

/** The init for --init: Debian's static tini (a static binary works in any image). */
export const INIT_BINARY = ['/usr/bin/tini-static', '/usr/bin/tini'].find((p) => existsSync(p));

export function logDriver(c: ContainerRecord): string {
  return (c.HostConfig as { LogConfig?: { Type?: string } }).LogConfig?.Type || 'json-file';
}

function logOptions(c: ContainerRecord): { logMaxSize?: number; logMaxFile?: number } {
  const lc = (c.HostConfig as { LogConfig?: { Type?: string; Config?: Record<string, string> } }).LogConfig;
  const cfg = lc?.Config ?? {};
  const out: { logMaxSize?: number; logMaxFile?: number } = {};
  if (cfg['max-size']) {
    const m = /^(\d+)([kmg]?)b?$/i.exec(cfg['max-size']);
    if (m) out.logMaxSize = Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]!;
  }
  if (cfg['max-file']) out.logMaxFile = Number(cfg['max-file']);
  return out;
}

/** Docker reports a missing or non-executable entrypoint as a bad request whose text the CLI maps to 127/126. */
function startError(err: unknown): Error {
  const msg = messageOf(err);
  if (/executable file not found|no such file or directory|permission denied|not a directory/.test(msg)) {
    return invalidArgument(`failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg}: unknown`, err);
  }
  return err instanceof Error ? err : systemError(msg);
}
