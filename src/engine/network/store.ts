/**
 * Networks and the containers' places on them. The store owns the network
 * records (`<data-root>/network/<id>.json`, written atomically: a network
 * exists once its file is renamed into place), the predefined networks
 * (`bridge`, `host`, `none`), and while containers run, their sandboxes: a
 * network namespace per container kept by a bind mount under
 * `<exec-root>/netns/`, an endpoint (veth, addresses, MAC) per network it is
 * on, its published ports, and the names the embedded DNS server answers.
 *
 * Lifecycle: `open` loads the records and brings the bridges back;
 * containers that were running when the daemon stopped are `restore`d (their
 * addresses and ports taken again, from what their records say and their
 * namespaces still have); `finishRestore` applies the firewall and removes
 * namespaces nothing owns. A container's sandbox is made by `attach` when it
 * starts and undone by `detach` when it exits; `connect` and `disconnect`
 * change it while it runs. Addresses live only while a container runs, as in
 * Docker; what a container asks for (networks, aliases, `--ip`) stays in its
 * `NetworkSettings.Networks`. `close` leaves everything in place while
 * containers run (they keep their connectivity), and removes bridges and
 * rules when nothing runs.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { writeJsonAtomic } from '../../lib/atomic.js';
import type { Logger } from '../../lib/log.js';
import type { EventBus } from '../events/bus.js';
import { Filters } from '../filters.js';
import { conflict, forbidden, invalidArgument, notFound, notImplemented, messageOf, isKind } from '../../errdefs/index.js';
import { SubnetAllocator, validateNetworkRequest, allocateSubnet, tryParseCIDR, tryParseIP, containsIP, formatIP, overlaps, routePrefixes, type PoolConfig, type IPAMConfigInput } from './ipam.js';
import { createNetns, removeNetns, mountPoints, hostRoutes, withHostLock, runTool, linkExists, sysctl, type NetnsHelper } from './sys.js';
import { ensureBridge, removeBridge, addEndpoint, removeEndpoint, setDefaultRoute, setDnsRedirect } from './bridge.js';
import { Firewall, type FirewallState } from './firewall.js';
import { PortHolder, portRequests, portMap } from './ports.js';
import { EmbeddedDns } from './dns.js';
import { dnsNames, nameTable } from './names.js';
import {
  emptyEndpoint,
  emptySettings,
  OPT_HOST_IP,
  OPT_ICC,
  OPT_IFACE_PREFIX,
  OPT_MASQ,
  OPT_MTU,
  OPT_NAME,
  type AttachResult,
  type ContainerAccess,
  type EndpointSettings,
  type NetContainer,
  type NetworkResource,
  type NetworkSettings,
} from './types.js';

export * from './types.js';

/** The daemon's networking options, as dockerd's flags and daemon.json keys give them. */
export interface NetworkOptions {
  /** The default bridge's interface name; 'none' disables the default bridge network. */
  bridge?: string;
  /** The default bridge's gateway address and prefix (`--bip`). */
  bip?: string;
  pools?: PoolConfig[];
  iptables: boolean;
  ipMasq: boolean;
  icc: boolean;
  mtu: number;
  /** Name servers for containers that give none (daemon `dns`). */
  dns: string[];
  /** Turn on IPv4 forwarding if it is off (then the FORWARD policy becomes DROP, as dockerd does). */
  ipForward: boolean;
}

export const DEFAULT_NETWORK_OPTIONS: Readonly<NetworkOptions> = Object.freeze({ iptables: true, ipMasq: true, icc: true, mtu: 1500, dns: [], ipForward: true });

/** What the store runs with: the options, with this daemon's host-wide names filled in. */
export interface NetworkConfig extends NetworkOptions {
  bridge: string;
  pools: PoolConfig[];
  /** Prefix of the daemon's iptables chains. */
  chainPrefix: string;
  /** Where sandboxes' namespaces are kept (`<exec-root>/netns`). */
  execRoot: string;
}

interface NetworkFile {
  network: NetworkResource;
  /** The Linux bridge (bridge driver). */
  bridge?: string;
  /** Where the embedded DNS server answers for this network (its gateway, this port). */
  dnsPort?: number;
  /** The IPv4 subnet came from the address pools (nobody asked for it): it may move if taken meanwhile. */
  autoSubnet?: boolean;
}

const PREDEFINED = ['bridge', 'host', 'none'];
/** Docker bridge options Berth has only at their default value (the value it accepts). */
const UNBUILT_OPTIONS: ReadonlyArray<[string, string]> = [
  ['com.docker.network.bridge.gateway_mode_ipv4', 'nat'],
  ['com.docker.network.bridge.gateway_mode_ipv6', 'nat'],
  ['com.docker.network.bridge.inhibit_ipv4', 'false'],
];
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const NETWORK_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];

