/**
 * Packet filtering and NAT for bridge networks, with iptables. The rules are a
 * pure function of the daemon's networks and published ports (`renderRules`):
 * every change rewrites the daemon's own chains in one `iptables-restore
 * --noflush` transaction, so the kernel's rules never drift from Berth's
 * state and a restarted daemon converges by rendering again. Built-in chains
 * only get one jump each into the daemon's chains, added once.
 *
 * What the rules do, as Docker's do (with its `userland-proxy: false` layout,
 * which Berth always uses: published ports are forwarded by the kernel, also
 * for 127.0.0.1, so they keep working while berthd restarts):
 * - nat: published ports are DNATed for traffic to any local address, from
 *   outside (PREROUTING) and from the host itself (OUTPUT); traffic leaving a
 *   non-internal network is masqueraded; connections from the host's own
 *   addresses (127.0.0.1 included, with route_localnet on the bridge) are
 *   masqueraded onto the bridge; hairpin connections to a container's own
 *   published port are masqueraded.
 * - filter: replies come back; containers of one network talk to each other
 *   (unless icc is off); a network's containers reach out unless it is
 *   internal; from elsewhere only published ports reach containers; two
 *   networks are isolated from each other (two isolation stages, as Docker);
 *   an internal network neither sends nor receives beyond its bridge.
 *
 * Chain names carry the daemon's prefix (`BERTH`, or `BERTH-<tag>` for a
 * daemon with another data root) so several daemons can share a host.
 */
import { runTool } from './sys.js';
import type { Logger } from '../../lib/log.js';
import { messageOf } from '../../errdefs/index.js';

export interface FirewallBridge {
  name: string;
  /** IPv4 subnets of the network. */
  subnets: string[];
  /** IPv6 subnets (ip6tables gets the same filter rules and masquerading). */
  subnets6?: string[];
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
}

export interface FirewallPort {
  proto: 'tcp' | 'udp' | 'sctp';
  /** '' or 0.0.0.0: every local address. */
  hostIP: string;
  hostPort: number;
  containerIP: string;
  containerPort: number;
  bridge: string;
}

export interface FirewallState {
  bridges: FirewallBridge[];
  ports: FirewallPort[];
}

export interface Chains {
  forward: string;
  iso1: string;
  iso2: string;
  dnat: string;
  post: string;
}

export function chainNames(prefix: string): Chains {
  return { forward: `${prefix}-FORWARD`, iso1: `${prefix}-ISOLATION-1`, iso2: `${prefix}-ISOLATION-2`, dnat: `${prefix}-DNAT`, post: `${prefix}-POSTROUTING` };
}

const anyAddr = (ip: string) => ip === '' || ip === '0.0.0.0';

/**
 * The daemon's chains as `iptables-restore --noflush` input (declaring a chain
 * flushes it). Family 6 renders the same filter rules for `ip6tables-restore`
 * with IPv6 masquerading; ports are published on IPv4 only.
 */
