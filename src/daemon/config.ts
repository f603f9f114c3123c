/**
 * berthd's configuration: its command-line flags (dockerd's names), the
 * optional JSON file (daemon.json's key names), and how the two merge. A key
 * set in both places is an error, as is a key the file does not know; both
 * name what is wrong, as dockerd does. Values are validated here so that a bad
 * configuration stops the daemon before anything starts.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { FlagSpec, ParsedArgs } from '../cli/command.js';
import { isLevel, type Level, type LogFormat } from '../lib/log.js';
import { parseListenAddr, isLoopback, DEFAULT_HOST, type ListenAddr } from './hosts.js';
import type { NetworkOptions } from '../engine/network/store.js';
import { invalidArgument, errnoCode } from '../errdefs/index.js';

export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';
const certDir = process.env.DOCKER_CERT_PATH || join(os.homedir(), '.docker');

/** One option: its flag (when it has one) and its daemon.json key. */
interface Option {
  key: string;
  flag?: FlagSpec;
  type: 'string' | 'bool' | 'strings' | 'int' | 'pools';
  reloadable: boolean;
}

const OPTIONS: Option[] = [
  { key: 'hosts', type: 'strings', reloadable: false, flag: { long: 'host', short: 'H', kind: 'stringArray', typeName: 'list', help: 'Daemon socket(s) to connect to' } },
  { key: 'data-root', type: 'string', reloadable: false, flag: { long: 'data-root', kind: 'string', help: 'Root directory of persistent Berth state', default: '/var/lib/berth' } },
  { key: 'exec-root', type: 'string', reloadable: false, flag: { long: 'exec-root', kind: 'string', help: 'Root directory for execution state files', default: '/run/berth' } },
  { key: 'pidfile', type: 'string', reloadable: false, flag: { long: 'pidfile', short: 'p', kind: 'string', help: 'Path to use for daemon PID file (default "<exec-root>/berthd.pid")' } },
  { key: 'group', type: 'string', reloadable: false, flag: { long: 'group', short: 'G', kind: 'string', help: 'Group for the unix socket', default: 'berth' } },
  { key: 'log-level', type: 'string', reloadable: true, flag: { long: 'log-level', short: 'l', kind: 'string', help: 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")', default: 'info' } },
  { key: 'log-format', type: 'string', reloadable: true, flag: { long: 'log-format', kind: 'string', help: 'Set the logging format ("text"|"json")', default: 'text' } },
  { key: 'debug', type: 'bool', reloadable: true, flag: { long: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' } },
  { key: 'experimental', type: 'bool', reloadable: false, flag: { long: 'experimental', kind: 'bool', help: 'Enable experimental features' } },
  { key: 'labels', type: 'strings', reloadable: true, flag: { long: 'label', kind: 'stringArray', typeName: 'list', help: 'Set key=value labels to the daemon' } },
  { key: 'tls', type: 'bool', reloadable: false, flag: { long: 'tls', kind: 'bool', help: 'Use TLS; implied by --tlsverify' } },
  { key: 'tlsverify', type: 'bool', reloadable: false, flag: { long: 'tlsverify', kind: 'bool', help: 'Use TLS and verify the remote' } },
  { key: 'tlscacert', type: 'string', reloadable: false, flag: { long: 'tlscacert', kind: 'string', help: 'Trust certs signed only by this CA', default: join(certDir, 'ca.pem') } },
  { key: 'tlscert', type: 'string', reloadable: false, flag: { long: 'tlscert', kind: 'string', help: 'Path to TLS certificate file', default: join(certDir, 'cert.pem') } },
  { key: 'tlskey', type: 'string', reloadable: false, flag: { long: 'tlskey', kind: 'string', help: 'Path to TLS key file', default: join(certDir, 'key.pem') } },
  { key: 'bridge', type: 'string', reloadable: false, flag: { long: 'bridge', short: 'b', kind: 'string', help: 'Name of the default bridge ("none" disables the default bridge network) (default "berth0")' } },
  { key: 'bip', type: 'string', reloadable: false, flag: { long: 'bip', kind: 'string', help: 'Specify default-bridge IPv4 network' } },
  { key: 'default-address-pools', type: 'pools', reloadable: false, flag: { long: 'default-address-pool', kind: 'stringArray', typeName: 'pool-options', help: 'Default address pools for node specific local networks' } },
  { key: 'iptables', type: 'bool', reloadable: false, flag: { long: 'iptables', kind: 'bool', help: 'Enable addition of iptables rules', default: true } },
  { key: 'ip-masq', type: 'bool', reloadable: false, flag: { long: 'ip-masq', kind: 'bool', help: 'Enable IP masquerading for bridge networks', default: true } },
  { key: 'icc', type: 'bool', reloadable: false, flag: { long: 'icc', kind: 'bool', help: 'Enable inter-container communication for the default bridge network', default: true } },
  { key: 'mtu', type: 'int', reloadable: false, flag: { long: 'mtu', kind: 'int', help: 'Set the MTU for the default "bridge" network', default: 1500 } },
  { key: 'dns', type: 'strings', reloadable: false, flag: { long: 'dns', kind: 'stringArray', typeName: 'list', help: 'DNS server to use' } },
  { key: 'ip-forward', type: 'bool', reloadable: false, flag: { long: 'ip-forward', kind: 'bool', help: 'Enable IP forwarding in system configuration', default: true } },
  { key: 'userland-proxy', type: 'bool', reloadable: false, flag: { long: 'userland-proxy', kind: 'bool', help: 'Use userland proxy for loopback traffic (Berth forwards published ports in the kernel either way)', default: true } },
];

export const DAEMON_FLAGS: FlagSpec[] = [
  ...OPTIONS.map((o) => o.flag!).filter(Boolean),
  { long: 'config-file', kind: 'string', help: 'Daemon configuration file', default: DEFAULT_CONFIG_FILE },
  { long: 'validate', kind: 'bool', help: 'Validate daemon configuration and exit' },
  { long: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
];

export interface DaemonConfig {
  hosts: ListenAddr[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  group: string;
  groupExplicit: boolean;
  logLevel: Level;
  logFormat: LogFormat;
  debug: boolean;
  experimental: boolean;
  labels: string[];
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert: string;
  tlsCert: string;
  tlsKey: string;
  configFile: string;
  network: NetworkOptions;
  /** Every option's value as daemon.json spells it (for the reload event). */
  effective: Record<string, unknown>;
}

/** `--default-address-pool base=10.10.0.0/16,size=24`. */
function parsePoolFlag(s: string): { base: string; size: number } {
  const out: Record<string, string> = {};
  for (const kv of s.split(',')) {
    const i = kv.indexOf('=');
    if (i < 0) throw invalidArgument(`invalid field '${kv}' must be a key=value pair`);
    out[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim();
  }
  if (!out.base || !out.size || !/^\d+$/.test(out.size)) throw invalidArgument(`invalid default address pool ${JSON.stringify(s)}: base and size are required`);
  return { base: out.base, size: Number(out.size) };
}

const fail = (file: string, msg: string) => invalidArgument(`unable to configure the Berth daemon with file ${file}: ${msg}`);

/** Reads the configuration file: absent is fine unless `required` (the user named it). */
export async function readConfigFile(path: string, required: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !required) return {};
    throw fail(path, `${errnoCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw fail(path, (err as Error).message);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fail(path, 'the configuration must be a JSON object');
  const obj = raw as Record<string, unknown>;
  const known = new Set(OPTIONS.map((o) => o.key));
  const unknown = Object.keys(obj).filter((k) => !known.has(k)).sort();
  if (unknown.length) throw fail(path, `the following directives don't match any configuration option: ${unknown.join(', ')}`);
  const bad: string[] = [];
  for (const o of OPTIONS) {
    if (!(o.key in obj)) continue;
    const v = obj[o.key];
    const ok =
      o.type === 'bool' ? typeof v === 'boolean'
      : o.type === 'string' ? typeof v === 'string'
      : o.type === 'int' ? Number.isInteger(v)
      : o.type === 'pools' ? Array.isArray(v) && v.every((x) => !!x && typeof x === 'object' && typeof (x as { base?: unknown }).base === 'string' && Number.isInteger((x as { size?: unknown }).size))
      : Array.isArray(v) && v.every((x) => typeof x === 'string');
    const want = { strings: 'a list of strings', bool: 'true or false', string: 'a string', int: 'an integer', pools: 'a list of {"base": CIDR, "size": prefix length}' }[o.type];
    if (!ok) bad.push(`${o.key} (want ${want})`);
  }
  if (bad.length) throw fail(path, `invalid value types for: ${bad.join(', ')}`);
  return obj;
}

function show(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(' ')}]` : String(v);
}

/** Merges flags and file into a validated configuration. */
export function mergeConfig(flags: ParsedArgs, file: Record<string, unknown>, configFile: string): DaemonConfig {
  const conflicts: string[] = [];
  const val: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const flagName = o.flag!.long;
    const fromFlag = flags.set.has(flagName);
    if (fromFlag && o.key in file) conflicts.push(`${o.key}: (from flag: ${show(flags.flags[flagName])}, from file: ${show(file[o.key])})`);
    val[o.key] = o.key in file && !fromFlag ? file[o.key] : flags.flags[flagName];
  }
  if (conflicts.length) throw fail(configFile, `the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);

  const logLevel = String(val['log-level'] ?? 'info');
  if (!isLevel(logLevel)) throw invalidArgument(`invalid log level ${JSON.stringify(logLevel)}: use one of debug, info, warn, error, fatal`);
  const logFormat = String(val['log-format'] ?? 'text');
  if (logFormat !== 'text' && logFormat !== 'json') throw invalidArgument(`invalid log format ${JSON.stringify(logFormat)}: use text or json`);
  const debug = val.debug === true;
  const tlsVerify = val.tlsverify === true;
  const tls = tlsVerify || val.tls === true;
  const hostSpecs = (val.hosts as string[] | undefined) ?? [];
  const hosts = (hostSpecs.length ? hostSpecs : [DEFAULT_HOST]).map((h) => parseListenAddr(h, tls));
  for (const h of hosts) {
    if (h.kind === 'tcp' && !tls && !isLoopback(h.host)) {
      throw invalidArgument(
        `refusing to listen on ${h.spec} without TLS: anyone who can reach that address would control this machine as root. ` +
          `Listen on 127.0.0.1, or give --tlsverify with --tlscacert, --tlscert and --tlskey`,
      );
    }
  }
  const labels = (val.labels as string[] | undefined) ?? [];
  for (const l of labels) if (!/^[^=\s]+=/.test(l)) throw invalidArgument(`invalid label ${JSON.stringify(l)}: labels are key=value`);
  const dataRoot = String(val['data-root']);
  const execRoot = String(val['exec-root']);
  for (const [name, p] of [['data-root', dataRoot], ['exec-root', execRoot]] as const) {
    if (!p.startsWith('/')) throw invalidArgument(`--${name} must be an absolute path, not ${JSON.stringify(p)}`);
  }
  const pidfile = val.pidfile ? String(val.pidfile) : join(execRoot, 'berthd.pid');
  const rawPools = val['default-address-pools'];
  const pools = Array.isArray(rawPools) && rawPools.length ? rawPools.map((p) => (typeof p === 'string' ? parsePoolFlag(p) : (p as { base: string; size: number }))) : undefined;
  const mtu = Number(val.mtu ?? 1500);
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalidArgument(`invalid MTU ${String(val.mtu)}`);
  const bip = val.bip ? String(val.bip) : undefined;
  if (bip && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(bip)) throw invalidArgument(`invalid bip ${JSON.stringify(bip)}: want an IPv4 address with its prefix length, such as 172.17.0.1/16`);
  const network: NetworkOptions = {
    ...(val.bridge ? { bridge: String(val.bridge) } : {}),
    ...(bip ? { bip } : {}),
    ...(pools ? { pools } : {}),
    iptables: val.iptables !== false,
    ipMasq: val['ip-masq'] !== false,
    icc: val.icc !== false,
    mtu,
    dns: (val.dns as string[] | undefined) ?? [],
    ipForward: val['ip-forward'] !== false,
  };
  const effective: Record<string, unknown> = {};
  for (const o of OPTIONS) if (val[o.key] !== undefined) effective[o.key] = val[o.key];
  effective['log-level'] = debug ? 'debug' : logLevel;
  return {
    hosts,
    dataRoot,
    execRoot,
    pidfile,
    group: String(val.group ?? 'berth'),
    groupExplicit: flags.set.has('group') || 'group' in file,
    logLevel: debug ? 'debug' : (logLevel as Level),
    logFormat,
    debug,
    experimental: val.experimental === true,
    labels,
    tls,
    tlsVerify,
    tlsCaCert: String(val.tlscacert),
    tlsCert: String(val.tlscert),
    tlsKey: String(val.tlskey),
    configFile,
    network,
    effective,
  };
}

/** Keys of options whose new value needs a restart (SIGHUP keeps the old one and says so). */
export function nonReloadableChanges(a: DaemonConfig, b: DaemonConfig): string[] {
  const out: string[] = [];
  for (const o of OPTIONS) {
    if (o.reloadable) continue;
    if (JSON.stringify(a.effective[o.key]) !== JSON.stringify(b.effective[o.key])) out.push(o.key);
  }
  return out;
}
