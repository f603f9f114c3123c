/**
 * The bridge driver's links: a Linux bridge per network (its gateway
 * addresses, MTU, route_localnet for published ports on 127.0.0.1), and per
 * container endpoint a veth pair whose host end is a port of the bridge
 * (hairpin on, so a container reaches its own published ports) and whose
 * other end is created directly inside the container's network namespace
 * under its final name, with its MAC, addresses and default route. The
 * embedded DNS server is reached from inside the namespace through DNAT of
 * 127.0.0.11:53 to the network's gateway, as Docker's resolver is reached.
 * Removing the namespace removes its ends of the veths; `removeEndpoint`
 * is for a disconnect while the container runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ipBatch, inNetns, linkExists, addresses, sysctl } from './sys.js';

export interface BridgeSpec {
  name: string;
  /** Gateway addresses with the subnet's prefix length (`172.18.0.1/16`). */
  addresses: string[];
  mtu: number;
}

/**
 * The bridge's own MAC address, derived from its name: a bridge without one
 * takes the lowest MAC of its ports and changes it when that port goes, and
 * every container's ARP entry for the gateway then points nowhere for
 * seconds. A fixed address (stable across daemon restarts) avoids that.
 */
export function bridgeMac(name: string): string {
  const h = createHash('sha256').update(`berth-bridge:${name}`).digest();
  return ['02', '42', ...[...h.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Creates the bridge if missing and makes its addresses and state those of `spec`. */
export async function ensureBridge(spec: BridgeSpec): Promise<void> {
  const lines: string[] = [];
  if (!(await linkExists(spec.name))) lines.push(`link add name ${spec.name} address ${bridgeMac(spec.name)} mtu ${spec.mtu} type bridge`);
  else lines.push(`link set dev ${spec.name} address ${bridgeMac(spec.name)}`);
  const have = new Set(lines[0]!.startsWith('link add') ? [] : await addresses(spec.name));
  const v6 = spec.addresses.some((a) => a.includes(':'));
  if (lines.length) await ipBatch(lines);
  if (v6) await sysctl(`net/ipv6/conf/${spec.name}/disable_ipv6`, '0').catch(() => {});
  const more: string[] = [];
  for (const a of spec.addresses) if (!have.has(a)) more.push(`addr add ${a} dev ${spec.name}${a.includes(':') ? ' nodad' : ''}`);
  more.push(`link set dev ${spec.name} up`);
  await ipBatch(more);
  await sysctl(`net/ipv4/conf/${spec.name}/route_localnet`, '1');
}

export async function removeBridge(name: string): Promise<void> {
  if (await linkExists(name)) await ipBatch([`link del dev ${name}`]);
}

export interface EndpointSpec {
  netns: string;
  bridge: string;
  /** The name inside the container (eth0, eth1…). */
  ifname: string;
  mac: string;
  /** Addresses with prefix length. */
  addresses: string[];
  /** Default routes through this endpoint (only the gateway endpoint has them). */
  gateway4?: string;
  gateway6?: string;
  mtu: number;
}

/** A host-side veth name nobody has. */
export function vethName(): string {
  return `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
}

/** Plugs a container's namespace into a bridge; returns the host end's name. */
export async function addEndpoint(ep: EndpointSpec): Promise<string> {
  const veth = vethName();
  await ipBatch([
    `link add name ${veth} mtu ${ep.mtu} type veth peer name ${ep.ifname} mtu ${ep.mtu} netns ${ep.netns}`,
    `link set dev ${veth} master ${ep.bridge}`,
    `link set dev ${veth} type bridge_slave hairpin on`,
    `link set dev ${veth} up`,
  ]);
  try {
    const inside = [`link set dev ${ep.ifname} address ${ep.mac}`, 'link set dev lo up'];
    for (const a of ep.addresses) inside.push(`addr add ${a} dev ${ep.ifname}${a.includes(':') ? ' nodad' : ''}`);
    inside.push(`link set dev ${ep.ifname} up`);
    if (ep.gateway4) inside.push(`route replace default via ${ep.gateway4} dev ${ep.ifname}`);
    if (ep.gateway6) inside.push(`route replace ::/0 via ${ep.gateway6} dev ${ep.ifname}`);
    await ipBatch(inside, ep.netns);
  } catch (err) {
    await ipBatch([`link del dev ${veth}`]).catch(() => {});
    throw err;
  }
  return veth;
}

/** Unplugs an endpoint of a running container (its peer inside goes with it). */
export async function removeEndpoint(veth: string): Promise<void> {
  if (await linkExists(veth)) await ipBatch([`link del dev ${veth}`]);
}

/** Moves a container's default route to another gateway (after a disconnect or connect). */
export async function setDefaultRoute(netns: string, ifname: string | null, gateway4: string | null): Promise<void> {
  const lines = gateway4 && ifname ? [`route replace default via ${gateway4} dev ${ifname}`] : ['route flush exact 0.0.0.0/0'];
  await ipBatch(lines, netns).catch(() => {});
}

/**
 * Inside the namespace: 127.0.0.11:53 (udp and tcp) goes to the embedded DNS
 * server at `server:port` on the host side, answered from the container's
 * address on that network. `first`: the namespace has no jumps yet.
 */
export async function setDnsRedirect(netns: string, ifname: string, own: string, server: string, port: number, first: boolean): Promise<void> {
  const rules = [
    '*nat',
    ':BERTH-DNS-OUTPUT - [0:0]',
    ':BERTH-DNS-POSTROUTING - [0:0]',
    // The jumps go in once, with the namespace; the chains are rewritten.
    ...(first ? ['-A OUTPUT -d 127.0.0.11/32 -j BERTH-DNS-OUTPUT', '-A POSTROUTING -s 127.0.0.0/8 -j BERTH-DNS-POSTROUTING'] : []),
    `-A BERTH-DNS-OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination ${server}:${port}`,
    `-A BERTH-DNS-OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination ${server}:${port}`,
    `-A BERTH-DNS-POSTROUTING -s 127.0.0.0/8 -d ${server}/32 -j SNAT --to-source ${own}`,
    'COMMIT',
  ];
  // One process on the start path: the sysctl, then iptables-restore in its place.
  const script = 'echo 1 > "/proc/sys/net/ipv4/conf/$1/route_localnet" && exec iptables-restore --noflush -w';
  await inNetns(netns, 'sh', ['-c', script, 'sh', ifname], rules.join('\n') + '\n');
}

/** Interface counters inside a namespace (for stats). */
export async function netnsCounters(pid: number): Promise<Record<string, Record<string, number>>> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = {
      rx_bytes: v[0] ?? 0, rx_packets: v[1] ?? 0, rx_errors: v[2] ?? 0, rx_dropped: v[3] ?? 0,
      tx_bytes: v[8] ?? 0, tx_packets: v[9] ?? 0, tx_errors: v[10] ?? 0, tx_dropped: v[11] ?? 0,
    };
  }
  return out;
}
