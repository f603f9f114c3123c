/**
 * The engine: the composition root of everything Berth manages, with no
 * knowledge of HTTP. It owns the data root's layout and identity, the event
 * bus every domain publishes to, and (as they land) the stores for images,
 * containers, networks and volumes. The API layer calls into it; the daemon
 * process creates it, reloads its configuration and closes it.
 *
 * Lifecycle: `Engine.open(config)` prepares the data and exec roots and
 * gathers host facts; `reload(config)` applies what can change at run time and
 * publishes a `daemon reload` event; `close()` releases everything it holds.
 */
import { mkdir, readFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { EventBus } from './events/bus.js';
import { openContentStore, type LocalContentStore } from './content/index.js';
import { LayerStore } from './layers/index.js';
import { ImageStore } from './images/store.js';
import { ContainerStore } from './containers/store.js';
import { ContainerRuntime, INIT_BINARY } from './containers/runtime.js';
import { ExecManager } from './containers/exec.js';
import { VolumeStore } from './volumes/store.js';
import { ContainerMounts } from './volumes/mounts.js';
import { gatherHostFacts, openFds, type HostFacts } from './system/host.js';
import { buildInfo, buildVersion, type SystemConfig } from './system/info.js';
import { writeFileAtomic, sweepTempFiles } from '../lib/atomic.js';
import type { Logger } from '../lib/log.js';
import { createHash } from 'node:crypto';
import { NetworkStore, DEFAULT_NETWORK_OPTIONS, type NetworkConfig, type NetworkOptions } from './network/store.js';
import { DEFAULT_ADDRESS_POOLS } from './network/pools.js';

export const DEFAULT_DATA_ROOT = '/var/lib/berth';

/**
 * Host-wide names of a daemon's networking: the default data root gets
 * `berth0` and `BERTH-*` chains; a daemon with another data root gets names
 * derived from it, so several daemons (tests, say) can share one host.
 */
export function networkNames(dataRoot: string): { bridge: string; chainPrefix: string } {
  if (dataRoot === DEFAULT_DATA_ROOT) return { bridge: 'berth0', chainPrefix: 'BERTH' };
  const tag = createHash('sha256').update(dataRoot).digest('hex').slice(0, 6);
  return { bridge: `berth-${tag}`, chainPrefix: `BERTH-${tag}` };
}

function networkConfig(cfg: EngineConfig): NetworkConfig {
  const names = networkNames(cfg.dataRoot);
  return {
    ...DEFAULT_NETWORK_OPTIONS,
    ...cfg.network,
    bridge: cfg.network?.bridge ?? names.bridge,
    pools: cfg.network?.pools ?? [...DEFAULT_ADDRESS_POOLS],
    chainPrefix: names.chainPrefix,
    execRoot: cfg.execRoot,
  };
}

export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  debug: boolean;
  experimental: boolean;
  labels: string[];
  /** Networking options (daemon.json's bridge, bip, default-address-pools, iptables…). */
  network?: NetworkOptions;
  /** The options a reload can change, as daemon.json spells them: the reload event's attributes. */
  reloadable: Record<string, unknown>;
}

async function loadOrCreateId(dataRoot: string): Promise<string> {
  const p = join(dataRoot, 'engine-id');
  try {
    const id = (await readFile(p, 'utf8')).trim();
    if (id) return id;
  } catch {
    /* first start */
  }
  const id = randomUUID();
  await writeFileAtomic(p, id + '\n', { mode: 0o600 });
  return id;
}

export class Engine {
  readonly events: EventBus;
  private cfg: EngineConfig;
  readonly id: string;
  readonly host: HostFacts;
  readonly log: Logger;
  readonly content: LocalContentStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly execs: ExecManager;
  readonly networks: NetworkStore;
  readonly volumes: VolumeStore;

