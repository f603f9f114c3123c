/**
 * The names the embedded DNS server answers, as the containers on
 * user-defined networks see them: a container's name, its aliases and short
 * ID (and `name.network`) on each network the asking container shares with
 * it, legacy links on user-defined networks (seen only by the container that
 * made them), reverse names `name.network`, and where to forward the rest
 * (the container's `--dns`, the daemon's `dns`, the host's resolv.conf).
 * A view of the network store is passed in; nothing here changes state.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { DnsResolver, DnsUpstream } from './dns.js';
import type { NetContainer } from './types.js';

/** What the resolver reads of the network store. */
export interface NameView {
  /** The container that has this address on one of Berth's networks. */
  containerByIP(ip: string): NetContainer | undefined;
  /** The user-defined networks (by name) a container is on. */
  userNetworks(c: NetContainer): string[];
  /** Running containers with an endpoint on the network. */
  members(network: string): NetContainer[];
  /** The daemon's `dns` servers. */
  daemonDns(): string[];
}

const cname = (c: NetContainer) => c.Name.replace(/^\//, '');

/** The names a container answers to on a user-defined network: its name, its aliases there, its short ID. */
export function dnsNames(c: NetContainer, aliases: readonly string[] | null | undefined): string[] {
  return [...new Set([cname(c), ...(aliases ?? []), c.ID.slice(0, 12)])];
}

export function nameTable(view: NameView): DnsResolver {
  const visible = (client: string): Array<{ network: string; self: NetContainer }> => {
    const self = view.containerByIP(client);
    return self ? view.userNetworks(self).map((network) => ({ network, self })) : [];
  };
  const address = (c: NetContainer, network: string, family: 4 | 6): string | undefined => {
    const ep = c.NetworkSettings?.Networks[network];
    return (family === 4 ? ep?.IPAddress : ep?.GlobalIPv6Address) || undefined;
  };
  return {
    lookup: (client, name, family) => {
      let found = false;
      const out: string[] = [];
      const add = (ip: string | undefined) => {
        found = true;
        if (ip && !out.includes(ip)) out.push(ip);
      };
      for (const { network, self } of visible(client)) {
        const suffix = `.${network.toLowerCase()}`;
        const short = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
        const members = view.members(network);
        for (const m of members) {
          const ep = m.NetworkSettings!.Networks[network]!;
          const names = dnsNames(m, ep.Aliases).map((x) => x.toLowerCase());
          if (names.includes(short) || (short.length >= 12 && m.ID.startsWith(short))) add(address(m, network, family));
        }
        for (const l of self.NetworkSettings?.Networks[network]?.Links ?? []) {
          const [target = '', alias = target] = l.split(':');
          if (alias.toLowerCase() !== short) continue;
          const t = members.find((m) => cname(m) === target.replace(/^\//, '') || m.ID.startsWith(target));
          if (t) add(address(t, network, family));
        }
      }
      return found ? out : undefined;
    },
    reverse: (client, ip) => {
      for (const { network } of visible(client)) {
        for (const m of view.members(network)) {
          const ep = m.NetworkSettings!.Networks[network]!;
          if (ep.IPAddress === ip || ep.GlobalIPv6Address === ip) return `${cname(m)}.${network}`;
        }
      }
      return undefined;
    },
    upstreams: (client) => {
      let servers = ((view.containerByIP(client)?.HostConfig.Dns as string[] | null | undefined) ?? []).slice();
      if (!servers.length) servers = view.daemonDns().slice();
      if (!servers.length) servers = hostNameservers();
      return servers.filter((s) => net.isIP(s)).map((address): DnsUpstream => ({ address, port: 53 }));
    },
  };
}

let hostNs: { at: number; servers: string[] } | null = null;
/** The host's name servers (re-read at most every few seconds; a few hundred bytes, read synchronously). */
function hostNameservers(): string[] {
  if (hostNs && Date.now() - hostNs.at < 5000) return hostNs.servers;
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* none */
  }
  const servers = text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  hostNs = { at: Date.now(), servers };
  return servers;
}
