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

/** The daemon's chains as `iptables-restore --noflush` input (declaring a chain flushes it). */
export function renderRules(ch: Chains, st: FirewallState): string {
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
    if (p.hostIP.includes(':')) continue;
    const dst = anyAddr(p.hostIP) ? '' : `-d ${p.hostIP}/32 `;
    n.push(`-A ${ch.dnat} ${dst}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIP}:${p.containerPort}`);
  }
  for (const b of st.bridges) {
    if (b.masquerade && !b.internal) for (const s of b.subnets) n.push(`-A ${ch.post} -s ${s} ! -o ${b.name} -j MASQUERADE`);
    n.push(`-A ${ch.post} -o ${b.name} -m addrtype --src-type LOCAL -j MASQUERADE`);
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

/** Applies rendered rules; serialized, and a no-op when nothing changed. */
export class Firewall {
  readonly chains: Chains;
  readonly enabled: boolean;
  private readonly log: Logger;
  private last = '';
  private installed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(prefix: string, enabled: boolean, log: Logger) {
    this.chains = chainNames(prefix);
    this.enabled = enabled;
    this.log = log;
  }

  /** Makes the kernel's rules those of `st`. */
  apply(st: FirewallState): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const run = async () => {
      const text = renderRules(this.chains, st);
      if (text === this.last && this.installed) return;
      await runTool('iptables-restore', ['--noflush', '-w'], text);
      if (!this.installed) {
        for (const j of jumps(this.chains)) {
          const exists = await runTool('iptables', ['-w', '-t', j.table, '-C', j.chain, ...j.rule]).then(
            () => true,
            () => false,
          );
          if (!exists) await runTool('iptables', ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
        }
        this.installed = true;
      }
      this.last = text;
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => {});
    return p;
  }

  /** Removes the daemon's jumps and chains (when it leaves nothing running behind). */
  async remove(): Promise<void> {
    if (!this.enabled) return;
    await this.queue;
    for (const j of jumps(this.chains)) {
      while (await runTool('iptables', ['-w', '-t', j.table, '-D', j.chain, ...j.rule]).then(() => true, () => false));
    }
    const ch = this.chains;
    for (const [table, names] of [['filter', [ch.forward, ch.iso1, ch.iso2]], ['nat', [ch.dnat, ch.post]]] as const) {
      for (const c of names) await runTool('iptables', ['-w', '-t', table, '-F', c]).catch(() => {});
      for (const c of names) await runTool('iptables', ['-w', '-t', table, '-X', c]).catch((err: unknown) => this.log.debug('removing chain', { chain: c, err: messageOf(err) }));
    }
    this.installed = false;
    this.last = '';
  }
}