  private constructor(
    cfg: EngineConfig,
    id: string,
    host: HostFacts,
    log: Logger,
    stores: { content: LocalContentStore; layers: LayerStore; images: ImageStore; containers: ContainerStore; execs: ExecManager; networks: NetworkStore; volumes: VolumeStore },
    events: EventBus,
  ) {
    this.events = events;
    this.cfg = cfg;
    this.id = id;
    this.host = host;
    this.log = log;
    this.content = stores.content;
    this.layers = stores.layers;
    this.images = stores.images;
    this.containers = stores.containers;
    this.execs = stores.execs;
    this.networks = stores.networks;
    this.volumes = stores.volumes;
  }

  static async open(cfg: EngineConfig, log: Logger): Promise<Engine> {
    await mkdir(cfg.dataRoot, { recursive: true, mode: 0o711 });
    // 0711: others may reach the API socket inside (its own mode decides), not list the directory.
    await mkdir(cfg.execRoot, { recursive: true, mode: 0o711 });
    await chmod(cfg.execRoot, 0o711);
    await sweepTempFiles(cfg.dataRoot);
    const id = await loadOrCreateId(cfg.dataRoot);
    const host = await gatherHostFacts(cfg.dataRoot);
    for (const w of host.warnings) log.warn(w.replace(/^WARNING: /, ''));
    const events = new EventBus();
    const content = await openContentStore(join(cfg.dataRoot, 'content'));
    const layers = await LayerStore.open({ root: join(cfg.dataRoot, 'layers'), log: log.with({ store: 'layers' }) });
    let images: ImageStore;
    let containers: ContainerStore;
    let execs: ExecManager;
    let networks: NetworkStore | undefined;
    let volumes: VolumeStore;
    try {
      images = await ImageStore.open(join(cfg.dataRoot, 'images'), content, layers, events, log.with({ store: 'images' }));
      volumes = await VolumeStore.open(join(cfg.dataRoot, 'volumes'), events, log.with({ store: 'volumes' }));
      const mounts = new ContainerMounts(volumes, events, log.with({ component: 'mounts' }));
      const runtime = new ContainerRuntime({ execRoot: cfg.execRoot, layers, host, log: log.with({ component: 'runtime' }), mounts });
      networks = await NetworkStore.open(join(cfg.dataRoot, 'network'), networkConfig(cfg), events, log.with({ store: 'networks' }), layers.helper);
      containers = await ContainerStore.open(join(cfg.dataRoot, 'containers'), layers, images, events, log.with({ store: 'containers' }), runtime, networks);
      await mounts.attach(() => containers.list());
      execs = new ExecManager(containers, runtime, events);
      containers.setProber((id, cmd, timeout) => execs.probe(id, cmd, timeout));
    } catch (err) {
      await networks?.close(true).catch(() => {});
      await layers.close();
      throw err;
    }
    return new Engine(cfg, id, host, log, { content, layers, images, containers, execs, networks, volumes }, events);
  }

  get config(): Readonly<EngineConfig> {
    return this.cfg;
  }

  private systemConfig(): SystemConfig {
    return {
      id: this.id,
      dataRoot: this.cfg.dataRoot,
      execRoot: this.cfg.execRoot,
      debug: this.cfg.debug,
      experimental: this.cfg.experimental,
      labels: this.cfg.labels,
      // Every container has its own shim: containers always outlive a daemon restart.
      liveRestore: true,
      initBinary: INIT_BINARY ?? '',
    };
  }

  version(): Record<string, unknown> {
    return buildVersion(this.host, this.cfg);
  }

  async info(): Promise<Record<string, unknown>> {
    return buildInfo(this.host, this.systemConfig(), {
      ...this.containers.counts(),
      images: this.images.count,
      eventListeners: this.events.subscriberCount,
      fds: await openFds(),
    });
  }

  /** Applies a new configuration (only the reloadable parts differ) and announces it. */
  reload(cfg: EngineConfig): void {
    this.cfg = cfg;
    const attrs: Record<string, string> = { name: os.hostname() };
    for (const [k, v] of Object.entries(cfg.reloadable)) attrs[k] = typeof v === 'string' ? v : JSON.stringify(v);
    this.events.publish('daemon', 'reload', { id: this.id, attributes: attrs });
  }

  async close(): Promise<void> {
    const running = this.containers.counts().running + this.containers.counts().paused > 0;
    this.containers.close();
    await this.networks.close(running);
    await this.layers.close();
  }
}
