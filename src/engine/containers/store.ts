/**
 * The container store: every container's configuration and state, its name,
 * its read-write layer and its files (hostname, hosts, resolv.conf), from
 * `create` to `rm`. Running a container (runc, the shim, logs, attach) builds
 * on this store; until that lands, containers are created, listed,
 * inspected, renamed and removed here.
 *
 * Lifecycle and crash safety: a container exists once `containers/<id>/config.v2.json`
 * is renamed into place, after its read-write snapshot and files are ready;
 * a crash before that leaves a directory or snapshot without a record, which
 * `open` removes. Every state change rewrites the record atomically.
 */
import { mkdir, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LayerStore } from '../layers/index.js';
import type { ImageStore } from '../images/store.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../../lib/log.js';
import { writeJsonAtomic } from '../../lib/atomic.js';
import { conflict, invalidArgument, notFound, notModified, errnoCode, messageOf } from '../../errdefs/index.js';
import { EventEmitter } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ContainerRuntime } from './runtime.js';
import type { ShimConnection, ExitStatus } from '../runtime/shim/client.js';
import { strSlice, type ContainerConfig as ImageRuntimeConfig, type ImageConfig as ImageConfigFull } from '../images/model.js';
import { generateName, validateName } from './names.js';
import { validateHostConfig } from './validate.js';
import { Filters } from '../filters.js';
import type { NetworkStore, NetworkSettings, SandboxState } from '../network/store.js';
import type { MountPoint } from '../volumes/store.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

/** The API's container Config (Docker's container.Config); kept as given, merged with the image's defaults. */
export type ContainerConfig = ImageRuntimeConfig & { Image: string; [k: string]: unknown };
export type HostConfig = Record<string, unknown> & { NetworkMode?: string; AutoRemove?: boolean; RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };

export interface ContainerRecord {
  ID: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  /** The image ID. */
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  /** Docker's flag: a user stopped it, so `always`/`unless-stopped` leave it down (until the daemon restarts, for `always`). */
  HasBeenManuallyStopped?: boolean;
  Driver: string;
  Platform: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  NetworkingConfig?: unknown;
  /** The networks it is on (addresses while it runs), as inspect shows them. */
  NetworkSettings?: NetworkSettings;
  /** Its sandbox while it runs (engine/network's, not shown). */
  NetworkRuntime?: SandboxState;
  /** Volumes, binds and --mount tmpfs, resolved at create (engine/volumes). */
  MountPoints?: MountPoint[];
}

export interface CreateRequest {
  name?: string;
  config: Record<string, unknown>;
  hostConfig: HostConfig;
  networkingConfig?: unknown;
}

export interface ContainerSummary {
  record: ContainerRecord;
}