export function renderRules(ch: Chains, st: FirewallState, family: 4 | 6 = 4): string {
  if (family === 6) st = { bridges: st.bridges, ports: [] };
  const f: string[] = ['*filter', `:${ch.forward} - [0:0]`, `:${ch.iso1} - [0:0]`, `:${ch.iso2} - [0:0]`, `-A ${ch.forward} -j ${ch.iso1}`];
  for (const b of st.bridges) {
    f.push(`-A ${ch.forward} -o ${b.name} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    for (const p of st.ports.filter((x) => x.bridge === b.name)) {
      f.push(`-A ${ch.forward} -d ${p.containerIP}/32 ! -i ${b.name} -o ${b.name} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`);
    }
    f.push(`-A ${ch.forward} -i ${b.name} -o ${b.name} -j ${b.icc ? 'ACCEPT' : 'DROP'}`);
    if (!b.internal) f.push(`-A ${ch.forward} -i ${b.name} ! -o ${b.name} -j ACCEPT`);
    f.push(`-A ${ch.forward} -o ${b.name} -j DROP`);
  }
  for (const b of st.bridges) {
    if (b.internal) {
      f.push(`-A ${ch.iso1} -i ${b.name} ! -o ${b.name} -j DROP`);
      f.push(`-A ${ch.iso1} ! -i ${b.name} -o ${b.name} -j DROP`);
    } else f.push(`-A ${ch.iso1} -i ${b.name} ! -o ${b.name} -j ${ch.iso2}`);
    f.push(`-A ${ch.iso2} -o ${b.name} -j DROP`);
  }
  f.push(`-A ${ch.iso1} -j RETURN`, `-A ${ch.iso2} -j RETURN`, 'COMMIT');

  const n: string[] = ['*nat', `:${ch.dnat} - [0:0]`, `:${ch.post} - [0:0]`];
  for (const p of st.ports) {
    if (p.hostIP.includes(':') || family === 6) continue;
    const dst = anyAddr(p.hostIP) ? '' : `-d ${p.hostIP}/32 `;
    n.push(`-A ${ch.dnat} ${dst}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIP}:${p.containerPort}`);
  }
  for (const b of st.bridges) {
    if (b.masquerade && !b.internal) for (const s of family === 4 ? b.subnets : (b.subnets6 ?? [])) n.push(`-A ${ch.post} -s ${s} ! -o ${b.name} -j MASQUERADE`);
    if (family === 4) n.push(`-A ${ch.post} -o ${b.name} -m addrtype --src-type LOCAL -j MASQUERADE`);
  }
  for (const p of st.ports) {
    n.push(`-A ${ch.post} -s ${p.containerIP}/32 -d ${p.containerIP}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`);
  }
  n.push('COMMIT');
  return [...f, ...n].join('\n') + '\n';
}

/** The jumps from built-in chains into the daemon's chains. */
function jumps(ch: Chains): Array<{ table: string; chain: string; rule: string[] }> {
  return [
    { table: 'filter', chain: 'FORWARD', rule: ['-j', ch.forward] },
    { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', ch.dnat] },
    { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', ch.dnat] },
    { table: 'nat', chain: 'POSTROUTING', rule: ['-j', ch.post] },
  ];
}

/** Applies rendered rules (IPv4, and IPv6 once a network has IPv6); serialized, and a no-op when nothing changed. */
export class Firewall {
  readonly chains: Chains;
  readonly enabled: boolean;
  private readonly log: Logger;
  private readonly last = { 4: '', 6: '' };
  private readonly installed = { 4: false, 6: false };
  private queue: Promise<void> = Promise.resolve();

  constructor(prefix: string, enabled: boolean, log: Logger) {
    this.chains = chainNames(prefix);
    this.enabled = enabled;
    this.log = log;
  }

  private static tool(family: 4 | 6): { restore: string; tables: string } {
    return family === 4 ? { restore: 'iptables-restore', tables: 'iptables' } : { restore: 'ip6tables-restore', tables: 'ip6tables' };
  }

  private async applyFamily(family: 4 | 6, st: FirewallState): Promise<void> {
    const text = renderRules(this.chains, st, family);
    if (text === this.last[family] && this.installed[family]) return;
    const t = Firewall.tool(family);
    await runTool(t.restore, ['--noflush', '-w'], text);
    if (!this.installed[family]) {
      for (const j of jumps(this.chains)) {
        const exists = await runTool(t.tables, ['-w', '-t', j.table, '-C', j.chain, ...j.rule]).then(
          () => true,
          () => false,
        );
        if (!exists) await runTool(t.tables, ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
      }
      this.installed[family] = true;
    }
    this.last[family] = text;
  }

  /** Makes the kernel's rules those of `st`. */
  apply(st: FirewallState): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const run = async () => {
      await this.applyFamily(4, st);
      if (this.installed[6] || st.bridges.some((b) => b.subnets6?.length)) await this.applyFamily(6, st);
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => {});
    return p;
  }

  /** Removes the daemon's jumps and chains (when it leaves nothing running behind). */
  async remove(): Promise<void> {
    if (!this.enabled) return;
    await this.queue;
    const ch = this.chains;
    for (const family of [4, 6] as const) {
      const t = Firewall.tool(family);
      if (family === 6 && !this.installed[6]) continue;
      for (const j of jumps(ch)) {
        while (await runTool(t.tables, ['-w', '-t', j.table, '-D', j.chain, ...j.rule]).then(() => true, () => false));
      }
      for (const [table, names] of [['filter', [ch.forward, ch.iso1, ch.iso2]], ['nat', [ch.dnat, ch.post]]] as const) {
        for (const c of names) await runTool(t.tables, ['-w', '-t', table, '-F', c]).catch(() => {});
        for (const c of names) await runTool(t.tables, ['-w', '-t', table, '-X', c]).catch((err: unknown) => this.log.debug('removing chain', { chain: c, err: messageOf(err) }));
      }
      this.installed[family] = false;
      this.last[family] = '';
    }
  }
}
