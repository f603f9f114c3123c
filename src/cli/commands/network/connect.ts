/**
 * `berth network connect` and `berth network disconnect`: the bodies of
 * POST /networks/{id}/connect and /disconnect as docker 28's CLI sends them
 * (cli/command/network/connect.go, disconnect.go): the endpoint settings with
 * every zero field written, `--alias`, `--link-local-ip` and `--driver-opt`
 * as CSV lists, `--link` validated as docker validates it, `--driver-opt`
 * as trimmed `k=v` pairs, addresses passed as typed (the daemon checks them),
 * and the references trimmed and refused when empty as docker's API client
 * does.
 */
import type { CommandSpec, ParsedArgs } from '../../command.js';
import type { CliContext } from '../../context.js';
import { pathEscape } from '../common.js';
import { emptyEndpoint, flagError, OptsError } from '../run/opts.js';
import { stringsFlag } from './create.js';
import { asCliError } from './errors.js';
import type { EndpointIpamConfig, NetworkConnectBody, NetworkDisconnectBody } from './types.js';
import { goTrimSpace, linkError, sortedRecord, trimId } from './values.js';

/** convertDriverOpt: `k=v` pairs, key and value trimmed; a pair without `=` or key is refused. */
export function driverOpts(values: readonly string[]): Record<string, string> {
  const m = new Map<string, string>();
  for (const opt of values) {
    const eq = opt.indexOf('=');
    const k = goTrimSpace(eq < 0 ? opt : opt.slice(0, eq));
    if (eq < 0 || k === '') throw new OptsError('parse', 'invalid key/value pair format in driver options');
    m.set(k, goTrimSpace(opt.slice(eq + 1)));
  }
  return sortedRecord(m);
}

/** The connect body for `network connect`'s flags and NETWORK CONTAINER; throws OptsError or the client's empty-reference Error. */
export function buildConnectBody(parsed: ParsedArgs): { network: string; body: NetworkConnectBody } {
  const f = parsed.flags;
  const links = (f.link as string[] | undefined) ?? [];
  for (const l of links) {
    const msg = linkError(l);
    if (msg !== undefined) throw flagError(l, 'link', undefined, msg);
  }
  const aliases = stringsFlag(parsed, 'alias');
  const linkLocal = stringsFlag(parsed, 'link-local-ip');
  const driverOptValues = stringsFlag(parsed, 'driver-opt');
  const opts = driverOpts(driverOptValues);
  const network = trimId('network', parsed.args[0] ?? '');
  const container = trimId('container', parsed.args[1] ?? '');
  const ipam: EndpointIpamConfig = {};
  const ip = typeof f.ip === 'string' ? f.ip : '';
  const ip6 = typeof f.ip6 === 'string' ? f.ip6 : '';
  if (ip !== '') ipam.IPv4Address = ip;
  if (ip6 !== '') ipam.IPv6Address = ip6;
  if (linkLocal.length > 0) ipam.LinkLocalIPs = linkLocal;
  return {
    network,
    body: {
      Container: container,
      EndpointConfig: {
        ...emptyEndpoint(),
        IPAMConfig: ipam,
        Links: links.length > 0 ? links : null,
        Aliases: aliases,
        DriverOpts: opts,
        GwPriority: typeof f['gw-priority'] === 'number' ? f['gw-priority'] : 0,
      },
    },
  };
}

export const networkConnectCommand: CommandSpec<CliContext> = {
  name: 'connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  short: 'Connect a container to a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'alias', kind: 'stringArray', typeName: 'strings', help: 'Add network-scoped alias for the container' },
    { long: 'driver-opt', kind: 'stringArray', typeName: 'strings', help: 'driver options for the network' },
    { long: 'gw-priority', kind: 'int', help: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { long: 'ip', kind: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    { long: 'ip6', kind: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    { long: 'link', kind: 'stringArray', typeName: 'list', help: 'Add link to another container' },
    { long: 'link-local-ip', kind: 'stringArray', typeName: 'strings', help: 'Add a link-local address for the container' },
  ],
  async run(ctx, parsed) {
    let req: { network: string; body: NetworkConnectBody };
    try {
      req = buildConnectBody(parsed);
    } catch (err) {
      throw asCliError(err, parsed.path ?? ['berth', 'network', 'connect']);
    }
    await ctx.client().json('POST', `/networks/${pathEscape(req.network)}/connect`, { body: req.body });
    return 0;
  },
};

/** The disconnect body for NETWORK CONTAINER and `-f`. */
export function buildDisconnectBody(parsed: ParsedArgs): { network: string; body: NetworkDisconnectBody } {
  const network = trimId('network', parsed.args[0] ?? '');
  const container = trimId('container', parsed.args[1] ?? '');
  return { network, body: { Container: container, Force: parsed.flags.force === true } };
}

export const networkDisconnectCommand: CommandSpec<CliContext> = {
  name: 'disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  short: 'Disconnect a container from a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  async run(ctx, parsed) {
    const req = buildDisconnectBody(parsed);
    await ctx.client().json('POST', `/networks/${pathEscape(req.network)}/disconnect`, { body: req.body });
    return 0;
  },
};