export const CONTAINER_FILTERS = ['ancestor', 'before', 'exited', 'health', 'id', 'is-task', 'isolation', 'label', 'name', 'network', 'publish', 'expose', 'since', 'status', 'volume'];

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();
  private readonly root: string;
  private readonly layers: LayerStore;
  private readonly images: ImageStore;
  private readonly events: EventBus;
  private readonly log: Logger;
  private readonly runtime: ContainerRuntime;
  private readonly networks: NetworkStore;
  /** The daemon's connection to each running container's shim. */
  private readonly conns = new Map<string, ShimConnection>();
  private closing = false;
  private prober: import('./health.js').Prober | null = null;
  private readonly health = new Map<string, import('./health.js').HealthMonitor>();
  /** Lifecycle signals inside the daemon: `created:<id>`, `startfailed:<id>`, `started:<id>`, `exited:<id>`, `removed:<id>`. */
  readonly lifecycle = new EventEmitter();

  private constructor(root: string, layers: LayerStore, images: ImageStore, events: EventBus, log: Logger, runtime: ContainerRuntime, networks: NetworkStore) {
    this.root = root;
    this.networks = networks;
    this.layers = layers;
    this.images = images;
    this.events = events;
    this.log = log;
    this.runtime = runtime;
    this.lifecycle.setMaxListeners(0);
  }

  static async open(root: string, layers: LayerStore, images: ImageStore, events: EventBus, log: Logger, runtime: ContainerRuntime, networks: NetworkStore): Promise<ContainerStore> {
    await mkdir(root, { recursive: true, mode: 0o710 });
    const s = new ContainerStore(root, layers, images, events, log, runtime, networks);
    await s.load();
    networks.setContainers({ list: () => s.list(), resolve: (x) => s.resolve(x), persist: (c) => s.persist(c as ContainerRecord) });
    await s.restore();
    await networks.finishRestore();
    images.setUsageCheck((imageId) => {
      for (const c of s.byId.values()) if (c.Image === imageId) return { by: c.ID.slice(0, 12), running: c.State.Running };
      return null;
    });
    return s;
  }

  // ---- reading -------------------------------------------------------------------------------

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  counts(): { containers: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.byId.values()) {
      if (c.State.Paused) paused++;
      else if (c.State.Running) running++;
    }
    return { containers: this.byId.size, running, paused, stopped: this.byId.size - running - paused };
  }

  /** By full ID, name (with or without `/`), or unique ID prefix, as Docker resolves. */
  resolve(idOrName: string): ContainerRecord {
    const c = this.tryResolve(idOrName);
    if (!c) throw notFound(`No such container: ${idOrName}`);
    return c;
  }

  tryResolve(idOrName: string): ContainerRecord | undefined {
    if (!idOrName) return undefined;
    const exact = this.byId.get(idOrName);
    if (exact) return exact;
    const byName = this.byName.get(idOrName.startsWith('/') ? idOrName : `/${idOrName}`);
    if (byName) return this.byId.get(byName);
    if (/^[0-9a-f]+$/.test(idOrName)) {
      const hits = [...this.byId.keys()].filter((id) => id.startsWith(idOrName));
      if (hits.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${idOrName}`);
      if (hits.length === 1) return this.byId.get(hits[0]!);
    }
    return undefined;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  // ---- create, rename, remove ----------------------------------------------------------------

  async create(req: CreateRequest): Promise<{ id: string; warnings: string[] }> {
    const cfg = req.config;
    const warnings = validateHostConfig(req.hostConfig, this.runtime.resourceHost);
    const imageName = typeof cfg.Image === 'string' ? cfg.Image : '';
    if (!imageName) throw invalidArgument('No image was specified');
    const name = req.name ? validateName(req.name) : generateName((n) => this.byName.has(n));
    const holder = this.byName.get(name);
    if (holder) {
      throw conflict(`Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const img = this.images.resolve(imageName);
    const imageCfg = (await this.images.config(img.id)).config ?? {};
    const merged = mergeImageConfig(cfg, imageCfg);
    const entry = [...strSlice(merged.Entrypoint), ...strSlice(merged.Cmd)];
    if (entry.length === 0) throw invalidArgument('no command specified');
    // The network store fills NetworkMode ('default' when none is given) and checks what it names.
    const hostConfig: HostConfig = { ...req.hostConfig };
    const networkSettings = this.networks.prepare(hostConfig, req.networkingConfig, {
      exposed: merged.ExposedPorts as Record<string, unknown> | undefined,
      ...(typeof cfg.MacAddress === 'string' && cfg.MacAddress ? { macAddress: cfg.MacAddress } : {}),
      warnings,
    });
    const extraHosts = this.resolveHostGateway((hostConfig.ExtraHosts as string[] | null | undefined) ?? []);
    const id = randomBytes(32).toString('hex');
    if (!merged.Hostname) merged.Hostname = id.slice(0, 12);
    // Reserve the name while the container is being made.
    this.byName.set(name, id);
    const dir = this.dir(id);
    const top = img.layers.at(-1)?.chainId ?? null;
    try {
      const mountPoints = await this.runtime.mounts.prepare(id, merged.Volumes as Record<string, unknown> | undefined, hostConfig as never, (n) => this.tryResolve(n));
      await mkdir(dir, { mode: 0o710 });
      await this.layers.prepare(id, top);
      await writeFile(join(dir, 'hostname'), `${merged.Hostname}\n`);
      await writeFile(join(dir, 'hosts'), hostsFile(String(merged.Hostname), String(merged.Domainname ?? ''), hostConfig.NetworkMode === 'host', extraHosts));
      await writeResolvConf(join(dir, 'resolv.conf'), hostConfig.NetworkMode === 'host', {
        dns: (hostConfig.Dns as string[] | null | undefined) ?? [],
        search: (hostConfig.DnsSearch as string[] | null | undefined) ?? [],
        options: (hostConfig.DnsOptions as string[] | null | undefined) ?? [],
      });
      const rec: ContainerRecord = {
        ID: id,
        Created: new Date().toISOString(),
        Path: entry[0]!,
        Args: entry.slice(1),
        State: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
        Image: img.id,
        ResolvConfPath: join(dir, 'resolv.conf'),
        HostnamePath: join(dir, 'hostname'),
        HostsPath: join(dir, 'hosts'),
        LogPath: join(dir, `${id}-json.log`),
        Name: name,
        RestartCount: 0,
        Driver: 'overlayfs',
        Platform: 'linux',
        Config: merged,
        HostConfig: hostConfig,
        ...(req.networkingConfig !== undefined ? { NetworkingConfig: req.networkingConfig } : {}),
        NetworkSettings: networkSettings,
        MountPoints: mountPoints,
      };
      await this.persist(rec);
      this.byId.set(id, rec);
    } catch (err) {
      this.byName.delete(name);
      await this.runtime.mounts.abort(id);
      await this.layers.removeRW(id).catch(() => {});
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    this.events.publish('container', 'create', { id, attributes: this.attrs(this.byId.get(id)!) });
    return { id, warnings };
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = this.resolve(idOrName);
    const name = validateName(newName);
    const holder = this.byName.get(name);
    if (holder === c.ID) throw invalidArgument('Renaming a container with the same name as its current name');
    if (holder) throw conflict(`Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    const old = c.Name;
    this.byName.delete(old);
    this.byName.set(name, c.ID);
    c.Name = name;
    this.networks.renamed(c);
    await this.persist(c);
    this.events.publish('container', 'rename', { id: c.ID, attributes: { ...this.attrs(c), oldName: old } });
  }

  async remove(idOrName: string, opts: { force: boolean; volumes?: boolean }): Promise<void> {
    const c = this.resolve(idOrName);
    if (c.State.Running || c.State.Paused || c.State.Restarting) {
      if (!opts.force) {
        throw conflict(`cannot remove container "${c.Name}": container is ${c.State.Status}: stop the container before removing or force remove`);
      }
      const exited = this.nextExit(c.ID);
      await this.kill(c.ID, 'SIGKILL').catch(() => {});
      await Promise.race([exited, sleep(10_000)]);
    }
    if (this.byId.has(c.ID)) await this.destroy(c, opts.volumes === true);
  }


  // ---- running ---------------------------------------------------------------------------------

  /** Lets health checks run probes (the exec manager provides them). */
  setProber(p: import('./health.js').Prober): void {
    this.prober = p;
  }

  private async startHealth(c: ContainerRecord): Promise<void> {
    const { probeCommand, HealthMonitor } = await import('./health.js');
    const cfg = c.Config.Healthcheck;
    const cmd = probeCommand(cfg);
    if (!cmd || !cfg || !this.prober) {
      delete (c.State as ContainerState & { Health?: unknown }).Health;
      return;
    }
    const m = new HealthMonitor(c.ID, cmd, cfg, this.prober, (state, changed) => {
      (c.State as ContainerState & { Health?: unknown }).Health = state;
      void this.persist(c).catch(() => {});
      if (changed) this.events.publish('container', `health_status: ${state.Status}`, { id: c.ID, attributes: this.attrs(c) });
    });
    (c.State as ContainerState & { Health?: unknown }).Health = m.state;
    this.health.get(c.ID)?.stop();
    this.health.set(c.ID, m);
    m.start();
  }

  private stopHealth(id: string): void {
    this.health.get(id)?.stop();
    this.health.delete(id);
  }

  /** A connection to the shim of a running container (attach, resize, signals). */
  shim(id: string): ShimConnection | undefined {
    return this.conns.get(id);
  }

  async start(idOrName: string): Promise<void> {
    const c = this.resolve(idOrName);
    if (c.State.Running) throw notModified();
    this.cancelRestart(c.ID);
    c.HasBeenManuallyStopped = false;
    c.RestartCount = 0;
    this.backoff.delete(c.ID);
    await this.startInternal(c);
  }

  private async startInternal(c: ContainerRecord): Promise<void> {
    if (c.State.Running) return;
    if (c.State.Status === 'removing' || c.State.Dead) throw conflict(`container ${c.ID} is marked for removal and cannot be started`);
    let conn: ShimConnection;
    let pid: number;
    const donor = (name: string) => {
      const d = this.resolve(name);
      if (!d.State.Running || !d.State.Pid) throw conflict(`cannot join the namespaces of container ${name}: it is not running`);
      return { pid: d.State.Pid, id: d.ID };
    };
    try {
      const net = await this.networkUp(c, donor);
      ({ conn, pid } = await this.runtime.create(c, donor, net, this.linkEnv(c)));
    } catch (err) {
      await this.networks.detach(c).catch(() => {});
      await this.startFailed(c, err);
      throw err;
    }
    this.conns.set(c.ID, conn);
    // Attach requests waiting for the start connect now, before the process runs.
    this.lifecycle.emit(`created:${c.ID}`);
    try {
      await conn.start();
    } catch (err) {
      this.conns.delete(c.ID);
      conn.close();
      await this.runtime.cleanup(c.ID);
      await this.networks.detach(c).catch(() => {});
      await this.startFailed(c, err);
      throw err;
    }
    Object.assign(c.State, { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString() });
    await this.startHealth(c);
    await this.persist(c);
    this.events.publish('container', 'start', { id: c.ID, attributes: this.attrs(c) });
    this.lifecycle.emit(`started:${c.ID}`);
    this.monitor(c, conn);
  }

  /** `--add-host name:host-gateway`: the default bridge's gateway, as Docker resolves it. */
  private resolveHostGateway(extra: string[]): string[] {
    return extra.map((e) => {
      if (!/[:=]host-gateway$/.test(e)) return e;
      const gw = this.networks.hostGateway();
      if (!gw) throw invalidArgument('unable to derive the IP value for host-gateway: there is no default bridge network');
      return e.replace(/host-gateway$/, gw);
    });
  }

  /**
   * The container's network before it starts: its sandbox (engine/network), and
   * its hosts and resolv.conf files to match (own addresses, links, the
   * embedded DNS server on user-defined networks, the donor's files for
   * `--network container:`). Returns the namespace to join.
   */
  private async networkUp(c: ContainerRecord, donor: (name: string) => { pid: number; id: string }): Promise<string | undefined> {
    const mode = c.HostConfig.NetworkMode ?? 'default';
    if (mode.startsWith('container:')) {
      const d = this.resolve(donor(mode.slice(10)).id);
      await copyFile(d.HostsPath, c.HostsPath).catch(() => {});
      await copyFile(d.ResolvConfPath, c.ResolvConfPath).catch(() => {});
      return undefined;
    }
    this.networks.checkLinks(c);
    const net = await this.networks.attach(c);
    const extra = this.resolveHostGateway((c.HostConfig.ExtraHosts as string[] | null | undefined) ?? []);
    if (net.hosts.length || mode === 'host') {
      await writeFile(c.HostsPath, hostsFile(String(c.Config.Hostname ?? ''), String(c.Config.Domainname ?? ''), mode === 'host', extra, net.hosts));
    }
    if (net.embeddedDns) {
      await writeEmbeddedResolvConf(c.ResolvConfPath, {
        search: (c.HostConfig.DnsSearch as string[] | null | undefined) ?? [],
        options: (c.HostConfig.DnsOptions as string[] | null | undefined) ?? [],
      });
    }
    return net.netns;
  }

  /**
   * Docker's legacy link variables for `--link target:alias`: `ALIAS_NAME`,
   * `ALIAS_PORT` (the lowest exposed port), `ALIAS_PORT_<port>_<PROTO>` with
   * `_ADDR`, `_PORT`, `_PROTO`, and `ALIAS_ENV_<var>` for the target's
   * variables (HOME and PATH left out).
   */
  private linkEnv(c: ContainerRecord): string[] {
    const out: string[] = [];
    for (const l of (c.HostConfig.Links as string[] | null | undefined) ?? []) {
      const [target = '', aliasPath = ''] = l.split(':');
      const t = this.tryResolve(target.replace(/^\//, ''));
      const ip = t?.NetworkSettings?.Networks.bridge?.IPAddress;
      if (!t || !ip) continue;
      const alias = aliasPath.split('/').pop() || t.Name.slice(1);
      const p = alias.toUpperCase().replace(/-/g, '_');
      out.push(`${p}_NAME=${c.Name}/${alias}`);
      const ports = Object.keys(t.Config.ExposedPorts ?? {})
        .map((k) => ({ port: Number(k.split('/')[0]), proto: (k.split('/')[1] ?? 'tcp').toLowerCase() }))
        .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
      if (ports[0]) out.push(`${p}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
      for (const { port, proto } of ports) {
        const k = `${p}_PORT_${port}_${proto.toUpperCase()}`;
        out.push(`${k}=${proto}://${ip}:${port}`, `${k}_ADDR=${ip}`, `${k}_PORT=${port}`, `${k}_PROTO=${proto}`);
      }
      for (const e of (t.Config.Env as string[] | null | undefined) ?? []) {
        const i = e.indexOf('=');
        if (i <= 0 || ['HOME', 'PATH'].includes(e.slice(0, i))) continue;
        out.push(`${p}_ENV_${e.slice(0, i)}=${e.slice(i + 1)}`);
      }
    }
    return out;
  }

  /** Records a failed start; attach requests waiting for it end; --rm containers go, as Docker does. */
  private async startFailed(c: ContainerRecord, err: unknown): Promise<void> {
    c.State.Error = messageOf(err);
    c.State.ExitCode = /executable file not found|no such file/.test(c.State.Error) ? 127 : /permission denied/.test(c.State.Error) ? 126 : 128;
    await this.persist(c).catch(() => {});
    this.lifecycle.emit(`startfailed:${c.ID}`);
    if (c.HostConfig.AutoRemove && this.byId.has(c.ID)) await this.destroy(c, true).catch(() => {});
  }

  /** Sends a signal (name or number) to a running container. */
  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.resolve(idOrName);
    const signo = parseSignal(signal);
    if (!c.State.Running) throw conflict(`Cannot kill container: ${idOrName}: Container ${c.ID} is not running`);
    const conn = this.conns.get(c.ID);
    if (!conn) throw conflict(`Cannot kill container: ${idOrName}: Container ${c.ID} is not running`);
    c.HasBeenManuallyStopped = true;
    await this.persist(c);
    if (c.State.Paused) await this.unpause(c.ID).catch(() => {});
    await conn.signal(signo);
    this.events.publish('container', 'kill', { id: c.ID, attributes: { ...this.attrs(c), signal: String(signo) } });
  }

  /** The stop signal, then SIGKILL after the timeout (seconds; -1 waits forever). */
  async stop(idOrName: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.resolve(idOrName);
    if (c.State.Restarting) {
      this.cancelRestart(c.ID);
      c.HasBeenManuallyStopped = true;
      Object.assign(c.State, { Restarting: false, Status: 'exited' });
      await this.persist(c);
      return;
    }
    if (!c.State.Running) throw notModified();
    const exited = this.nextExit(c.ID);
    const signal = opts.signal || (c.Config.StopSignal as string | undefined) || 'SIGTERM';
    const timeout = opts.timeout ?? (typeof c.Config.StopTimeout === 'number' ? c.Config.StopTimeout : 10);
    await this.kill(c.ID, signal).catch(() => {});
    if (timeout < 0) await exited;
    else if (!(await Promise.race([exited.then(() => true), sleep(timeout * 1000).then(() => false)]))) {
      await this.kill(c.ID, 'SIGKILL').catch(() => {});
      await Promise.race([exited, sleep(10_000)]);
    }
    this.events.publish('container', 'stop', { id: c.ID, attributes: this.attrs(c) });
  }

  async restart(idOrName: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.resolve(idOrName);
    if (c.State.Running) await this.stop(c.ID, opts);
    await this.start(c.ID);
    this.events.publish('container', 'restart', { id: c.ID, attributes: this.attrs(c) });
  }

  /** Waits for a condition: `not-running` (default), `next-exit` or `removed`; returns the exit code. */
  async wait(idOrName: string, condition = 'not-running'): Promise<{ StatusCode: number; Error: { Message: string } | null }> {
    const c = this.resolve(idOrName);
    if (!['not-running', 'next-exit', 'removed', ''].includes(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
    if (condition === 'removed') {
      if (!this.byId.has(c.ID)) return { StatusCode: c.State.ExitCode, Error: null };
      await new Promise<void>((r) => this.lifecycle.once(`removed:${c.ID}`, () => r()));
      return { StatusCode: c.State.ExitCode, Error: null };
    }
    if ((condition === 'not-running' || condition === '') && !c.State.Running) return { StatusCode: c.State.ExitCode, Error: null };
    const code = await this.nextExit(c.ID);
    return { StatusCode: code, Error: null };
  }

  /** Runs `fn` with the container's root filesystem at hand (mounted for the call when it is not running). */
  async withRoot<T>(idOrName: string, fn: (root: string, c: ContainerRecord) => Promise<T>, opts: { volumes?: boolean } = {}): Promise<T> {
    const c = this.resolve(idOrName);
    const { withRoot } = await import('./archive.js');
    return withRoot(this.layers, c.ID, c.State.Running ? this.runtime.rootfsPath(c.ID) : null, this.runtime.scratch, (root) => (opts.volumes ? this.runtime.mounts.withVolumes(c, root, () => fn(root, c)) : fn(root, c)));
  }

  /** `docker diff`: what the container changed, from its read-write layer. */
  async changes(idOrName: string): Promise<Array<{ Path: string; Kind: number }>> {
    const c = this.resolve(idOrName);
    const opts = this.layers.mounts(c.ID)[0]?.options ?? [];
    const get = (k: string) => opts.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
    const upper = get('upperdir');
    const lowers = get('lowerdir').split(':').filter(Boolean);
    const { changes } = await import('./archive.js');
    const { lstat } = await import('node:fs/promises');
    // Mount points Berth creates in the read-write layer are not the container's changes (Docker keeps them in an init layer).
    const mountPoints = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
    const all = await changes(upper, async (p) => {
      for (const l of lowers) {
        try {
          await lstat(join(l, p));
          return true;
        } catch {
          /* not in this layer */
        }
      }
      return false;
    });
    const kept = all.filter((ch) => !(mountPoints.has(ch.Path) && ch.Kind !== 2));
    // A directory listed only because of those mount points is not a change either.
    return kept.filter((ch) => ch.Kind !== 0 || !all.some((x) => x.Path.startsWith(ch.Path + '/')) || kept.some((x) => x.Path.startsWith(ch.Path + '/')));
  }

  /** Bytes in the container's read-write layer (Docker's SizeRw). */
  async sizeRw(idOrName: string): Promise<number> {
    const c = this.resolve(idOrName);
    const upper = (this.layers.mounts(c.ID)[0]?.options ?? []).find((o) => o.startsWith('upperdir='))?.slice(9);
    if (!upper) return 0;
    const { lstat, readdir } = await import('node:fs/promises');
    const seen = new Set<number>();
    const walk = async (dir: string): Promise<number> => {
      let total = 0;
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const st = await lstat(join(dir, name)).catch(() => null);
        if (!st) continue;
        if (st.isDirectory()) total += await walk(join(dir, name));
        else if (!seen.has(st.ino)) {
          seen.add(st.ino);
          total += st.isFile() ? st.size : 0;
        }
      }
      return total;
    };
    return walk(upper);
  }

  /** One stats sample of a running container (null when it is not running). */
  async stats(idOrName: string): Promise<{ c: ContainerRecord; sample: Record<string, unknown> | null }> {
    const c = this.resolve(idOrName);
    if (!c.State.Running) return { c, sample: null };
    const path = await this.runtime.cgroupPath(c.ID);
    const { sampleStats } = await import('./stats.js');
    const sample = await sampleStats(path, this.runtime.cgroups);
    // Network I/O of the container's own interfaces (host mode shares the host's: none shown, as Docker).
    if (c.HostConfig.NetworkMode !== 'host' && c.State.Pid) {
      const { netnsCounters } = await import('../network/bridge.js');
      const nets = await netnsCounters(c.State.Pid);
      if (Object.keys(nets).length) sample.networks = nets;
    }
    return { c, sample };
  }

  /** `docker commit`: the container's changes as a new image on top of its own. */
  async commit(idOrName: string, opts: { ref?: string; comment: string; author: string; pause: boolean; changes: string[]; config?: Record<string, unknown> }): Promise<string> {
    const c = this.resolve(idOrName);
    const pauseIt = opts.pause && c.State.Running && !c.State.Paused;
    if (pauseIt) await this.pause(c.ID);
    try {
      const { applyChanges } = await import('../images/changes.js');
      const base = (await this.images.config(c.Image)) as ImageConfigFull;
      const runtimeCfg = applyChanges({ ...(c.Config as object), ...(opts.config ?? {}) } as never, opts.changes);
      const cfg: ImageConfigFull = { ...base, config: runtimeCfg, container: c.ID, container_config: c.Config as never, parent: undefined };
      delete cfg.parent;
      const id = await this.images.commitLayer(c.Image, this.layers.diff(c.ID), cfg, {
        ...(opts.ref ? { ref: opts.ref } : {}),
        createdBy: [c.Path, ...c.Args].join(' '),
        comment: opts.comment,
        author: opts.author,
      });
      this.events.publish('container', 'commit', { id: c.ID, attributes: { ...this.attrs(c), comment: opts.comment, imageID: id } });
      return id;
    } finally {
      if (pauseIt) await this.unpause(c.ID).catch(() => {});
    }
  }

  /** `docker update`: new resource limits and restart policy, applied now if it runs, kept for later starts. */
  async update(idOrName: string, body: Record<string, unknown>): Promise<string[]> {
    const c = this.resolve(idOrName);
    const warnings = validateHostConfig({ ...c.HostConfig, ...body } as HostConfig, this.runtime.resourceHost);
    const { RestartPolicy, ...resources } = body as { RestartPolicy?: HostConfig['RestartPolicy'] } & Record<string, unknown>;
    const next: HostConfig = { ...c.HostConfig };
    for (const [k, v] of Object.entries(resources)) if (v !== undefined && v !== null && v !== 0 && v !== '') next[k] = v;
    if (RestartPolicy && RestartPolicy.Name !== undefined) {
      if (next.AutoRemove && RestartPolicy.Name && RestartPolicy.Name !== 'no') throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      next.RestartPolicy = RestartPolicy;
    }
    if (c.State.Running) await this.runtime.updateResources(c.ID, resources);
    c.HostConfig = next;
    await this.persist(c);
    this.events.publish('container', 'update', { id: c.ID, attributes: this.attrs(c) });
    return warnings;
  }

  /** `docker top`: the host's `ps` output (args as given, `-ef` by default), only the container's processes. */
  async top(idOrName: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const c = this.resolve(idOrName);
    if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
    const pids = new Set(await this.runtime.pids(c.ID));
    const args = (psArgs.trim() || '-ef').split(/\s+/);
    let out: string;
    try {
      out = (await runPs(args)).stdout;
    } catch (err) {
      throw invalidArgument(`Error running ps: ${messageOf(err)}`);
    }
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    const titles = (lines[0] ?? '').trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw invalidArgument(`Couldn't find PID field in ps output`);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
      if (pids.has(Number(row[pidCol]))) processes.push(row);
    }
    return { Titles: titles, Processes: processes };
  }

  async pause(idOrName: string): Promise<void> {
    const c = this.resolve(idOrName);
    if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.ID} is already paused`);
    await this.runtime.pause(c.ID);
    Object.assign(c.State, { Paused: true, Status: 'paused' });
    await this.persist(c);
    this.events.publish('container', 'pause', { id: c.ID, attributes: this.attrs(c) });
  }

  async unpause(idOrName: string): Promise<void> {
    const c = this.resolve(idOrName);
    if (!c.State.Paused) throw conflict(`Container ${c.ID} is not paused`);
    await this.runtime.resume(c.ID);
    Object.assign(c.State, { Paused: false, Status: 'running' });
    await this.persist(c);
    this.events.publish('container', 'unpause', { id: c.ID, attributes: this.attrs(c) });
  }

  private readonly backoff = new Map<string, number>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();

  private cancelRestart(id: string): void {
    const t = this.restartTimers.get(id);
    if (t) clearTimeout(t);
    this.restartTimers.delete(id);
  }

  /** Docker's restart policies: whether a container that just exited comes back. */
  private shouldRestart(c: ContainerRecord, exitCode: number, atDaemonStart = false): boolean {
    const p = c.HostConfig.RestartPolicy ?? {};
    const name = p.Name ?? 'no';
    if (c.HostConfig.AutoRemove) return false;
    switch (name) {
      case 'always':
        return atDaemonStart || !c.HasBeenManuallyStopped;
      case 'unless-stopped':
        return !c.HasBeenManuallyStopped;
      case 'on-failure':
        if (c.HasBeenManuallyStopped || exitCode === 0) return false;
        return !p.MaximumRetryCount || c.RestartCount < p.MaximumRetryCount;
      default:
        return false;
    }
  }

  /** Schedules a policy restart with Docker's back-off: 100 ms doubling to 1 min, reset after 10 s of running. */
  private scheduleRestart(c: ContainerRecord): void {
    const ranMs = Date.parse(c.State.FinishedAt) - Date.parse(c.State.StartedAt);
    let delay = this.backoff.get(c.ID) ?? 100;
    if (ranMs >= 10_000) delay = 100;
    this.backoff.set(c.ID, Math.min(delay * 2, 60_000));
    Object.assign(c.State, { Restarting: true, Status: 'restarting' });
    void this.persist(c).catch(() => {});
    const t = setTimeout(() => {
      this.restartTimers.delete(c.ID);
      if (!this.byId.has(c.ID) || this.closing || !c.State.Restarting) return;
      c.RestartCount++;
      c.State.Restarting = false;
      this.startInternal(c).catch((err: unknown) => {
        this.log.warn('restart failed', { id: c.ID, err: messageOf(err) });
        Object.assign(c.State, { Restarting: false, Status: 'exited' });
        void this.persist(c).catch(() => {});
      });
    }, delay);
    t.unref();
    this.restartTimers.set(c.ID, t);
  }

  private nextExit(id: string): Promise<number> {
    return new Promise((r) => this.lifecycle.once(`exited:${id}`, (code: number) => r(code)));
  }

  /** Lets go of the shims (the containers keep running; the next daemon reconnects). */
  close(): void {
    this.closing = true;
    for (const id of [...this.health.keys()]) this.stopHealth(id);
    for (const id of [...this.restartTimers.keys()]) this.cancelRestart(id);
    for (const conn of this.conns.values()) conn.close();
    this.conns.clear();
  }

  private monitor(c: ContainerRecord, conn: ShimConnection): void {
    void conn.exited.then(async (status) => {
      // The daemon is going away, not the container: the next daemon finds out what happened.
      if (this.closing) return;
      this.conns.delete(c.ID);
      conn.close();
      const exit = status ?? (await this.runtime.recordedExit(c.ID)) ?? { exitCode: 255, signal: null, finishedAt: new Date().toISOString(), oomKilled: false };
      await this.onExit(c, exit);
    });
  }

  private async onExit(c: ContainerRecord, exit: ExitStatus): Promise<void> {
    this.stopHealth(c.ID);
    Object.assign(c.State, { Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, FinishedAt: exit.finishedAt });
    await this.runtime.cleanup(c.ID, true).catch((err: unknown) => this.log.warn('container cleanup', { id: c.ID, err: messageOf(err) }));
    await this.networks.detach(c).catch((err: unknown) => this.log.warn('network cleanup', { id: c.ID, err: messageOf(err) }));
    if (this.byId.has(c.ID)) await this.persist(c).catch((err: unknown) => this.log.error('saving container state', { id: c.ID, err: messageOf(err) }));
    if (exit.oomKilled) this.events.publish('container', 'oom', { id: c.ID, attributes: this.attrs(c) });
    this.events.publish('container', 'die', { id: c.ID, attributes: { ...this.attrs(c), exitCode: String(exit.exitCode) } });
    this.lifecycle.emit(`exited:${c.ID}`, exit.exitCode);
    if (c.HostConfig.AutoRemove && this.byId.has(c.ID)) await this.destroy(c, true).catch((err: unknown) => this.log.warn('auto-remove', { id: c.ID, err: messageOf(err) }));
    else if (this.byId.has(c.ID) && !this.closing && this.shouldRestart(c, exit.exitCode)) this.scheduleRestart(c);
  }

  /** After a daemon restart: reconnect to the shims of running containers, record the exits that happened meanwhile. */
  private async restore(): Promise<void> {
    for (const c of this.byId.values()) {
      if (!c.State.Running) {
        // Restart policies apply when the daemon starts, as dockerd does.
        if (c.State.Restarting || (c.State.Status === 'exited' && this.shouldRestart(c, c.State.ExitCode, true))) {
          c.State.Restarting = false;
          this.startInternal(c).catch((err: unknown) => this.log.warn('restart at daemon start failed', { id: c.ID, err: messageOf(err) }));
        }
        continue;
      }
      const conn = await this.runtime.reattach(c.ID);
      if (conn) {
        await this.networks.restore(c).catch((err: unknown) => this.log.warn('restoring a container\'s network', { id: c.ID, err: messageOf(err) }));
        this.conns.set(c.ID, conn);
        this.monitor(c, conn);
        void this.startHealth(c);
        continue;
      }
      const exit = (await this.runtime.recordedExit(c.ID)) ?? { exitCode: 255, signal: null, finishedAt: new Date().toISOString(), oomKilled: false };
      this.log.info('container exited while the daemon was away', { id: c.ID, exitCode: exit.exitCode });
      await this.onExit(c, exit);
    }
  }

  /** Removes stopped containers (filters `until`, `label`, `label!`); returns their IDs. */
  async prune(filters: Filters): Promise<{ deleted: string[]; reclaimed: number }> {
    filters.validate(['until', 'label', 'label!']);
    const deleted: string[] = [];
    for (const c of this.list()) {
      if (c.State.Running || c.State.Paused || c.State.Restarting) continue;
      if (!filters.matchLabels('label', c.Config.Labels ?? {})) continue;
      if (filters.has('label!') && filters.values('label!').some((l) => matchesLabel(l, c.Config.Labels ?? {}))) continue;
      if (filters.has('until')) {
        const { untilNanos } = await import('../images/store.js');
        if (BigInt(Date.parse(c.Created)) * 1_000_000n >= untilNanos(filters.values('until'))) continue;
      }
      await this.destroy(c);
      deleted.push(c.ID);
    }
    if (deleted.length) this.events.publish('container', 'prune', { id: '', attributes: { reclaimed: '0' } });
    return { deleted, reclaimed: 0 };
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Docker's event attributes for a container: name, image, and its labels. */
  attrs(c: ContainerRecord): Record<string, string> {
    return { ...(c.Config.Labels ?? {}), image: c.Config.Image, name: c.Name.replace(/^\//, '') };
  }

  private async destroy(c: ContainerRecord, removeVolumes = false): Promise<void> {
    this.cancelRestart(c.ID);
    c.State.Status = 'removing';
    if (c.NetworkRuntime) await this.networks.detach(c).catch(() => {});
    await this.layers.removeRW(c.ID).catch((err: unknown) => {
      if (!/not found/.test((err as Error).message)) throw err;
    });
    await rm(this.dir(c.ID), { recursive: true, force: true });
    this.byId.delete(c.ID);
    if (this.byName.get(c.Name) === c.ID) this.byName.delete(c.Name);
    await this.runtime.mounts.release(c, removeVolumes);
    this.events.publish('container', 'destroy', { id: c.ID, attributes: this.attrs(c) });
    this.lifecycle.emit(`removed:${c.ID}`);
    this.lifecycle.emit('destroyed', c.ID);
  }

  async persist(c: ContainerRecord): Promise<void> {
    await writeJsonAtomic(join(this.dir(c.ID), 'config.v2.json'), c);
  }

  private async load(): Promise<void> {
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    for (const id of ids) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      let rec: ContainerRecord;
      try {
        rec = JSON.parse(await readFile(join(this.root, id, 'config.v2.json'), 'utf8')) as ContainerRecord;
      } catch {
        // A container whose creation did not finish: remove what it left.
        this.log.warn('removing an incomplete container', { id });
        await this.layers.removeRW(id).catch(() => {});
        await rm(join(this.root, id), { recursive: true, force: true });
        continue;
      }
      if (rec.State.Status === 'removing') {
        await this.layers.removeRW(id).catch(() => {});
        await rm(join(this.root, id), { recursive: true, force: true });
        continue;
      }
      this.byId.set(id, rec);
      this.byName.set(rec.Name, id);
    }
    // Read-write layers of containers that do not exist (a crash between prepare and the record).
    for (const rw of this.layers.listRW()) {
      if (/^[0-9a-f]{64}$/.test(rw.key) && !this.byId.has(rw.key)) await this.layers.removeRW(rw.key).catch(() => {});
    }
  }
}

function matchesLabel(want: string, labels: Record<string, string>): boolean {
  const eq = want.indexOf('=');
  return eq < 0 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

/** Docker's merge of the image's runtime defaults into a new container's Config (daemon/create.go, merge()). */
export function mergeImageConfig(cfg: Record<string, unknown>, img: ImageRuntimeConfig): ContainerConfig {
  const c = { ...cfg } as ContainerConfig;
  if (!c.User && img.User) c.User = img.User;
  if (img.ExposedPorts) c.ExposedPorts = { ...img.ExposedPorts, ...(c.ExposedPorts ?? {}) };
  const env = [...((c.Env as string[] | null | undefined) ?? [])];
  for (const e of img.Env ?? []) {
    const k = e.split('=')[0];
    if (!env.some((x) => x.split('=')[0] === k)) env.push(e);
  }
  c.Env = env;
  const hasEntrypoint = c.Entrypoint !== undefined && c.Entrypoint !== null && strSlice(c.Entrypoint).length > 0;
  const hasCmd = c.Cmd !== undefined && c.Cmd !== null && strSlice(c.Cmd).length > 0;
  if (!hasEntrypoint && !hasCmd) {
    c.Cmd = img.Cmd ?? null;
    c.Entrypoint = img.Entrypoint ?? null;
  } else if (!hasEntrypoint) {
    c.Entrypoint = img.Entrypoint ?? null;
  }
  if (!c.WorkingDir && img.WorkingDir) c.WorkingDir = img.WorkingDir;
  if (img.Volumes) c.Volumes = { ...img.Volumes, ...(c.Volumes ?? {}) };
  if (img.Labels) c.Labels = { ...img.Labels, ...(c.Labels ?? {}) };
  if (!c.StopSignal && img.StopSignal) c.StopSignal = img.StopSignal;
  if (!c.Healthcheck && img.Healthcheck) c.Healthcheck = img.Healthcheck;
  if (!c.OnBuild && img.OnBuild) c.OnBuild = img.OnBuild;
  return c;
}

/** --add-host entries (`name:ip`, `name=ip`) as hosts lines, after Docker's defaults. */
function extraHostLines(extra: string[]): string {
  let out = '';
  for (const e of extra) {
    const i = e.includes('=') ? e.indexOf('=') : e.indexOf(':');
    if (i <= 0) throw invalidArgument(`invalid argument "${e}" for "--add-host" flag: bad format for add-host: "${e}"`);
    out += `${e.slice(i + 1).replace(/^\[(.*)\]$/, '$1')}\t${e.slice(0, i)}\n`;
  }
  return out;
}

/** /etc/hosts as Docker writes it: the standard lines, --add-host entries, links, then the container's own addresses (127.0.1.1 when it has none). */
function hostsFile(hostname: string, domain: string, hostNetwork: boolean, extra: string[], entries: Array<{ ip: string; names: string[] }> = []): string {
  if (hostNetwork) return '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' + extraHostLines(extra);
  const fqdn = domain ? `${hostname}.${domain} ${hostname}` : hostname;
  const own = entries.length ? entries.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('') : `127.0.1.1\t${fqdn}\n`;
  return (
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' +
    extraHostLines(extra) +
    own
  );
}

/** resolv.conf on user-defined networks: the embedded DNS server, the host's search domains, ndots:0 (Docker's). */
async function writeEmbeddedResolvConf(path: string, over: { search: string[]; options: string[] }): Promise<void> {
  let host = '';
  try {
    host = await readFile('/etc/resolv.conf', 'utf8');
  } catch {
    /* none */
  }
  const search = over.search.length ? [`search ${over.search.join(' ')}`] : host.split('\n').filter((l) => /^\s*search\s/.test(l)).map((l) => l.trim());
  const opts = over.options.length ? over.options : ['ndots:0'];
  await writeFile(path, ['nameserver 127.0.0.11', ...search, `options ${opts.join(' ')}`].join('\n') + '\n');
}

/** The host's resolv.conf without loopback name servers (they mean nothing inside a container), as Docker does. */
async function writeResolvConf(path: string, hostNetwork: boolean, over: { dns: string[]; search: string[]; options: string[] }): Promise<void> {
  if (over.dns.length || over.search.length || over.options.length) {
    // --dns, --dns-search, --dns-option replace the host's settings of the same kind, as Docker does.
    let host = '';
    try {
      host = await readFile('/etc/resolv.conf', 'utf8');
    } catch {
      /* none */
    }
    const keep = (kind: string, repl: string[]) => (repl.length ? [] : host.split('\n').filter((l) => l.trim().startsWith(kind) && !/^\s*nameserver\s+(127\.|::1\b)/.test(l)));
    const lines = [
      ...(over.dns.length ? over.dns.map((d) => `nameserver ${d}`) : keep('nameserver', [])),
      ...(over.search.length ? [`search ${over.search.join(' ')}`] : keep('search', [])),
      ...(over.options.length ? [`options ${over.options.join(' ')}`] : keep('options', [])),
    ];
    await writeFile(path, lines.join('\n') + '\n');
    return;
  }
  if (hostNetwork) {
    await copyFile('/etc/resolv.conf', path).catch(() => writeFile(path, ''));
    return;
  }
  let text = '';
  try {
    text = await readFile('/etc/resolv.conf', 'utf8');
  } catch {
    /* no resolver configuration on the host */
  }
  const lines = text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  await writeFile(path, lines.join('\n').replace(/\n*$/, '\n'));
}

const runPs = (args: string[]) => promisify(execFile)('ps', args, { maxBuffer: 16 * 1024 * 1024 });

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15,
  STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** A signal as Docker takes it: `SIGTERM`, `TERM`, `15`, `SIGRTMIN+3`. */
export function parseSignal(s: string): number {
  const t = s.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > 64) throw invalidArgument(`Invalid signal: ${s}`);
    return n;
  }
  const name = t.startsWith('SIG') ? t.slice(3) : t;
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[1] ?? 0);
  const n = SIGNALS[name];
  if (n === undefined) throw invalidArgument(`Invalid signal: ${s}`);
  return n;
}
