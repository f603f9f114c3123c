/**
 * `berth network create`: the body of POST /networks/create built as docker
 * 28's CLI builds it (cli/command/network/create.go): driver and IPAM driver
 * defaults, `-o`/`--ipam-opt`/`--aux-address` as maps, labels validated and
 * mapped, EnableIPv4/EnableIPv6 only when their flag is given, and the
 * `--subnet`/`--ip-range`/`--gateway`/`--aux-address` values grouped into one
 * IPAM.Config entry per subnet with docker's checks and messages (overlapping
 * subnets, ranges and gateways without a subnet, two of them in one subnet).
 * Subnets and gateways pass as typed; the daemon validates them. Prints the
 * new network's ID.
 */
import type { CommandSpec, FlagSpec, ParsedArgs } from '../../command.js';
import type { CliContext } from '../../context.js';
import { flagError, OptsError } from '../run/opts.js';
import { asCliError } from './errors.js';
import type { IpamConfig, NetworkCreateBody, NetworkCreateResponse } from './types.js';
import { goContains, goParseCIDR, goParseIP, labelError, readAsCsv, setMapOpt, sortedRecord } from './values.js';

/** `network create`'s flags, in the order docker's help lists them. */
export const NETWORK_CREATE_FLAGS: FlagSpec[] = [
  { long: 'attachable', kind: 'bool', help: 'Enable manual container attachment' },
  { long: 'aux-address', kind: 'stringArray', typeName: 'map', help: 'Auxiliary IPv4 or IPv6 addresses used by Network driver (default map[])' },
  { long: 'config-from', kind: 'string', help: 'The network from which to copy the configuration' },
  { long: 'config-only', kind: 'bool', help: 'Create a configuration only network' },
  { long: 'driver', short: 'd', kind: 'string', help: 'Driver to manage the Network', default: 'bridge' },
  { long: 'gateway', kind: 'stringArray', typeName: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
  { long: 'ingress', kind: 'bool', help: 'Create swarm routing-mesh network' },
  { long: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
  { long: 'ip-range', kind: 'stringArray', typeName: 'strings', help: 'Allocate container ip from a sub-range' },
  { long: 'ipam-driver', kind: 'string', help: 'IP Address Management Driver', default: 'default' },
  { long: 'ipam-opt', kind: 'stringArray', typeName: 'map', help: 'Set IPAM driver specific options (default map[])' },
  { long: 'ipv4', kind: 'bool', help: 'Enable or disable IPv4 address assignment', default: true },
  { long: 'ipv6', kind: 'bool', help: 'Enable or disable IPv6 address assignment' },
  { long: 'label', kind: 'stringArray', typeName: 'list', help: 'Set metadata on a network' },
  { long: 'opt', short: 'o', kind: 'stringArray', typeName: 'map', help: 'Set driver specific options (default map[])' },
  { long: 'scope', kind: 'string', help: "Control the network's scope" },
  { long: 'subnet', kind: 'stringArray', typeName: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
];

/** The values of a `strings` flag (pflag's StringSlice: each value a CSV record). */
export function stringsFlag(parsed: ParsedArgs, long: string, short?: string): string[] {
  const out: string[] = [];
  for (const v of (parsed.flags[long] as string[] | undefined) ?? []) {
    try {
      out.push(...readAsCsv(v));
    } catch (err) {
      throw flagError(v, long, short, (err as Error).message);
    }
  }
  return out;
}

function mapFlag(parsed: ParsedArgs, long: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of (parsed.flags[long] as string[] | undefined) ?? []) setMapOpt(m, v);
  return m;
}

/** subnetMatches: whether `data` (an address, or a CIDR's address) lies in `subnet`; throws docker's messages. */
function subnetMatches(subnet: string, data: string): boolean {
  let net;
  try {
    net = goParseCIDR(subnet).net;
  } catch (err) {
    throw new OptsError('parse', `invalid subnet: ${(err as Error).message}`);
  }
  let ip: bigint | undefined;
  if (data.includes('/')) {
    try {
      ip = goParseCIDR(data).ip;
    } catch (err) {
      throw new OptsError('parse', (err as Error).message);
    }
  } else ip = goParseIP(data);
  return goContains(net, ip);
}

export interface IpamInput {
  subnets: readonly string[];
  ipRanges: readonly string[];
  gateways: readonly string[];
  auxAddresses: ReadonlyMap<string, string>;
}

/**
 * createIPAMConfig: one entry per subnet (in the order given; docker's order
 * is its map's, i.e. random), each range, gateway and aux address put in the
 * subnet that contains it. Throws OptsError('parse') with docker's texts.
 */
export function ipamConfigs(input: IpamInput): IpamConfig[] {
  const { subnets, ipRanges, gateways, auxAddresses } = input;
  if (subnets.length < ipRanges.length || subnets.length < gateways.length) {
    throw new OptsError('parse', 'every ip-range or gateway must have a corresponding subnet');
  }
  interface Entry {
    subnet: string;
    range: string;
    gateway: string;
    aux: Map<string, string>;
  }
  const data = new Map<string, Entry>();
  for (const s of subnets) {
    for (const k of data.keys()) {
      const ok1 = subnetMatches(s, k);
      const ok2 = subnetMatches(k, s);
      if (ok1 || ok2) throw new OptsError('parse', 'multiple overlapping subnet configuration is not supported');
    }
    data.set(s, { subnet: s, range: '', gateway: '', aux: new Map() });
  }
  for (const r of ipRanges) {
    let match = false;
    for (const s of subnets) {
      try {
        goParseCIDR(r);
      } catch (err) {
        throw new OptsError('parse', (err as Error).message);
      }
      if (!subnetMatches(s, r)) continue;
      const e = data.get(s) as Entry;
      if (e.range !== '') throw new OptsError('parse', `cannot configure multiple ranges (${r}, ${e.range}) on the same subnet (${s})`);
      e.range = r;
      match = true;
    }
    if (!match) throw new OptsError('parse', `no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const e = data.get(s) as Entry;
      if (e.gateway !== '') throw new OptsError('parse', `cannot configure multiple gateways (${g}, ${e.gateway}) for the same subnet (${s})`);
      e.gateway = g;
      match = true;
    }
    if (!match) throw new OptsError('parse', `no matching subnet for gateway ${g}`);
  }
  for (const [key, aa] of auxAddresses) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, aa)) continue;
      (data.get(s) as Entry).aux.set(key, aa);
      match = true;
    }
    if (!match) throw new OptsError('parse', `no matching subnet for aux-address ${aa}`);
  }
  return [...data.values()].map((e) => {
    const c: IpamConfig = { Subnet: e.subnet };
    if (e.range !== '') c.IPRange = e.range;
    if (e.gateway !== '') c.Gateway = e.gateway;
    if (e.aux.size > 0) c.AuxiliaryAddresses = sortedRecord(e.aux);
    return c;
  });
}

/** The create body for `network create`'s flags and NETWORK; throws OptsError ('flag' for pflag's refusals). */
export function buildNetworkCreateBody(parsed: ParsedArgs): NetworkCreateBody {
  const f = parsed.flags;
  const str = (k: string, def = ''): string => (typeof f[k] === 'string' ? (f[k] as string) : def);
  const labels = (f.label as string[] | undefined) ?? [];
  for (const l of labels) {
    const msg = labelError(l);
    if (msg !== undefined) throw flagError(l, 'label', undefined, msg);
  }
  const subnets = stringsFlag(parsed, 'subnet');
  const ipRanges = stringsFlag(parsed, 'ip-range');
  const gateways = stringsFlag(parsed, 'gateway');
  const config = ipamConfigs({ subnets, ipRanges, gateways, auxAddresses: mapFlag(parsed, 'aux-address') });
  const labelMap = new Map<string, string>();
  for (const l of labels) setMapOpt(labelMap, l);
  const configFrom = str('config-from');
  const body: NetworkCreateBody = {
    Driver: str('driver', 'bridge'),
    Scope: str('scope'),
    IPAM: { Driver: str('ipam-driver', 'default'), Options: sortedRecord(mapFlag(parsed, 'ipam-opt')), Config: config },
    Internal: f.internal === true,
    Attachable: f.attachable === true,
    Ingress: f.ingress === true,
    ConfigOnly: f['config-only'] === true,
    ConfigFrom: configFrom !== '' ? { Network: configFrom } : null,
    Options: sortedRecord(mapFlag(parsed, 'opt')),
    Labels: sortedRecord(labelMap),
    Name: parsed.args[0] ?? '',
  };
  // Go's field order: EnableIPv4 and EnableIPv6 (pointers, only when the flag is given) after Scope.
  const ordered: NetworkCreateBody = { Driver: body.Driver, Scope: body.Scope } as NetworkCreateBody;
  if (parsed.set.has('ipv4')) ordered.EnableIPv4 = f.ipv4 === true;
  if (parsed.set.has('ipv6')) ordered.EnableIPv6 = f.ipv6 === true;
  return Object.assign(ordered, body);
}

export const networkCreateCommand: CommandSpec<CliContext> = {
  name: 'create',
  usage: '[OPTIONS] NETWORK',
  short: 'Create a network',
  minArgs: 1,
  maxArgs: 1,
  flags: NETWORK_CREATE_FLAGS,
  async run(ctx, parsed) {
    let body: NetworkCreateBody;
    try {
      body = buildNetworkCreateBody(parsed);
    } catch (err) {
      throw asCliError(err, parsed.path ?? ['berth', 'network', 'create']);
    }
    const r = await ctx.client().json<NetworkCreateResponse>('POST', '/networks/create', { body });
    ctx.out(`${r.Id}\n`);
    return 0;
  },
};