const hex = (n: number) => randomBytes(n).toString('hex');
const macFromIP = (ip: string) => '02:42:' + ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':');
const randomMac = () => '02:42:' + [...randomBytes(4)].map((b) => b.toString(16).padStart(2, '0')).join(':');
const cname = (c: NetContainer) => c.Name.replace(/^\//, '');

interface Live {
  file: NetworkFile;
  alloc: SubnetAllocator[];
}

export class NetworkStore {
  private readonly root: string;
  private readonly cfg: NetworkConfig;
  private readonly events: EventBus;
  private readonly log: Logger;
  private readonly nets = new Map<string, Live>();
  private readonly firewall: Firewall;
  private readonly ports = new PortHolder();
  private readonly dns: EmbeddedDns;
  private containers: ContainerAccess | null = null;
  private readonly helper: NetnsHelper;
  /** Container address → container ID (for the DNS server's clients). */
  private readonly byIP = new Map<string, string>();
  private chain: Promise<unknown> = Promise.resolve();
  /** The host's mount points while containers are restored at start. */
  private startMounts: Promise<Set<string>> | null = null;
  /** Networks whose DNS server came back on another port at start. */
  private readonly dnsMoved = new Set<string>();

  private constructor(root: string, cfg: NetworkConfig, events: EventBus, log: Logger, helper: NetnsHelper) {
    this.root = root;
    this.helper = helper;
    this.cfg = cfg;
    this.events = events;
    this.log = log;
    this.firewall = new Firewall(cfg.chainPrefix, cfg.iptables, log);
    this.dns = new EmbeddedDns(
      nameTable({
        containerByIP: (ip) => {
          const id = this.byIP.get(ip);
          if (!id || !this.containers) return undefined;
          try {
            return this.containers.resolve(id);
          } catch {
            return undefined;
          }
        },
        userNetworks: (c) => Object.keys(c.NetworkSettings?.Networks ?? {}).filter((name) => {
          const n = this.byName(name);
          return !!n && this.isUserDefined(n);
        }),
        members: (network) => (this.containers ? this.containers.list().filter((c) => c.State.Running && !!c.NetworkSettings?.Networks[network]?.EndpointID) : []),
        daemonDns: () => this.cfg.dns,
      }),
      { log: log.with({ component: 'dns' }) },
    );
  }

  static async open(root: string, cfg: NetworkConfig, events: EventBus, log: Logger, helper: NetnsHelper): Promise<NetworkStore> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await mkdir(join(cfg.execRoot, 'netns'), { recursive: true, mode: 0o711 });
    const s = new NetworkStore(root, cfg, events, log, helper);
    await s.enableForwarding();
    await s.load();
    return s;
  }

  setContainers(c: ContainerAccess): void {
    this.containers = c;
  }

  private get ctrs(): ContainerAccess {
    if (!this.containers) throw new Error('network store used before the container store was set');
    return this.containers;
  }

  /** One change at a time: allocations, links and rules move together. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  // ---- records --------------------------------------------------------------------------------

  private async load(): Promise<void> {
    for (const f of await readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      try {
        const file = JSON.parse(await readFile(join(this.root, f), 'utf8')) as NetworkFile;
        this.nets.set(file.network.Id, { file, alloc: this.allocators(file.network) });
      } catch (err) {
        this.log.warn('ignoring an unreadable network record', { file: f, err: messageOf(err) });
      }
    }
    const has = (name: string) => [...this.nets.values()].some((n) => n.file.network.Name === name);
    if (!has('host')) await this.saveNew({ network: this.resource('host', 'host', [], {}, {}) });
    if (!has('none')) await this.saveNew({ network: this.resource('none', 'null', [], {}, {}) });
    const defaultBridge = this.byName('bridge');
    if (this.cfg.bridge === 'none') {
      if (defaultBridge) await this.dropRecord(defaultBridge.file.network.Id);
    } else if (!defaultBridge || defaultBridge.file.bridge !== this.cfg.bridge || (this.cfg.bip && !this.bipMatches(defaultBridge))) {
      if (defaultBridge) await this.dropRecord(defaultBridge.file.network.Id);
      await this.createDefaultBridge();
    }
    // Under the host lock: a bridge to make again must not take a subnet another daemon took meanwhile.
    await withHostLock('network-subnets', async () => {
      for (const n of this.nets.values()) {
        if (!n.file.bridge) continue;
        try {
          if (!(await linkExists(n.file.bridge))) await this.reclaimSubnet(n, await hostRoutes());
          await this.bringUp(n);
        } catch (err) {
          this.log.error('bringing up a network', { network: n.file.network.Name, err: messageOf(err) });
        }
      }
    });
  }

  /**
   * A network whose bridge is gone (the daemon stopped with nothing running,
   * or the host rebooted) comes back on its subnet unless something on the
   * host routes it now; then a subnet it got from the pools moves to a free
   * one, and one the user chose stays, with a warning.
   */
  private async reclaimSubnet(n: Live, routes: string[]): Promise<void> {
    const i = n.file.network.IPAM.Config.findIndex((c) => !c.Subnet.includes(':'));
    const cur = tryParseCIDR(n.file.network.IPAM.Config[i]?.Subnet ?? '');
    if (!cur) return;
    const taken = routePrefixes(routes).some((p) => overlaps(p, cur.prefix));
    if (!taken) return;
    const auto = n.file.autoSubnet === true || (n.file.network.Name === 'bridge' && !this.cfg.bip);
    if (!auto) {
      this.log.warn('a network\'s subnet is routed elsewhere on this host now', { network: n.file.network.Name, subnet: n.file.network.IPAM.Config[i]!.Subnet });
      return;
    }
    const others = [...this.nets.values()].filter((x) => x !== n).flatMap((x) => x.file.network.IPAM.Config.map((c) => c.Subnet).filter(Boolean));
    const subnet = allocateSubnet(this.cfg.pools, others, routes);
    this.log.info('a network moves to a free subnet', { network: n.file.network.Name, from: n.file.network.IPAM.Config[i]!.Subnet, to: subnet });
    n.file.network.IPAM.Config[i] = { Subnet: subnet };
    n.alloc = this.allocators(n.file.network);
    this.fillGateways(n);
    n.file.autoSubnet = true;
    await this.save(n);
  }

  /**
   * Containers reach beyond their bridge only if the host forwards IPv4. When
   * it does not, it is turned on, and, as dockerd does, the FORWARD policy
   * becomes DROP so that the host does not start routing for anyone else
   * (Berth's own chains accept what its networks need).
   */
  private async enableForwarding(): Promise<void> {
    if (!this.cfg.ipForward || this.cfg.bridge === 'none') return;
    if ((await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '1')).trim() === '1') return;
    await sysctl('net.ipv4.ip_forward', '1');
    this.log.info('IPv4 forwarding turned on for bridge networks');
    if (this.cfg.iptables) await runTool('iptables', ['-w', '-P', 'FORWARD', 'DROP']).catch((err: unknown) => this.log.warn('setting the FORWARD policy', { err: messageOf(err) }));
  }

  private bipMatches(n: Live): boolean {
    const r = tryParseCIDR(this.cfg.bip ?? '');
    const c = n.file.network.IPAM.Config[0];
    return !!r && !!c && c.Gateway === formatIP(r.ip) && tryParseCIDR(c.Subnet)?.prefix.bits === r.prefix.bits;
  }

  private async createDefaultBridge(): Promise<void> {
    const opts: Record<string, string> = {
      'com.docker.network.bridge.default_bridge': 'true',
      [OPT_ICC]: String(this.cfg.icc),
      [OPT_MASQ]: String(this.cfg.ipMasq),
      [OPT_HOST_IP]: '0.0.0.0',
      [OPT_NAME]: this.cfg.bridge,
      [OPT_MTU]: String(this.cfg.mtu),
    };
    await withHostLock('network-subnets', async () => {
      let config: IPAMConfigInput;
      if (this.cfg.bip) {
        const r = tryParseCIDR(this.cfg.bip);
        if (!r) throw invalidArgument(`invalid bip ${this.cfg.bip}: invalid CIDR address`);
        config = { subnet: `${formatIP(r.prefix.addr)}/${r.prefix.bits}`, gateway: formatIP(r.ip) };
      } else {
        // A bridge left by an earlier run keeps its subnet.
        const existing = (await linkExists(this.cfg.bridge)) ? (await import('./sys.js').then((m) => m.addresses(this.cfg.bridge))).find((a) => !a.includes(':')) : undefined;
        const r = existing ? tryParseCIDR(existing) : undefined;
        config = r
          ? { subnet: `${formatIP(r.prefix.addr)}/${r.prefix.bits}`, gateway: formatIP(r.ip) }
          : { subnet: allocateSubnet(this.cfg.pools, this.subnets(), await hostRoutes()) };
      }
      const file: NetworkFile = { network: this.resource('bridge', 'bridge', [config], opts, {}), bridge: this.cfg.bridge, ...(this.cfg.bip ? {} : { autoSubnet: true }) };
      const live: Live = { file, alloc: this.allocators(file.network) };
      this.fillGateways(live);
      await this.bringUp(live);
      await this.saveNew(file, live);
    });
  }

  private resource(name: string, driver: string, configs: IPAMConfigInput[], options: Record<string, string>, labels: Record<string, string>, extra: Partial<NetworkResource> = {}): NetworkResource {
    return {
      Name: name,
      Id: hex(32),
      Created: new Date().toISOString(),
      Scope: 'local',
      Driver: driver,
      EnableIPv4: driver === 'bridge',
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: driver === 'bridge' && name !== 'bridge' ? {} : null,
        Config: configs.map((c) => ({
          Subnet: c.subnet ?? '',
          ...(c.ipRange ? { IPRange: c.ipRange } : {}),
          ...(c.gateway ? { Gateway: c.gateway } : {}),
          ...(c.auxAddresses && Object.keys(c.auxAddresses).length ? { AuxiliaryAddresses: c.auxAddresses } : {}),
        })),
      },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Options: options,
      Labels: labels,
      ...extra,
    };
  }

  private allocators(n: NetworkResource): SubnetAllocator[] {
    return n.IPAM.Config.filter((c) => c.Subnet).map((c) =>
      SubnetAllocator.create({
        subnet: c.Subnet,
        ...(c.IPRange ? { ipRange: c.IPRange } : {}),
        ...(c.Gateway ? { gateway: c.Gateway } : {}),
        auxAddresses: c.AuxiliaryAddresses ?? {},
      }),
    );
  }

  /** Records the gateways the allocators chose in the network's IPAM config (Docker shows them). */
  private fillGateways(n: Live): void {
    n.file.network.IPAM.Config.forEach((c, i) => {
      const gw = n.alloc[i]?.gatewayAddress;
      if (gw && !c.Gateway) c.Gateway = gw;
    });
  }

  private async saveNew(file: NetworkFile, live?: Live): Promise<void> {
    await writeJsonAtomic(join(this.root, `${file.network.Id}.json`), file);
    this.nets.set(file.network.Id, live ?? { file, alloc: this.allocators(file.network) });
  }

  private async save(n: Live): Promise<void> {
    await writeJsonAtomic(join(this.root, `${n.file.network.Id}.json`), n.file);
  }

  private async dropRecord(id: string): Promise<void> {
    await rm(join(this.root, `${id}.json`), { force: true });
    this.nets.delete(id);
  }

  private subnets(): string[] {
    return [...this.nets.values()].flatMap((n) => n.file.network.IPAM.Config.map((c) => c.Subnet).filter(Boolean));
  }

  private byName(name: string): Live | undefined {
    return [...this.nets.values()].find((n) => n.file.network.Name === name);
  }

  private isUserDefined(n: Live): boolean {
    return !PREDEFINED.includes(n.file.network.Name);
  }

  /** Bridge, addresses, DNS listener. */
  private async bringUp(n: Live): Promise<void> {
    if (!n.file.bridge) return;
    const addrs = n.alloc.filter((a) => a.gatewayAddress).map((a) => `${a.gatewayAddress}/${a.subnet.bits}`);
    await ensureBridge({ name: n.file.bridge, addresses: addrs, mtu: Number(n.file.network.Options[OPT_MTU] ?? this.cfg.mtu) || 1500 });
    if (this.isUserDefined(n)) await this.listenDns(n);
  }

  private async listenDns(n: Live): Promise<void> {
    const gw = n.alloc.find((a) => a.family === 4)?.gatewayAddress;
    if (!gw) return;
    let port: number;
    try {
      port = await this.dns.listen(gw, n.file.dnsPort ?? 0);
    } catch (err) {
      if (!n.file.dnsPort) throw err;
      // The old port is taken: a new one, and running containers are pointed at it.
      port = await this.dns.listen(gw, 0);
    }
    if (port !== n.file.dnsPort) {
      const moved = n.file.dnsPort !== undefined;
      n.file.dnsPort = port;
      await this.save(n);
      if (moved && this.containers) {
        for (const c of this.ctrs.list()) if (c.NetworkRuntime?.endpoints[n.file.network.Id]) await this.pointDns(c).catch(() => {});
      } else if (moved) {
        // At start the containers are not known yet: finishRestore points them.
        this.dnsMoved.add(n.file.network.Id);
      }
    }
  }

  // ---- reading --------------------------------------------------------------------------------

  /** By full ID, name, or unique ID prefix (Docker's order). */
  resolve(idOrName: string): NetworkResource {
    return this.resolveLive(idOrName).file.network;
  }

  private resolveLive(idOrName: string): Live {
    const exact = this.nets.get(idOrName);
    if (exact) return exact;
    const named = this.byName(idOrName);
    if (named) return named;
    if (/^[0-9a-f]+$/.test(idOrName)) {
      const hits = [...this.nets.values()].filter((n) => n.file.network.Id.startsWith(idOrName));
      if (hits.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${hits.length} matches found based on ID prefix)`);
      if (hits[0]) return hits[0];
    }
    throw notFound(`network ${idOrName} not found`);
  }

  tryResolve(idOrName: string): NetworkResource | undefined {
    try {
      return this.resolve(idOrName);
    } catch {
      return undefined;
    }
  }

  /** The containers with an endpoint on the network (running ones), as inspect shows them. */
  attached(id: string): Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }> {
    const n = this.nets.get(id);
    const out: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }> = {};
    if (!n || !this.containers) return out;
    for (const c of this.ctrs.list()) {
      if (!c.State.Running) continue;
      const ep = c.NetworkSettings?.Networks[n.file.network.Name];
      if (!ep || !ep.EndpointID) continue;
      out[c.ID] = {
        Name: cname(c),
        EndpointID: ep.EndpointID,
        MacAddress: ep.MacAddress,
        IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '',
        IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '',
      };
    }
    return out;
  }

  list(filters: Filters): NetworkResource[] {
    filters.validate(NETWORK_FILTERS);
    for (const t of filters.values('type')) if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
    const dangling = filters.has('dangling') ? filters.bool('dangling') : undefined;
    const out: NetworkResource[] = [];
    for (const n of this.nets.values()) {
      const r = n.file.network;
      if (filters.has('driver') && !filters.values('driver').includes(r.Driver)) continue;
      if (filters.has('name') && !filters.values('name').some((v) => r.Name.includes(v))) continue;
      if (filters.has('id') && !filters.values('id').some((v) => r.Id.startsWith(v))) continue;
      if (!filters.matchLabels('label', r.Labels)) continue;
      if (filters.has('scope') && !filters.values('scope').includes('local')) continue;
      if (filters.has('type') && !filters.values('type').includes(this.isUserDefined(n) ? 'custom' : 'builtin')) continue;
      if (dangling !== undefined) {
        const unused = this.isUserDefined(n) && this.activeEndpoints(n).length === 0;
        if (dangling !== unused) continue;
      }
      out.push(r);
    }
    return out.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  private activeEndpoints(n: Live): NetContainer[] {
    return this.containers ? this.ctrs.list().filter((c) => c.State.Running && !!c.NetworkRuntime?.endpoints[n.file.network.Id]) : [];
  }

  /** The default bridge's gateway (for `--add-host x:host-gateway`). */
  hostGateway(): string | undefined {
    return this.byName('bridge')?.alloc.find((a) => a.family === 4)?.gatewayAddress;
  }

  // ---- create, remove, prune ------------------------------------------------------------------

  create(req: Record<string, unknown>): Promise<{ id: string; warning: string }> {
    return this.serial(() => this.createInternal(req));
  }

  private async createInternal(req: Record<string, unknown>): Promise<{ id: string; warning: string }> {
    const name = typeof req.Name === 'string' ? req.Name : '';
    if (!name) throw invalidArgument('network name must be provided');
    if (!NAME_RE.test(name)) throw invalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (this.byName(name)) throw conflict(`network with name ${name} already exists`);
    const driver = typeof req.Driver === 'string' && req.Driver ? req.Driver : 'bridge';
    if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
    if (driver === 'macvlan' || driver === 'ipvlan' || driver === 'overlay') throw notImplemented(`the ${driver} network driver is not implemented by Berth`);
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    if (req.ConfigOnly === true || (req.ConfigFrom as { Network?: string } | undefined)?.Network) throw notImplemented('config-only networks are not implemented by Berth');
    if (req.Ingress === true) throw notImplemented('ingress networks need swarm mode, which Berth does not have yet');
    if (req.Scope && req.Scope !== 'local') throw notImplemented(`networks of scope ${String(req.Scope)} are not implemented by Berth`);
    const ipam = (req.IPAM ?? {}) as { Driver?: string; Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }> | null; Options?: Record<string, string> | null };
    if (ipam.Driver && ipam.Driver !== 'default') throw notFound(`plugin "${ipam.Driver}" not found`);
    const options = { ...((req.Options as Record<string, string> | null) ?? {}) };
    const labels = { ...((req.Labels as Record<string, string> | null) ?? {}) };
    const enableIPv6 = req.EnableIPv6 === true;
    if (req.EnableIPv4 === false) throw notImplemented('IPv6-only networks are not implemented by Berth');
    const mtu = options[OPT_MTU] ? Number(options[OPT_MTU]) : this.cfg.mtu;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalidArgument(`invalid MTU ${options[OPT_MTU]}`);
    for (const k of [OPT_ICC, OPT_MASQ]) if (k in options && !['true', 'false'].includes(String(options[k]))) throw invalidArgument(`invalid value for ${k}: ${options[k]}`);
    // Bridge options of Docker's that would change what the network does and that Berth does not do: refused, not ignored.
    for (const [k, ok] of UNBUILT_OPTIONS) if (k in options && String(options[k]) !== ok) throw notImplemented(`network option ${k}=${options[k]} is not implemented by Berth`);
    if (options[OPT_HOST_IP] && !net.isIPv4(options[OPT_HOST_IP])) throw invalidArgument(`invalid host binding address ${options[OPT_HOST_IP]}`);
    const id = hex(32);
    const bridge = options[OPT_NAME] || `br-${id.slice(0, 12)}`;
    if (bridge.length > 15 || !/^[a-zA-Z0-9_.-]+$/.test(bridge)) throw invalidArgument(`invalid bridge name ${bridge}`);
    if ([...this.nets.values()].some((n) => n.file.bridge === bridge)) throw conflict(`bridge name ${bridge} is already used by another network`);
    const inputs: IPAMConfigInput[] = (ipam.Config ?? []).map((c) => ({
      ...(c.Subnet ? { subnet: c.Subnet } : {}),
      ...(c.IPRange ? { ipRange: c.IPRange } : {}),
      ...(c.Gateway ? { gateway: c.Gateway } : {}),
      ...(c.AuxiliaryAddresses ? { auxAddresses: c.AuxiliaryAddresses } : {}),
    }));
    const configs = validateNetworkRequest({ configs: inputs, enableIPv6 }, this.subnets()).map((c) => ({
      subnet: c.subnet,
      ...(c.ipRange ? { ipRange: c.ipRange } : {}),
      ...(c.gateway ? { gateway: c.gateway } : {}),
      ...(Object.keys(c.auxAddresses).length ? { auxAddresses: c.auxAddresses } : {}),
    }));
    if (enableIPv6 && !configs.some((c) => c.subnet.includes(':'))) {
      // Docker's default IPv6 pool is a unique local /64.
      const h = hex(5);
      configs.push({ subnet: `fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}::/64` });
    }
    return withHostLock('network-subnets', async () => {
      const autoSubnet = !configs.some((c) => !c.subnet.includes(':'));
      if (autoSubnet) configs.unshift({ subnet: allocateSubnet(this.cfg.pools, this.subnets(), await hostRoutes()) });
      const file: NetworkFile = {
        network: this.resource(name, 'bridge', configs, options, labels, {
          Id: id,
          EnableIPv6: enableIPv6,
          Internal: req.Internal === true,
          Attachable: req.Attachable === true,
          IPAM: { Driver: 'default', Options: ipam.Options ?? {}, Config: [] },
        }),
        bridge,
        ...(autoSubnet ? { autoSubnet: true } : {}),
      };
      file.network.IPAM.Config = configs.map((c) => ({
        Subnet: c.subnet,
        ...(c.ipRange ? { IPRange: c.ipRange } : {}),
        ...(c.gateway ? { Gateway: c.gateway } : {}),
        ...(c.auxAddresses ? { AuxiliaryAddresses: c.auxAddresses } : {}),
      }));
      const live: Live = { file, alloc: this.allocators(file.network) };
      this.fillGateways(live);
      try {
        await this.bringUp(live);
        await this.saveNew(file, live);
        await this.applyFirewall();
      } catch (err) {
        await this.dns.unlisten(live.alloc[0]?.gatewayAddress ?? '').catch(() => {});
        if (!options[OPT_NAME] || !(await linkExists(bridge).catch(() => false))) await removeBridge(bridge).catch(() => {});
        await this.dropRecord(id).catch(() => {});
        await this.applyFirewall().catch(() => {});
        throw err;
      }
      this.events.publish('network', 'create', { id, attributes: { name, type: 'bridge' } });
      return { id, warning: '' };
    });
  }

  remove(idOrName: string): Promise<void> {
    return this.serial(async () => {
      const n = this.resolveLive(idOrName);
      const r = n.file.network;
      if (!this.isUserDefined(n)) throw forbidden(`${r.Name} is a pre-defined network and cannot be removed`);
      const active = this.activeEndpoints(n);
      if (active.length) {
        throw forbidden(`error while removing network: network ${r.Name} has active endpoints (${active.map((c) => `name:"${cname(c)}" id:"${c.ID.slice(0, 12)}"`).join(', ')})`);
      }
      await this.destroy(n);
    });
  }

  /** The bridge goes before the record: a crash in between leaves a record whose bridge the next start brings back. */
  private async destroy(n: Live): Promise<void> {
    const gw = n.alloc.find((a) => a.family === 4)?.gatewayAddress;
    if (gw) await this.dns.unlisten(gw).catch(() => {});
    if (n.file.bridge) await removeBridge(n.file.bridge).catch((err: unknown) => this.log.warn('removing a bridge', { bridge: n.file.bridge, err: messageOf(err) }));
    await this.dropRecord(n.file.network.Id);
    await this.applyFirewall();
    this.events.publish('network', 'destroy', { id: n.file.network.Id, attributes: { name: n.file.network.Name, type: n.file.network.Driver } });
  }

  /** Removes user-defined networks no container uses (filters `until`, `label`, `label!`). */
  prune(filters: Filters): Promise<string[]> {
    filters.validate(['until', 'label', 'label!']);
    return this.serial(async () => {
      const deleted: string[] = [];
      let until: bigint | undefined;
      if (filters.has('until')) {
        const { untilNanos } = await import('../images/store.js');
        until = untilNanos(filters.values('until'));
      }
      for (const n of [...this.nets.values()]) {
        const r = n.file.network;
        // As dockerd: unused means no endpoint, so a network only stopped containers name goes too.
        if (!this.isUserDefined(n) || this.activeEndpoints(n).length) continue;
        if (!filters.matchLabels('label', r.Labels)) continue;
        if (filters.has('label!') && filters.values('label!').some((l) => new Filters([['label', [l]]]).matchLabels('label', r.Labels))) continue;
        if (until !== undefined && BigInt(Date.parse(r.Created)) * 1_000_000n >= until) continue;
        await this.destroy(n);
        deleted.push(r.Name);
      }
      if (deleted.length) this.events.publish('network', 'prune', { id: '', attributes: { reclaimed: '0' } });
      return deleted;
    });
  }

  // ---- containers: create-time checks ------------------------------------------------------------

  /**
   * Checks what a new container asks of networks and returns its initial
   * NetworkSettings (the networks it will join, none of them with addresses yet); Docker's warnings go into `warnings`.
   */
  prepare(
    hostConfig: Record<string, unknown> & { NetworkMode?: string },
    networkingConfig: unknown,
    opts: { exposed?: Record<string, unknown> | null; macAddress?: string; warnings: string[] },
  ): NetworkSettings {
    const { exposed, warnings } = opts;
    let mode = hostConfig.NetworkMode || 'default';
    if (mode === 'default') mode = this.cfg.bridge === 'none' ? 'none' : 'bridge';
    hostConfig.NetworkMode = hostConfig.NetworkMode || 'default';
    const eps = { ...((networkingConfig as { EndpointsConfig?: Record<string, Partial<EndpointSettings> | null> } | undefined)?.EndpointsConfig ?? {}) };
    // Config.MacAddress (API < 1.44) is the primary network's, as dockerd takes it.
    if (opts.macAddress) {
      const key = eps[mode] ? mode : hostConfig.NetworkMode;
      if (!eps[key]?.MacAddress) eps[key] = { ...(eps[key] ?? {}), MacAddress: opts.macAddress };
    }
    const settings = emptySettings();
    const publishes = portRequests(hostConfig.PortBindings, hostConfig.PublishAllPorts === true, exposed).length > 0 || hostConfig.PublishAllPorts === true;
    if (mode.startsWith('container:')) {
      if (Object.keys(eps).length) throw invalidArgument('conflicting options: container type network can\'t be used with other networks');
      if (publishes) throw invalidArgument('conflicting options: port publishing and the container type network mode');
      if ((hostConfig.ExtraHosts as string[] | null | undefined)?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
      if ((hostConfig.Dns as string[] | null | undefined)?.length) throw invalidArgument('conflicting options: dns and the network mode');
      if ((hostConfig.Links as string[] | null | undefined)?.length) throw invalidArgument('conflicting options: container type network can\'t be used with links. This would result in undefined behavior');
      this.ctrs.resolve(mode.slice(10));
      return settings;
    }
    const names = [mode, ...Object.keys(eps).filter((k) => k !== mode && k !== hostConfig.NetworkMode)];
    const seen = new Set<string>();
    for (const key of names) {
      let n: Live;
      try {
        n = this.resolveLive(key);
      } catch (err) {
        // As dockerd: an unknown network fails the start ("network x not found"), not the create.
        if (!isKind(err, 'not-found')) throw err;
        settings.Networks[key] = { ...emptyEndpoint(''), ...(eps[key] ?? {}) } as EndpointSettings;
        continue;
      }
      const r = n.file.network;
      if (seen.has(r.Id)) continue;
      seen.add(r.Id);
      const want = eps[key] ?? (key === mode ? eps[hostConfig.NetworkMode ?? ''] : undefined) ?? {};
      if ((r.Driver === 'host' || r.Driver === 'null') && names.length > 1) {
        throw invalidArgument(r.Driver === 'host' ? 'container cannot be disconnected from host network or connected to host network' : 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
      }
      if (r.Driver === 'host' && publishes) warnings.push('Published ports are discarded when using host network mode');
      settings.Networks[r.Name] = this.endpointConfig(n, want);
    }
    // A link's target must exist (it must run only at start).
    for (const l of (hostConfig.Links as string[] | null | undefined) ?? []) this.ctrs.resolve(l.split(':')[0] ?? '');
    return settings;
  }

  /** Validates an endpoint request against its network (Docker's rules on --ip and aliases). */
  private endpointConfig(n: Live, want: Partial<EndpointSettings>): EndpointSettings {
    const r = n.file.network;
    const ep = emptyEndpoint(r.Id);
    const ipam = want.IPAMConfig ?? null;
    const userDefined = this.isUserDefined(n);
    if (ipam && (ipam.IPv4Address || ipam.IPv6Address)) {
      if (!userDefined) throw invalidArgument('user specified IP address is supported on user defined networks only');
      const configured = (r.IPAM.Config ?? []).some((c) => c.Subnet);
      if (!configured) throw invalidArgument('user specified IP address is supported only when connecting to networks with user configured subnets');
      for (const ip of [ipam.IPv4Address, ipam.IPv6Address]) {
        if (!ip) continue;
        const addr = tryParseIP(ip);
        if (!addr) throw invalidArgument(`invalid IPv${ip.includes(':') ? 6 : 4} address: ${ip}`);
        const a = n.alloc.find((x) => x.family === addr.family);
        if (!a || !containsIP(a.subnet, addr)) throw invalidArgument(`no configured subnet or ip-range contain the IP address ${ip}`);
      }
      ep.IPAMConfig = { ...(ipam.IPv4Address ? { IPv4Address: ipam.IPv4Address } : {}), ...(ipam.IPv6Address ? { IPv6Address: ipam.IPv6Address } : {}) };
    }
    if (want.Aliases?.length) {
      if (!userDefined) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
      ep.Aliases = [...want.Aliases];
    }
    if (want.Links?.length) ep.Links = [...want.Links];
    if (want.MacAddress) {
      if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(want.MacAddress)) throw invalidArgument(`invalid MAC address: ${want.MacAddress}`);
      ep.MacAddress = want.MacAddress.toLowerCase();
    }
    if (want.DriverOpts && Object.keys(want.DriverOpts).length) ep.DriverOpts = { ...want.DriverOpts };
    if (typeof want.GwPriority === 'number') ep.GwPriority = want.GwPriority;
    return ep;
  }

  // ---- containers: running ----------------------------------------------------------------------

  /** Gives a starting container its network: a namespace with an endpoint per bridge network. */
  attach(c: NetContainer): Promise<AttachResult> {
    return this.serial(() => this.attachInternal(c));
  }

  private netnsPath(id: string): string {
    return join(this.cfg.execRoot, 'netns', id.slice(0, 12));
  }

  private async attachInternal(c: NetContainer): Promise<AttachResult> {
    const mode = c.HostConfig.NetworkMode || 'default';
    c.NetworkSettings ??= emptySettings();
    const s = c.NetworkSettings;
    if (mode.startsWith('container:') || mode === 'host') return { hosts: [], embeddedDns: false };
    const wanted = Object.keys(s.Networks);
    const bridgeNets: Live[] = [];
    for (const name of wanted) {
      const n = this.byName(name) ?? this.nets.get(s.Networks[name]!.NetworkID);
      if (!n) throw notFound(`network ${name} not found`);
      if (n.file.network.Name !== name) {
        // Renamed or recreated under the same name: follow the record.
        s.Networks[n.file.network.Name] = s.Networks[name]!;
        delete s.Networks[name];
      }
      s.Networks[n.file.network.Name]!.NetworkID = n.file.network.Id;
      if (n.file.network.Driver === 'null') return { hosts: [], embeddedDns: false };
      if (n.file.network.Driver === 'bridge') bridgeNets.push(n);
    }
    if (bridgeNets.length === 0) return { hosts: [], embeddedDns: false };
    const netns = this.netnsPath(c.ID);
    const t0 = performance.now();
    await removeNetns(this.helper, netns);
    await createNetns(this.helper, netns);
    const t1 = performance.now();
    c.NetworkRuntime = { netns, endpoints: {}, ports: [] };
    try {
      const ordered = this.gatewayOrder(c, bridgeNets);
      for (const n of ordered) await this.join(c, n, n === ordered.find((x) => !x.file.network.Internal));
      const t2 = performance.now();
      await this.publish(c);
      if (ordered.some((n) => this.isUserDefined(n))) await this.pointDns(c);
      const t3 = performance.now();
      await this.applyFirewall();
      const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
      this.log.debug('sandbox ready', { id: c.ID.slice(0, 12), netnsMs: ms(t0, t1), endpointsMs: ms(t1, t2), portsDnsMs: ms(t2, t3), firewallMs: ms(t3, performance.now()) });
    } catch (err) {
      await this.detachInternal(c).catch(() => {});
      throw err;
    }
    s.SandboxID = hex(32);
    s.SandboxKey = netns;
    for (const n of bridgeNets) this.events.publish('network', 'connect', { id: n.file.network.Id, attributes: { container: c.ID, name: n.file.network.Name, type: 'bridge' } });
    return { netns, hosts: this.hostsEntries(c), embeddedDns: bridgeNets.some((n) => this.isUserDefined(n)) };
  }

  /** Docker's choice of the default gateway: highest priority, then not internal, then the primary network, then by name. */
  private gatewayOrder(c: NetContainer, nets: Live[]): Live[] {
    const s = c.NetworkSettings!;
    const primary = c.HostConfig.NetworkMode;
    return [...nets].sort((a, b) => {
      const pa = s.Networks[a.file.network.Name]?.GwPriority ?? 0;
      const pb = s.Networks[b.file.network.Name]?.GwPriority ?? 0;
      if (pa !== pb) return pb - pa;
      if (a.file.network.Internal !== b.file.network.Internal) return a.file.network.Internal ? 1 : -1;
      const isPrimary = (n: Live) => n.file.network.Name === primary || (n.file.network.Name === 'bridge' && (primary === 'default' || primary === 'bridge'));
      if (isPrimary(a) !== isPrimary(b)) return isPrimary(a) ? -1 : 1;
      return a.file.network.Name.localeCompare(b.file.network.Name);
    });
  }

  private nextIfname(c: NetContainer, n: Live): string {
    const prefix = n.file.network.Options[OPT_IFACE_PREFIX] || 'eth';
    const used = new Set(Object.values(c.NetworkRuntime?.endpoints ?? {}).map((e) => e.ifname));
    for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
  }

  /** One endpoint: addresses, veth, settings. */
  private async join(c: NetContainer, n: Live, gateway: boolean): Promise<void> {
    const s = c.NetworkSettings!;
    const rt = c.NetworkRuntime!;
    const r = n.file.network;
    const ep = (s.Networks[r.Name] ??= emptyEndpoint(r.Id));
    const taken: Array<{ a: SubnetAllocator; ip: string }> = [];
    try {
      let v4: { ip: string; bits: number; gw?: string } | undefined;
      let v6: { ip: string; bits: number; gw?: string } | undefined;
      for (const a of n.alloc) {
        if (a.family === 6 && !r.EnableIPv6) continue;
        const want = a.family === 4 ? ep.IPAMConfig?.IPv4Address : ep.IPAMConfig?.IPv6Address;
        const ip = a.request(want);
        taken.push({ a, ip });
        const entry = { ip, bits: a.subnet.bits, ...(a.gatewayAddress ? { gw: a.gatewayAddress } : {}) };
        if (a.family === 4 && !v4) v4 = entry;
        if (a.family === 6 && !v6) v6 = entry;
      }
      const mac = ep.MacAddress || (v4 ? macFromIP(v4.ip) : randomMac());
      const ifname = this.nextIfname(c, n);
      const veth = await addEndpoint({
        netns: rt.netns,
        bridge: n.file.bridge!,
        ifname,
        mac,
        addresses: [...(v4 ? [`${v4.ip}/${v4.bits}`] : []), ...(v6 ? [`${v6.ip}/${v6.bits}`] : [])],
        ...(gateway && v4?.gw ? { gateway4: v4.gw } : {}),
        ...(gateway && v6?.gw ? { gateway6: v6.gw } : {}),
        mtu: Number(r.Options[OPT_MTU] ?? this.cfg.mtu) || 1500,
      });
      rt.endpoints[r.Id] = { veth, ifname };
      if (gateway) rt.gateway = r.Id;
      Object.assign(ep, {
        NetworkID: r.Id,
        EndpointID: hex(32),
        MacAddress: mac,
        Gateway: v4?.gw ?? '',
        IPAddress: v4?.ip ?? '',
        IPPrefixLen: v4?.bits ?? 0,
        IPv6Gateway: v6?.gw ?? '',
        GlobalIPv6Address: v6?.ip ?? '',
        GlobalIPv6PrefixLen: v6?.bits ?? 0,
        DNSNames: this.isUserDefined(n) ? dnsNames(c, ep.Aliases) : null,
      });
      for (const t of taken) this.byIP.set(t.ip, c.ID);
      this.syncLegacy(c);
    } catch (err) {
      for (const t of taken) t.a.release(t.ip);
      throw err;
    }
  }

  /** The deprecated top-level address fields: the default bridge's endpoint, as Docker fills them. */
  private syncLegacy(c: NetContainer): void {
    const s = c.NetworkSettings!;
    const ep = s.Networks.bridge;
    const fromEp = ep && ep.EndpointID ? ep : undefined;
    s.EndpointID = fromEp?.EndpointID ?? '';
    s.Gateway = fromEp?.Gateway ?? '';
    s.IPAddress = fromEp?.IPAddress ?? '';
    s.IPPrefixLen = fromEp?.IPPrefixLen ?? 0;
    s.IPv6Gateway = fromEp?.IPv6Gateway ?? '';
    s.GlobalIPv6Address = fromEp?.GlobalIPv6Address ?? '';
    s.GlobalIPv6PrefixLen = fromEp?.GlobalIPv6PrefixLen ?? 0;
    s.MacAddress = fromEp?.MacAddress ?? '';
  }

  /** Published ports go to the container's address on its gateway network. */
  private async publish(c: NetContainer): Promise<void> {
    const s = c.NetworkSettings!;
    const rt = c.NetworkRuntime!;
    const gwNet = rt.gateway ? this.nets.get(rt.gateway) : undefined;
    const reqs = portRequests(c.HostConfig.PortBindings, c.HostConfig.PublishAllPorts === true, c.Config.ExposedPorts);
    if (!gwNet || reqs.length === 0) {
      s.Ports = portMap(c.Config.ExposedPorts, []);
      return;
    }
    const ep = s.Networks[gwNet.file.network.Name]!;
    const defaultHostIP = gwNet.file.network.Options[OPT_HOST_IP] ?? '';
    for (const r of reqs) if (!r.hostIP && defaultHostIP && defaultHostIP !== '0.0.0.0') r.hostIP = defaultHostIP;
    rt.ports = await this.ports.acquire(c.ID, `${cname(c)} (${ep.EndpointID})`, ep.IPAddress, reqs);
    s.Ports = portMap(c.Config.ExposedPorts, rt.ports);
  }

  /** Points the namespace's 127.0.0.11 at the DNS server of its first user-defined network. */
  private async pointDns(c: NetContainer): Promise<void> {
    const rt = c.NetworkRuntime;
    if (!rt) return;
    for (const [netId, e] of Object.entries(rt.endpoints)) {
      const n = this.nets.get(netId);
      if (!n || !this.isUserDefined(n) || !n.file.dnsPort) continue;
      const gw = n.alloc.find((a) => a.family === 4)?.gatewayAddress;
      const own = c.NetworkSettings?.Networks[n.file.network.Name]?.IPAddress;
      if (!gw || !own) continue;
      await setDnsRedirect(rt.netns, e.ifname, own, gw, n.file.dnsPort, !rt.dnsJumps);
      rt.dnsJumps = true;
      return;
    }
  }

  /** Hosts entries: the container's own addresses under its hostname, and its links on the default bridge. */
  private hostsEntries(c: NetContainer): Array<{ ip: string; names: string[] }> {
    const s = c.NetworkSettings!;
    const host = String(c.Config.Hostname ?? '');
    const fqdn = c.Config.Domainname ? [`${host}.${String(c.Config.Domainname)}`, host] : [host];
    const out: Array<{ ip: string; names: string[] }> = [];
    for (const ep of Object.values(s.Networks)) {
      if (ep.IPAddress) out.push({ ip: ep.IPAddress, names: fqdn });
      if (ep.GlobalIPv6Address) out.push({ ip: ep.GlobalIPv6Address, names: fqdn });
    }
    for (const l of (c.HostConfig.Links as string[] | null | undefined) ?? []) {
      const [target = '', alias = ''] = l.split(':');
      let t: NetContainer;
      try {
        t = this.ctrs.resolve(target);
      } catch {
        continue;
      }
      const ip = t.NetworkSettings?.Networks.bridge?.IPAddress;
      if (!ip) continue;
      const a = alias.split('/').pop() || cname(t);
      out.push({ ip, names: [...new Set([a, t.ID.slice(0, 12), cname(t)])] });
    }
    return out;
  }

  /** After a rename: the container answers to its new name on its user-defined networks (DNS reads names live). */
  renamed(c: NetContainer): void {
    for (const ep of Object.values(c.NetworkSettings?.Networks ?? {})) if (ep.DNSNames) ep.DNSNames = dnsNames(c, ep.Aliases);
  }

  /** The checks of `--link` at start: its targets run, on the default bridge. */
  checkLinks(c: NetContainer): void {
    for (const l of (c.HostConfig.Links as string[] | null | undefined) ?? []) {
      const [target = '', alias = ''] = l.split(':');
      const t = this.ctrs.resolve(target);
      if (!t.State.Running) throw invalidArgument(`Cannot link to a non running container: /${cname(t)} AS ${alias.startsWith('/') ? alias : `/${cname(c)}/${alias || cname(t)}`}`);
    }
  }

  /** Gives an endpoint's addresses back to its network and forgets whose they were. */
  private releaseAddresses(c: NetContainer, n: Live | undefined, ep: EndpointSettings): void {
    for (const ip of [ep.IPAddress, ep.GlobalIPv6Address]) {
      if (!ip) continue;
      n?.alloc.find((a) => a.family === (ip.includes(':') ? 6 : 4))?.release(ip);
      if (this.byIP.get(ip) === c.ID) this.byIP.delete(ip);
    }
  }

  /** Undoes a container's sandbox when it exits (its addresses, ports, namespace). */
  detach(c: NetContainer): Promise<void> {
    return this.serial(() => this.detachInternal(c));
  }

  private async detachInternal(c: NetContainer): Promise<void> {
    const rt = c.NetworkRuntime;
    const s = c.NetworkSettings;
    this.ports.release(c.ID);
    if (s) {
      for (const [name, ep] of Object.entries(s.Networks)) {
        const n = this.byName(name) ?? this.nets.get(ep.NetworkID);
        this.releaseAddresses(c, n, ep);
        const had = !!ep.EndpointID;
        // A generated MAC goes with the address; one the user gave stays.
        if (ep.IPAddress && ep.MacAddress === macFromIP(ep.IPAddress)) ep.MacAddress = '';
        Object.assign(ep, { EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null });
        if (had && n) this.events.publish('network', 'disconnect', { id: n.file.network.Id, attributes: { container: c.ID, name: n.file.network.Name, type: n.file.network.Driver } });
      }
      s.Ports = {};
      s.SandboxID = '';
      s.SandboxKey = '';
      this.syncLegacy(c);
    }
    if (rt) {
      // The veths go with the namespace.
      await removeNetns(this.helper, rt.netns);
      delete c.NetworkRuntime;
      await this.applyFirewall();
    }
  }

  /** After a daemon restart, a running container's addresses and ports are taken again. */
  async restore(c: NetContainer): Promise<void> {
    const rt = c.NetworkRuntime;
    const s = c.NetworkSettings;
    if (!rt || !s) return;
    // Read once for all the containers restored at start (finishRestore lets it go).
    this.startMounts ??= mountPoints();
    if (!(await this.startMounts).has(rt.netns)) {
      this.log.warn('a running container lost its network namespace', { id: c.ID });
      return;
    }
    for (const [name, ep] of Object.entries(s.Networks)) {
      const n = this.byName(name) ?? this.nets.get(ep.NetworkID);
      if (!n) continue;
      for (const ip of [ep.IPAddress, ep.GlobalIPv6Address]) {
        if (!ip) continue;
        const a = n.alloc.find((x) => x.family === (ip.includes(':') ? 6 : 4));
        try {
          a?.request(ip);
        } catch (err) {
          this.log.warn('address of a running container already taken', { id: c.ID, ip, err: messageOf(err) });
        }
        this.byIP.set(ip, c.ID);
      }
      // A bridge that vanished while the daemon was away is back (bringUp), but the veth is not on it.
      const e = rt.endpoints[n.file.network.Id];
      if (e && n.file.bridge && !(await linkExists(e.veth))) this.log.warn('a running container lost its link to a bridge', { id: c.ID, network: name });
    }
    const gwNet = rt.gateway ? this.nets.get(rt.gateway) : undefined;
    const gwIP = gwNet ? (s.Networks[gwNet.file.network.Name]?.IPAddress ?? '') : '';
    const problems = await this.ports.reacquire(c.ID, gwIP, rt.ports);
    for (const p of problems) this.log.warn('could not hold a published port again', { id: c.ID, port: p });
  }

  /** Once containers are restored: rules as the state says, stray namespaces removed. */
  async finishRestore(): Promise<void> {
    // A container that stopped while its sandbox was being undone (a crash): finish undoing it.
    for (const c of this.ctrs.list()) {
      if (!c.State.Running && (c.NetworkRuntime || c.NetworkSettings?.SandboxKey)) {
        await this.detachInternal(c).catch((err: unknown) => this.log.warn('undoing a stopped container\'s sandbox', { id: c.ID, err: messageOf(err) }));
        await this.ctrs.persist(c).catch(() => {});
      }
    }
    for (const c of this.ctrs.list()) {
      if (c.State.Running && Object.keys(c.NetworkRuntime?.endpoints ?? {}).some((id) => this.dnsMoved.has(id))) {
        await this.pointDns(c).catch((err: unknown) => this.log.warn('pointing a container at the DNS server again', { id: c.ID, err: messageOf(err) }));
        await this.ctrs.persist(c).catch(() => {});
      }
    }
    this.dnsMoved.clear();
    this.startMounts = null;
    await this.applyFirewall();
    const owned = new Set(this.ctrs.list().map((c) => c.NetworkRuntime?.netns).filter(Boolean));
    const dir = join(this.cfg.execRoot, 'netns');
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, f);
      if (!owned.has(p)) await removeNetns(this.helper, p);
    }
  }

  // ---- connect and disconnect ------------------------------------------------------------------

  connect(idOrName: string, container: string, endpoint: Partial<EndpointSettings> | null): Promise<void> {
    return this.serial(async () => {
      const n = this.resolveLive(idOrName);
      const c = this.ctrs.resolve(container);
      const r = n.file.network;
      const mode = c.HostConfig.NetworkMode || 'default';
      if (mode.startsWith('container:')) throw forbidden('container sharing network namespace with another container or host cannot be connected to any other network');
      if (mode === 'host' || r.Driver === 'host') throw forbidden('container cannot be disconnected from host network or connected to host network');
      if (mode === 'none' || r.Driver === 'null') throw forbidden('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      c.NetworkSettings ??= emptySettings();
      if (c.NetworkSettings.Networks[r.Name]) throw forbidden(`endpoint with name ${cname(c)} already exists in network ${r.Name}`);
      const ep = this.endpointConfig(n, endpoint ?? {});
      c.NetworkSettings.Networks[r.Name] = ep;
      if (c.State.Running && c.NetworkRuntime) {
        try {
          const hadGateway = !!c.NetworkRuntime.gateway;
          await this.join(c, n, !hadGateway && !r.Internal);
          if (this.isUserDefined(n)) await this.pointDns(c);
          await this.applyFirewall();
        } catch (err) {
          delete c.NetworkSettings.Networks[r.Name];
          throw err;
        }
        this.events.publish('network', 'connect', { id: r.Id, attributes: { container: c.ID, name: r.Name, type: r.Driver } });
      } else if (c.State.Running) {
        delete c.NetworkSettings.Networks[r.Name];
        throw forbidden(`container ${cname(c)} has no network namespace of its own to connect`);
      }
      await this.ctrs.persist(c);
    });
  }

  disconnect(idOrName: string, container: string, force: boolean): Promise<void> {
    return this.serial(async () => {
      const n = this.resolveLive(idOrName);
      const r = n.file.network;
      let c: NetContainer;
      try {
        c = this.ctrs.resolve(container);
      } catch (err) {
        if (force) return;
        throw err;
      }
      if (r.Driver === 'host') throw forbidden('container cannot be disconnected from host network or connected to host network');
      const ep = c.NetworkSettings?.Networks[r.Name];
      if (!ep) throw forbidden(`container ${c.ID} is not connected to network ${r.Name}`);
      const rt = c.NetworkRuntime;
      const e = rt?.endpoints[r.Id];
      if (rt && e) {
        await removeEndpoint(e.veth);
        this.releaseAddresses(c, n, ep);
        delete rt.endpoints[r.Id];
        if (rt.gateway === r.Id) {
          // The default route moves to another network, as Docker does; published ports go with the old one.
          this.ports.release(c.ID);
          rt.ports = [];
          c.NetworkSettings!.Ports = portMap(c.Config.ExposedPorts, []);
          delete rt.gateway;
          const next = this.gatewayOrder(c, Object.keys(rt.endpoints).map((id) => this.nets.get(id)).filter((x): x is Live => !!x && !x.file.network.Internal))[0];
          const nextEp = next ? c.NetworkSettings!.Networks[next.file.network.Name] : undefined;
          await setDefaultRoute(rt.netns, next ? rt.endpoints[next.file.network.Id]!.ifname : null, nextEp?.Gateway || null);
          if (next) rt.gateway = next.file.network.Id;
        }
        if (this.isUserDefined(n)) await this.pointDns(c).catch(() => {});
        await this.applyFirewall();
        this.events.publish('network', 'disconnect', { id: r.Id, attributes: { container: c.ID, name: r.Name, type: r.Driver } });
      }
      delete c.NetworkSettings!.Networks[r.Name];
      this.syncLegacy(c);
      await this.ctrs.persist(c);
    });
  }

  // ---- firewall ---------------------------------------------------------------------------------

  private firewallState(): FirewallState {
    const st: FirewallState = { bridges: [], ports: [] };
    for (const n of this.nets.values()) {
      if (!n.file.bridge) continue;
      const o = n.file.network.Options;
      st.bridges.push({
        name: n.file.bridge,
        subnets: n.alloc.filter((a) => a.family === 4).map((a) => `${formatIP(a.subnet.addr)}/${a.subnet.bits}`),
        subnets6: n.file.network.EnableIPv6 ? n.alloc.filter((a) => a.family === 6).map((a) => `${formatIP(a.subnet.addr)}/${a.subnet.bits}`) : [],
        internal: n.file.network.Internal,
        icc: o[OPT_ICC] !== 'false',
        masquerade: o[OPT_MASQ] !== 'false' && this.cfg.ipMasq,
      });
    }
    if (this.containers) {
      for (const c of this.ctrs.list()) {
        const rt = c.NetworkRuntime;
        if (!rt?.gateway || !rt.ports.length) continue;
        const n = this.nets.get(rt.gateway);
        const ip = n ? c.NetworkSettings?.Networks[n.file.network.Name]?.IPAddress : undefined;
        if (!n?.file.bridge || !ip) continue;
        for (const p of rt.ports) st.ports.push({ proto: p.proto, hostIP: p.hostIP, hostPort: p.hostPort, containerIP: ip, containerPort: p.containerPort, bridge: n.file.bridge });
      }
    }
    return st;
  }

  private applyFirewall(): Promise<void> {
    return this.firewall.apply(this.firewallState());
  }

  // ---- stats and shutdown --------------------------------------------------------------------------

  /** Leaves running containers connected; when none runs, removes bridges and rules. */
  async close(anyRunning: boolean): Promise<void> {
    await this.chain.catch(() => {});
    await this.dns.close().catch(() => {});
    this.ports.releaseAll();
    if (anyRunning) return;
    for (const n of this.nets.values()) if (n.file.bridge) await removeBridge(n.file.bridge).catch(() => {});
    await this.firewall.remove().catch((err: unknown) => this.log.warn('removing firewall rules', { err: messageOf(err) }));
  }
}

