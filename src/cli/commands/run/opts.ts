/**
 * The options of `berth run` and `berth create` and their translation into
 * the body of POST /containers/create, as docker's CLI builds it
 * (cli/command/container/opts.go and the opts package): the flag table, the
 * value syntaxes (sizes, CPU decimals, Go durations, port specs, mounts,
 * ulimits, restart policies, env files...), and the JSON Docker 28 sends, with
 * the same fields set to null, empty or zero. Errors are OptsError: `flag`
 * ones are pflag's `invalid argument "v" for "-m, --memory" flag: ...` texts,
 * `parse` ones are the messages docker's `parse` returns (both exit 125).
 */
import { emptyEndpoint, type EndpointSettings } from '../../../schema/endpoint.js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { FlagSpec, ParsedArgs } from '../../command.js';
import { ramInBytes } from '../../../lib/units.js';
import { parseGoDuration } from '../../../lib/timetypes.js';
import { goQuote, parseGoBool } from '../../flags/index.js';

/** A refusal of the options: `flag` for a bad flag value (pflag's wording), `parse` for docker's later checks. */
export class OptsError extends Error {
  readonly kind: 'flag' | 'parse';
  constructor(kind: 'flag' | 'parse', message: string) {
    super(message);
    this.name = 'OptsError';
    this.kind = kind;
  }
}

const list = (long: string, help: string, short?: string, typeName = 'list'): FlagSpec => ({ long, short, kind: 'stringArray', typeName, help });
const str = (long: string, help: string, short?: string, def?: string): FlagSpec => ({ long, short, kind: 'string', help, default: def });
const bool = (long: string, help: string, short?: string): FlagSpec => ({ long, short, kind: 'bool', help });
const bytes = (long: string, help: string, short?: string): FlagSpec => ({ long, short, kind: 'string', typeName: 'bytes', help });
const int = (long: string, help: string, short?: string): FlagSpec => ({ long, short, kind: 'int', help });
const dur = (long: string, help: string): FlagSpec => ({ long, kind: 'string', typeName: 'duration', help, default: '0s' });

/** The container flags shared by `run` and `create` (docker's addFlags), in help order. */
export const CONTAINER_FLAGS: FlagSpec[] = [
  list('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  list('annotation', 'Add an annotation to the container (passed through to the OCI runtime) (default map[])', undefined, 'map'),
  list('attach', 'Attach to STDIN, STDOUT or STDERR', 'a'),
  { long: 'blkio-weight', kind: 'string', typeName: 'uint16', help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable', default: '0' },
  list('cap-add', 'Add Linux capabilities'),
  list('cap-drop', 'Drop Linux capabilities'),
  str('cgroup-parent', 'Optional parent cgroup for the container'),
  str('cgroupns', "Cgroup namespace to use (host|private)\n'host':    Run the container in the Berth host's cgroup namespace\n'private': Run the container in its own private cgroup namespace\n'':        Use the cgroup namespace as configured by the\n           default-cgroupns-mode option on the daemon (default)"),
  str('cidfile', 'Write the container ID to the file'),
  int('cpu-count', 'CPU count (Windows only)'),
  int('cpu-percent', 'CPU percent (Windows only)'),
  int('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  int('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  int('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  int('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  int('cpu-shares', 'CPU shares (relative weight)', 'c'),
  { long: 'cpus', kind: 'string', typeName: 'decimal', help: 'Number of CPUs' },
  str('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  str('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  list('blkio-weight-device', 'Block IO weight (relative device weight) (default [])'),
  list('device', 'Add a host device to the container'),
  list('device-read-bps', 'Limit read rate (bytes per second) from a device (default [])'),
  list('device-read-iops', 'Limit read rate (IO per second) from a device (default [])'),
  list('device-write-bps', 'Limit write rate (bytes per second) to a device (default [])'),
  list('device-write-iops', 'Limit write rate (IO per second) to a device (default [])'),
  { long: 'disable-content-trust', kind: 'bool', help: 'Skip image verification', default: true },
  { long: 'gpus', kind: 'string', typeName: 'gpu-request', help: "GPU devices to add to the container ('all' to pass all GPUs)" },
  { long: 'kernel-memory', kind: 'string', typeName: 'bytes', help: 'Kernel memory limit' },
  list('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  list('dns', 'Set custom DNS servers'),
  list('dns-option', 'Set DNS options'),
  list('dns-search', 'Set custom DNS search domains'),
  str('domainname', 'Container NIS domain name'),
  str('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  list('env', 'Set environment variables', 'e'),
  list('env-file', 'Read in a file of environment variables'),
  list('expose', 'Expose a port or a range of ports'),
  list('group-add', 'Add additional groups to join'),
  str('health-cmd', 'Command to run to check health'),
  dur('health-interval', 'Time between running the check (ms|s|m|h)'),
  int('health-retries', 'Consecutive failures needed to report unhealthy'),
  dur('health-start-interval', 'Time between running the check during the start period (ms|s|m|h)'),
  dur('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)'),
  dur('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h)'),
  str('hostname', 'Container host name', 'h'),
  bool('init', 'Run an init inside the container that forwards signals and reaps processes'),
  bool('interactive', 'Keep STDIN open even if not attached', 'i'),
  bytes('io-maxbandwidth', 'Maximum IO bandwidth limit for the system drive (Windows only)'),
  { long: 'io-maxiops', kind: 'string', typeName: 'uint', help: 'Maximum IOps limit for the system drive (Windows only)' },
  str('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  str('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  str('ipc', 'IPC mode to use'),
  str('isolation', 'Container isolation technology'),
  list('label', 'Set meta data on a container', 'l'),
  list('label-file', 'Read in a line delimited file of labels'),
  list('link', 'Add link to another container'),
  list('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  str('log-driver', 'Logging driver for the container'),
  list('log-opt', 'Log driver options'),
  str('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  bytes('memory', 'Memory limit', 'm'),
  bytes('memory-reservation', 'Memory soft limit'),
  bytes('memory-swap', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
  { long: 'memory-swappiness', kind: 'int', help: 'Tune container memory swappiness (0 to 100)', default: -1 },
  list('mount', 'Attach a filesystem mount to the container', undefined, 'mount'),
  str('name', 'Assign a name to the container'),
  list('network', 'Connect a container to a network', undefined, 'network'),
  list('network-alias', 'Add network-scoped alias for the container'),
  bool('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  bool('oom-kill-disable', 'Disable OOM Killer'),
  int('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  str('pid', 'PID namespace to use'),
  int('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  str('platform', 'Set platform if server is multi-platform capable'),
  bool('privileged', 'Give extended privileges to this container'),
  list('publish', "Publish a container's port(s) to the host", 'p'),
  bool('publish-all', 'Publish all exposed ports to random ports', 'P'),
  str('pull', 'Pull image before running ("always", "missing", "never")', undefined, 'missing'),
  bool('quiet', 'Suppress the pull output', 'q'),
  bool('read-only', "Mount the container's root filesystem as read only"),
  str('restart', 'Restart policy to apply when a container exits', undefined, 'no'),
  bool('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  str('runtime', 'Runtime to use for this container'),
  list('security-opt', 'Security Options'),
  bytes('shm-size', 'Size of /dev/shm'),
  str('stop-signal', 'Signal to stop the container'),
  int('stop-timeout', 'Timeout (in seconds) to stop a container'),
  list('storage-opt', 'Storage driver options for the container'),
  list('sysctl', 'Sysctl options (default map[])', undefined, 'map'),
  list('tmpfs', 'Mount a tmpfs directory'),
  bool('tty', 'Allocate a pseudo-TTY', 't'),
  list('ulimit', 'Ulimit options (default [])', undefined, 'ulimit'),
  str('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  str('userns', 'User namespace to use'),
  str('uts', 'UTS namespace to use'),
  list('volume', 'Bind mount a volume', 'v'),
  str('volume-driver', 'Optional volume driver for the container'),
  list('volumes-from', 'Mount volumes from the specified container(s)'),
  str('workdir', 'Working directory inside the container', 'w'),
];

/** Flags docker accepts only with a Windows daemon (refused with exit 1 on Linux). */
export const WINDOWS_ONLY_FLAGS = ['cpu-count', 'cpu-percent', 'io-maxbandwidth', 'io-maxiops'];

/** docker's check of flags annotated for another daemon OS. */
export function windowsOnlyFlag(parsed: ParsedArgs): string | undefined {
  const f = WINDOWS_ONLY_FLAGS.find((n) => parsed.set.has(n));
  return f === undefined ? undefined : `"--${f}" is only supported on a Berth daemon running on windows, but the Berth daemon is running on linux`;
}

const HELP: FlagSpec = { long: 'help', kind: 'bool', help: 'Print usage' };

/** `run`'s own flags (docker's NewRunCommand). */
export const RUN_ONLY_FLAGS: FlagSpec[] = [
  bool('detach', 'Run container in background and print container ID', 'd'),
  str('detach-keys', 'Override the key sequence for detaching a container'),
  { long: 'sig-proxy', kind: 'bool', help: 'Proxy received signals to the process', default: true },
];

/** Every flag of `run`, sorted as docker's help lists them. */
export const RUN_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS, HELP].sort((a, b) => (a.long < b.long ? -1 : a.long > b.long ? 1 : 0));
export const CREATE_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS.map((f) => (f.long === 'pull' ? { ...f, help: 'Pull image before creating ("always", "|missing", "never")' } : f)), HELP].sort((a, b) => (a.long < b.long ? -1 : a.long > b.long ? 1 : 0));

// ---- value syntaxes -----------------------------------------------------------

function flagName(long: string, short?: string): string {
  return short ? `-${short}, --${long}` : `--${long}`;
}

/** pflag's message for a value a flag's Set refused. */
export function flagError(raw: string, long: string, short: string | undefined, reason: string): OptsError {
  return new OptsError('flag', `invalid argument ${goQuote(raw)} for ${goQuote(flagName(long, short))} flag: ${reason}`);
}

function memBytes(raw: string, long: string, short?: string): number {
  try {
    return ramInBytes(raw);
  } catch (err) {
    throw flagError(raw, long, short, (err as Error).message);
  }
}

/** opts.NanoCPUs: a decimal number of CPUs, in billionths. */
export function parseNanoCpus(raw: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(raw.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw flagError(raw, 'cpus', undefined, `failed to parse ${raw} as a rational number`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 9) throw flagError(raw, 'cpus', undefined, 'value is too precise');
  const n = Number(m[2] || '0') * 1e9 + Number(frac.padEnd(9, '0') || '0');
  return m[1] === '-' ? -n : n;
}

function duration(raw: string, long: string): number {
  const d = parseGoDuration(raw);
  if (d === null) throw flagError(raw, long, undefined, `time: invalid duration ${goQuote(raw)}`);
  return Math.round(d);
}

// ---- env, labels -----------------------------------------------------------------

/** opts.ValidateEnv: `KEY=value` as is, `KEY` takes its value from the client's environment (kept bare when unset). */
export function validateEnv(v: string, env: NodeJS.ProcessEnv): string {
  const eq = v.indexOf('=');
  const key = eq < 0 ? v : v.slice(0, eq);
  if (key === '') throw flagError(v, 'env', 'e', `invalid environment variable: ${v}`);
  if (eq >= 0) return v;
  const val = env[key];
  return val !== undefined ? `${key}=${val}` : v;
}

/**
 * docker's parseKeyValueFile: one `KEY=value` a line (value kept as is),
 * blank and `#` lines skipped, leading whitespace dropped, a bare `KEY` taking
 * the client's value (left out when unset, for env files).
 */
export function parseKeyValueFile(path: string, text: string, lookup: ((k: string) => string | undefined) | null, kind = 'env'): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '').replace(/^[\s]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (/[\s]/.test(key)) throw new OptsError('parse', `invalid ${kind} file (${path}): variable '${key}' contains whitespaces`);
    if (eq === 0) throw new OptsError('parse', `invalid ${kind} file (${path}): no variable name on line '${line}'`);
    if (eq >= 0) out.push(line);
    else if (lookup) {
      const v = lookup(line);
      if (v !== undefined) out.push(`${line}=${v}`);
    }
  }
  return out;
}

function readFileText(path: string, readFile: (p: string) => string): string {
  try {
    return readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const text = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new OptsError('parse', `open ${path}: ${text}`);
  }
}

function kvMap(items: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq < 0) m[it] = '';
    else m[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return m;
}

// ---- ports ---------------------------------------------------------------------

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

function parsePortRange(s: string): [number, number] | null {
  if (s === '') return null;
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return null;
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (a > 65535 || b > 65535 || b < a) return null;
  return [a, b];
}

/** The error nat.ParsePortRange gives for a bad range. */
function portRangeError(s: string): string {
  if (s === '') return 'empty string specified for ports';
  const dash = s.indexOf('-');
  const parts = dash < 0 ? [s] : [s.slice(0, dash), s.slice(dash + 1)];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `strconv.ParseUint: parsing ${goQuote(p)}: invalid syntax`;
    if (Number(p) > 65535) return `strconv.ParseUint: parsing ${goQuote(p)}: value out of range`;
  }
  return `invalid range specified for port: ${s}`;
}

function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0] ?? ''];
  return [parts[1] ?? '', parts[0] ?? ''];
}

/** The CSV long form of `-p` (`target=80,published=8080,protocol=udp`) in the short notation (convertToStandardNotation). */
function standardPortNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const p: Record<string, string> = { protocol: 'tcp' };
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new OptsError('parse', `invalid publish opts format (should be name=value but got '${part}')`);
    p[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (!p.target) throw new OptsError('parse', 'missing required field "target"');
  return `${p.published ?? ''}:${p.target}/${p.protocol}`;
}

/** nat.ParsePortSpecs: `-p` values into ExposedPorts and PortBindings. */
export function parsePortSpecs(specs: readonly string[]): { exposed: Record<string, object>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const spec0 of specs) {
    const raw = standardPortNotation(spec0);
    const parts = raw.split(':');
    const n = parts.length;
    let cport = parts[n - 1] ?? '';
    let ip = '';
    let hostPort = '';
    if (n === 2) hostPort = parts[0] ?? '';
    else if (n === 3) {
      ip = parts[0] ?? '';
      hostPort = parts[1] ?? '';
    } else if (n > 3) {
      ip = parts.slice(0, n - 2).join(':');
      hostPort = parts[n - 2] ?? '';
    }
    let proto: string;
    [proto, cport] = splitProtoPort(cport);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip !== '' && isIP(ip) === 0) throw new OptsError('parse', `invalid IP address: ${ip}`);
    if (cport === '') throw new OptsError('parse', `no port specified: ${raw}<empty>`);
    const cr = parsePortRange(cport);
    if (!cr) throw new OptsError('parse', `invalid containerPort: ${cport}`);
    let hr: [number, number] = [0, 0];
    if (hostPort !== '') {
      const r = parsePortRange(hostPort);
      if (!r) throw new OptsError('parse', `invalid hostPort: ${hostPort}`);
      hr = r;
      if (cr[1] - cr[0] !== hr[1] - hr[0] && cr[1] !== cr[0]) {
        throw new OptsError('parse', `invalid ranges specified for container and host Ports: ${cport} and ${hostPort}`);
      }
    }
    proto = proto.toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new OptsError('parse', `invalid proto: ${proto}`);
    for (let i = 0; i <= cr[1] - cr[0]; i++) {
      const key = `${cr[0] + i}/${proto}`;
      let hp = hostPort === '' ? '' : String(hr[0] + i);
      if (cr[0] === cr[1] && hr[0] !== hr[1]) hp = `${hp}-${hr[1]}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hp });
    }
  }
  return { exposed, bindings };
}

// ---- mounts, volumes, devices, ulimits -----------------------------------------

export interface MountSpec {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: Record<string, unknown>;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function csvFields(s: string): string[] {
  // encoding/csv for one record: fields split on commas, double quotes group.
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function mountBool(key: string, val: string): boolean {
  try {
    return parseGoBool(val);
  } catch {
    throw new Error(`invalid value for ${key}: ${val}`);
  }
}

/** opts.MountOpt's Set: one `--mount` CSV value. */
export function parseMount(value: string): MountSpec {
  const m: MountSpec = { Type: 'volume' };
  let volumeOptions: NonNullable<MountSpec['VolumeOptions']> | undefined;
  let bindOptions: Record<string, unknown> | undefined;
  let tmpfsOptions: NonNullable<MountSpec['TmpfsOptions']> | undefined;
  const vol = (): NonNullable<MountSpec['VolumeOptions']> => (volumeOptions ??= { DriverConfig: {} });
  const bind = (): Record<string, unknown> => (bindOptions ??= {});
  const tmpfs = (): NonNullable<MountSpec['TmpfsOptions']> => (tmpfsOptions ??= {});
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      switch (key) {
        case 'readonly':
        case 'ro':
          m.ReadOnly = true;
          continue;
        case 'volume-nocopy':
          vol().NoCopy = true;
          continue;
        case 'bind-nonrecursive':
          throw new Error('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
        default:
          throw new Error(`invalid field '${field}' must be a key=value pair`);
      }
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = mountBool(key, val);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bind().Propagation = val.toLowerCase();
        break;
      case 'bind-recursive':
        if (val === 'enabled') break;
        if (val === 'disabled') bind().NonRecursive = true;
        else if (val === 'writable') bind().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bind().ReadOnlyForceRecursive = true;
        else throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-nocopy':
        vol().NoCopy = mountBool(key, val);
        break;
      case 'volume-label': {
        const e = val.indexOf('=');
        (vol().Labels ??= {})[e < 0 ? val : val.slice(0, e)] = e < 0 ? '' : val.slice(e + 1);
        break;
      }
      case 'volume-driver':
        vol().DriverConfig = { ...vol().DriverConfig, Name: val };
        break;
      case 'volume-opt': {
        const e = val.indexOf('=');
        const dc = (vol().DriverConfig ??= {});
        (dc.Options ??= {})[e < 0 ? val : val.slice(0, e)] = e < 0 ? '' : val.slice(e + 1);
        break;
      }
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'tmpfs-size': {
        let n: number;
        try {
          n = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        tmpfs().SizeBytes = n;
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val, 8);
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === '') throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  if (m.Type === 'bind' && volumeOptions) throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.Type === 'volume' && bindOptions) throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.Type !== 'tmpfs' && tmpfsOptions) throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  if (bindOptions) m.BindOptions = bindOptions;
  if (volumeOptions) m.VolumeOptions = volumeOptions;
  if (tmpfsOptions) m.TmpfsOptions = tmpfsOptions;
  return m;
}

/** Splits `-v` into Binds (those with a source; a `.`-relative source made absolute from `cwd`) and anonymous Volumes. */
export function splitVolumes(specs: readonly string[], cwd = process.cwd()): { binds: string[] | null; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of specs) {
    const parts = v.split(':');
    if (v === '') throw new OptsError('parse', 'invalid empty volume spec');
    if (parts.length > 3) throw new OptsError('parse', `invalid spec: ${v}: too many colons`);
    if (parts.length === 1) volumes[v] = {};
    else if ((parts[0] ?? '').startsWith('.')) binds.push([resolvePath(cwd, parts[0] ?? ''), ...parts.slice(1)].join(':'));
    else binds.push(v);
  }
  return { binds: binds.length ? binds : null, volumes };
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** `--device SRC[:DST][:PERMS]`, as validateDevice and parseDevice read it on Linux. */
export function parseDevice(v: string): DeviceMapping {
  const parts = v.split(':');
  const src = parts[0] ?? '';
  let dst = '';
  let perms = 'rwm';
  const isPerm = (s: string): boolean => s.length > 0 && s.length <= 3 && /^[rwm]+$/.test(s);
  if (parts.length === 2) {
    if (isPerm(parts[1] ?? '')) perms = parts[1] ?? '';
    else dst = parts[1] ?? '';
  } else if (parts.length === 3) {
    dst = parts[1] ?? '';
    perms = parts[2] ?? '';
    if (!isPerm(perms)) throw new OptsError('parse', `bad mode specified: ${perms}`);
  } else if (parts.length > 3) {
    throw new OptsError('parse', `invalid device specification: ${v}`);
  }
  if (!src.startsWith('/')) throw new OptsError('parse', `${v} is not an absolute path`);
  if (dst !== '' && !dst.startsWith('/')) throw new OptsError('parse', `bad format for path: ${dst}`);
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: perms };
}

export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

/** go-units ParseUlimit: `name=soft[:hard]`. */
export function parseUlimit(v: string): Ulimit {
  const eq = v.indexOf('=');
  if (eq < 0 || v.indexOf('=', eq + 1) >= 0) throw flagError(v, 'ulimit', undefined, `invalid ulimit argument: ${v}`);
  const name = v.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw flagError(v, 'ulimit', undefined, `invalid ulimit type: ${name}`);
  const lim = v.slice(eq + 1).split(':');
  if (lim.length > 2) throw flagError(v, 'ulimit', undefined, `too many limit value arguments - ${v.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const num = (s: string): number => {
    if (!/^-?\d+$/.test(s)) throw flagError(v, 'ulimit', undefined, `strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
    return Number(s);
  };
  const soft = num(lim[0] ?? '');
  const hard = lim.length > 1 ? num(lim[1] ?? '') : soft;
  if (soft > hard) throw flagError(v, 'ulimit', undefined, `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Hard: hard, Soft: soft };
}

// ---- block IO throttles, GPUs ---------------------------------------------------------

function throttleDevice(v: string, long: string): string[] {
  const c = v.lastIndexOf(':');
  if (c < 0) throw flagError(v, long, undefined, `bad format: ${v}`);
  const path = v.slice(0, c);
  if (!path.startsWith('/dev/')) throw flagError(v, long, undefined, `bad format for device path: ${v}`);
  return [path, v.slice(c + 1)];
}

/** `--blkio-weight-device /dev/sda:200`. */
export function parseWeightDevice(v: string): { Path: string; Weight: number } {
  const [path = '', w = ''] = throttleDevice(v, 'blkio-weight-device');
  const n = /^\d+$/.test(w) ? Number(w) : NaN;
  if (!(n >= 10 && n <= 1000)) throw flagError(v, 'blkio-weight-device', undefined, `invalid weight for device: ${v}`);
  return { Path: path, Weight: n };
}

/** `--device-read-bps /dev/sda:1mb` (bytes, units allowed) and `--device-read-iops /dev/sda:100`. */
export function parseThrottleDevice(v: string, long: string, iops: boolean): { Path: string; Rate: number } {
  const [path = '', r = ''] = throttleDevice(v, long);
  if (iops) {
    if (!/^\d+$/.test(r)) throw flagError(v, long, undefined, `invalid rate for device: ${v}. The correct format is <device-path>:<number>. Number must be a positive integer`);
    return { Path: path, Rate: Number(r) };
  }
  let n: number;
  try {
    n = ramInBytes(r);
  } catch {
    throw flagError(v, long, undefined, `invalid rate for device: ${v}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
  return { Path: path, Rate: n };
}

/** opts.GpuOpts: `all`, a count, or `count=N,driver=x,device=a,b,capabilities=c,options=k=v` → one device request. */
export function parseGpus(v: string): Record<string, unknown> {
  const req: { Driver: string; Count: number; DeviceIDs: string[] | null; Capabilities: string[][]; Options: Record<string, string> } = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: [], Options: {} };
  let caps: string[] = [];
  let sawDevice = false;
  const fields = csvFields(v);
  for (let idx = 0; idx < fields.length; idx++) {
    const field = fields[idx] ?? '';
    const eq = field.indexOf('=');
    if (eq < 0) {
      if (sawDevice) {
        (req.DeviceIDs ??= []).push(field);
        continue;
      }
      if (idx !== 0) throw flagError(v, 'gpus', undefined, `invalid field '${field}' must be a key=value pair`);
      if (field === 'all') req.Count = -1;
      else if (/^\d+$/.test(field)) req.Count = Number(field);
      else throw flagError(v, 'gpus', undefined, `invalid count (${field}): value must be either "all" or an integer`);
      continue;
    }
    sawDevice = false;
    const key = field.slice(0, eq);
    const val = field.slice(eq + 1);
    switch (key) {
      case 'driver':
        req.Driver = val;
        break;
      case 'count':
        if (val === 'all') req.Count = -1;
        else if (/^\d+$/.test(val)) req.Count = Number(val);
        else throw flagError(v, 'gpus', undefined, `invalid count (${val}): value must be either "all" or an integer`);
        break;
      case 'device':
        req.DeviceIDs = val.split(',');
        sawDevice = true;
        break;
      case 'capabilities':
        caps = [...caps, ...val.split(',')];
        break;
      case 'options': {
        const e = val.indexOf('=');
        req.Options[e < 0 ? val : val.slice(0, e)] = e < 0 ? '' : val.slice(e + 1);
        break;
      }
      default:
        throw flagError(v, 'gpus', undefined, `unexpected key '${key}' in '${field}'`);
    }
  }
  if (req.Count !== 0 && req.DeviceIDs) throw flagError(v, 'gpus', undefined, 'cannot set both Count and DeviceIDs on device request');
  if (!caps.includes('gpu')) caps.push('gpu');
  req.Capabilities = [caps.sort()];
  return req;
}

// ---- restart, networks, caps -------------------------------------------------------

/** opts.ParseRestartPolicy: `name[:max-retries]`. */
export function parseRestartPolicy(v: string): { Name: string; MaximumRetryCount: number } {
  if (v === '') return { Name: '', MaximumRetryCount: 0 };
  const colon = v.indexOf(':');
  const name = colon < 0 ? v : v.slice(0, colon);
  const count = colon < 0 ? '' : v.slice(colon + 1);
  if (colon >= 0 && name === '') throw new OptsError('parse', 'invalid restart policy format: no policy provided before colon');
  let n = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new OptsError('parse', 'invalid restart policy format: maximum retry count must be an integer');
    n = Number(count);
  }
  return { Name: name, MaximumRetryCount: n };
}

function normalizeCap(c: string): string {
  const u = c.trim().toUpperCase();
  if (u === 'ALL' || u.startsWith('CAP_')) return u;
  return 'CAP_' + u;
}

/** opts.EffectiveCapAddCapDrop: normalized names (`CAP_` prefix, upper case), without duplicates; `ALL` stands alone. */
export function effectiveCaps(add: readonly string[], drop: readonly string[]): { add: string[] | null; drop: string[] | null } {
  const a = add.map(normalizeCap);
  const d = drop.map(normalizeCap);
  let capAdd: string[] = [];
  let capDrop: string[] = [];
  if (a.includes('ALL')) capAdd = ['ALL'];
  else capAdd = [...new Set(a)];
  if (d.includes('ALL')) capDrop = ['ALL'];
  else capDrop = [...new Set(d)];
  return { add: capAdd.length ? capAdd : null, drop: capDrop.length ? capDrop : null };
}

export { emptyEndpoint, type EndpointSettings };

interface NetworkAttachment {
  target: string;
  aliases: string[];
  links: string[];
  driverOpts: Record<string, string>;
  ipv4: string;
  ipv6: string;
  linkLocal: string[];
  mac: string;
  gwPriority: number;
}

/** opts.NetworkOpt's Set: `NAME` or `name=NAME,alias=A,ip=...,driver-opt=k=v,mac-address=...,gw-priority=N`. */
function parseNetworkValue(v: string): NetworkAttachment {
  const n: NetworkAttachment = { target: v, aliases: [], links: [], driverOpts: {}, ipv4: '', ipv6: '', linkLocal: [], mac: '', gwPriority: 0 };
  if (!v.includes('=')) return n;
  n.target = '';
  for (const field of csvFields(v)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) throw flagError(v, 'network', undefined, `invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'name':
        n.target = val;
        break;
      case 'alias':
        n.aliases.push(val);
        break;
      case 'ip':
        n.ipv4 = val;
        break;
      case 'ip6':
        n.ipv6 = val;
        break;
      case 'mac-address':
        n.mac = val;
        break;
      case 'link-local-ip':
        n.linkLocal.push(val);
        break;
      case 'driver-opt': {
        const e = val.indexOf('=');
        if (e < 0) throw flagError(v, 'network', undefined, `invalid key value pair format in driver options`);
        n.driverOpts[val.slice(0, e)] = val.slice(e + 1);
        break;
      }
      case 'gw-priority':
        n.gwPriority = Number(val);
        break;
      default:
        throw flagError(v, 'network', undefined, `invalid field key ${key}`);
    }
  }
  return n;
}

const MAC_RE = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){19}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;

function isUserDefinedNetwork(n: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(n) && !n.startsWith('container:');
}

// ---- the request ---------------------------------------------------------------------

export interface CreateRequest {
  name: string;
  platform: string;
  pull: string;
  cidfile: string;
  /** The JSON body of POST /containers/create. */
  body: Record<string, unknown> & { HostConfig: Record<string, unknown>; NetworkingConfig: { EndpointsConfig: Record<string, EndpointSettings> } };
}

export interface BuildOptions {
  /** The client's environment (`-e KEY`, `DOCKER_DEFAULT_PLATFORM`). */
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
  /** `run -d`: the streams are not attached. */
  detach?: boolean;
  /** Where relative bind-mount sources are resolved from (default: the process's directory). */
  cwd?: string;
  /** Height and width of the local terminal, for ConsoleSize when -t. */
  consoleSize?: [number, number];
}

const SYSCTL_PREFIXES = ['net.', 'fs.mqueue.'];
const SYSCTL_KEYS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * The create request for `run`/`create` flags and positionals (IMAGE
 * [COMMAND] [ARG...]); throws OptsError with docker's texts.
 */
export function buildCreateRequest(parsed: ParsedArgs, options: BuildOptions = {}): CreateRequest {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const f = parsed.flags;
  const has = (k: string): boolean => parsed.set.has(k);
  const s = (k: string): string => (typeof f[k] === 'string' ? (f[k] as string) : '');
  const b = (k: string): boolean => f[k] === true;
  const l = (k: string): string[] => (Array.isArray(f[k]) ? (f[k] as string[]) : []);
  const i = (k: string): number => (typeof f[k] === 'number' ? (f[k] as number) : 0);
  const mem = (k: string, short?: string): number => (has(k) && s(k) !== '' ? memBytes(s(k), k, short) : 0);

  const [image = '', ...cmd] = parsed.args;

  // Flag-level values first (pflag rejects them while parsing).
  const attach = l('attach').map((a) => {
    const low = a.toLowerCase();
    if (!['stdin', 'stdout', 'stderr'].includes(low)) throw flagError(a, 'attach', 'a', 'valid streams are STDIN, STDOUT and STDERR');
    return low;
  });
  const envFlags = l('env').map((e) => validateEnv(e, env));
  const memory = mem('memory', 'm');
  const memoryReservation = mem('memory-reservation');
  const memorySwap = has('memory-swap') ? (s('memory-swap') === '-1' ? -1 : memBytes(s('memory-swap'), 'memory-swap')) : 0;
  const shmSize = mem('shm-size');
  const nanoCpus = has('cpus') ? parseNanoCpus(s('cpus')) : 0;
  const cpuShares = i('cpu-shares');
  const cpuPeriod = i('cpu-period');
  const cpuQuota = i('cpu-quota');
  const cpuRtPeriod = i('cpu-rt-period');
  const cpuRtRuntime = i('cpu-rt-runtime');
  const oomScoreAdj = i('oom-score-adj');
  const pidsLimit = i('pids-limit');
  const stopTimeout = i('stop-timeout');
  const healthRetries = i('health-retries');
  const swappiness = typeof f['memory-swappiness'] === 'number' ? (f['memory-swappiness'] as number) : -1;
  let blkioWeight = 0;
  if (has('blkio-weight')) {
    const raw = s('blkio-weight');
    if (!/^\d+$/.test(raw)) throw flagError(raw, 'blkio-weight', undefined, `strconv.ParseUint: parsing ${goQuote(raw)}: invalid syntax`);
    blkioWeight = Number(raw);
    if (blkioWeight > 65535) throw flagError(raw, 'blkio-weight', undefined, `strconv.ParseUint: parsing ${goQuote(raw)}: value out of range`);
  }
  const healthInterval = has('health-interval') ? duration(s('health-interval'), 'health-interval') : 0;
  const healthTimeout = has('health-timeout') ? duration(s('health-timeout'), 'health-timeout') : 0;
  const healthStartPeriod = has('health-start-period') ? duration(s('health-start-period'), 'health-start-period') : 0;
  const healthStartInterval = has('health-start-interval') ? duration(s('health-start-interval'), 'health-start-interval') : 0;
  const ulimitMap = new Map<string, Ulimit>();
  for (const u of l('ulimit').map(parseUlimit)) ulimitMap.set(u.Name, u);
  const ulimits = [...ulimitMap.values()].sort((x, y) => (x.Name < y.Name ? -1 : x.Name > y.Name ? 1 : 0));
  const weightDevices = l('blkio-weight-device').map(parseWeightDevice);
  const readBps = l('device-read-bps').map((v) => parseThrottleDevice(v, 'device-read-bps', false));
  const writeBps = l('device-write-bps').map((v) => parseThrottleDevice(v, 'device-write-bps', false));
  const readIops = l('device-read-iops').map((v) => parseThrottleDevice(v, 'device-read-iops', true));
  const writeIops = l('device-write-iops').map((v) => parseThrottleDevice(v, 'device-write-iops', true));
  const gpus = has('gpus') ? [parseGpus(s('gpus'))] : null;
  if (has('kernel-memory') && s('kernel-memory') !== '') memBytes(s('kernel-memory'), 'kernel-memory');
  const mounts: MountSpec[] = l('mount').map((v) => {
    try {
      return parseMount(v);
    } catch (err) {
      if (err instanceof OptsError) throw err;
      throw flagError(v, 'mount', undefined, (err as Error).message);
    }
  });
  const networks = l('network').map(parseNetworkValue);
  const sysctls: Record<string, string> = {};
  for (const v of l('sysctl')) {
    const eq = v.indexOf('=');
    const key = eq < 0 ? v : v.slice(0, eq);
    if (eq < 0 || (!SYSCTL_KEYS.has(key) && !SYSCTL_PREFIXES.some((p) => key.startsWith(p)))) throw flagError(v, 'sysctl', undefined, `sysctl '${v}' is not allowed`);
    sysctls[key] = v.slice(eq + 1);
  }
  const annotations: Record<string, string> = {};
  for (const v of l('annotation')) {
    const eq = v.indexOf('=');
    if (eq === 0) throw flagError(v, 'annotation', undefined, `bad attribute format: ${v}`);
    if (eq < 0) annotations[v] = '';
    else annotations[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const extraHosts = l('add-host').map((v) => {
    let eq = v.indexOf('=');
    if (eq < 0) eq = v.indexOf(':');
    if (eq <= 0) throw flagError(v, 'add-host', undefined, `bad format for add-host: ${goQuote(v)}`);
    const host = v.slice(0, eq);
    let ip = v.slice(eq + 1);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip !== 'host-gateway' && isIP(ip) === 0) throw flagError(v, 'add-host', undefined, `invalid IP address in add-host: ${goQuote(ip)}`);
    return `${host}:${ip}`;
  });
  const dns = l('dns').map((v) => {
    if (isIP(v) === 0) throw flagError(v, 'dns', undefined, `IP address is not correctly formatted: ${v}`);
    return v;
  });
  const links = l('link').map((v) => {
    const parts = v.split(':');
    if (parts.length > 2 || parts[0] === '' || parts[1] === '') throw flagError(v, 'link', undefined, `bad format for links: ${v}`);
    return v;
  });
  const logOpts = l('log-opt');

  // docker's parse().
  if (s('mac-address') !== '' && !MAC_RE.test(s('mac-address'))) throw new OptsError('parse', `${s('mac-address')} is not a valid mac address`);
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new OptsError('parse', `invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  const pull = s('pull') || 'missing';
  if (!['always', 'missing', 'never'].includes(pull)) throw new OptsError('parse', `invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);

  let attachStdin = attach.includes('stdin');
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  if (b('interactive')) attachStdin = true;
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }

  const cwd = options.cwd ?? process.cwd();
  const { binds, volumes } = splitVolumes(l('volume'), cwd);
  for (const m of mounts) if (m.Type === 'bind' && m.Source && !isAbsolute(m.Source)) m.Source = resolvePath(cwd, m.Source);
  const tmpfs: Record<string, string> = {};
  for (const t of l('tmpfs')) {
    const c = t.indexOf(':');
    if (c < 0) tmpfs[t] = '';
    else tmpfs[t.slice(0, c)] = t.slice(c + 1);
  }
  let entrypoint: string[] | null = null;
  if (s('entrypoint') !== '') entrypoint = [s('entrypoint')];
  else if (has('entrypoint')) entrypoint = [''];

  const { exposed, bindings } = parsePortSpecs(l('publish'));
  for (const e of l('expose')) {
    if (e.includes(':')) throw new OptsError('parse', `invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    const r = parsePortRange(port);
    if (!r) throw new OptsError('parse', `invalid range format for --expose: ${e}, error: ${portRangeError(port)}`);
    for (let p = r[0]; p <= r[1]; p++) exposed[`${p}/${proto}`] ??= {};
  }
  const devices = l('device').map(parseDevice);

  const envFromFiles: string[] = [];
  for (const file of l('env-file')) envFromFiles.push(...parseKeyValueFile(file, readFileText(file, readFile), (k) => env[k]));
  const envAll = [...envFromFiles, ...envFlags];
  const labelsFromFiles: string[] = [];
  for (const file of l('label-file')) labelsFromFiles.push(...parseKeyValueFile(file, readFileText(file, readFile), null, 'label'));
  const labels = kvMap([...labelsFromFiles, ...l('label')]);

  const pid = s('pid');
  if (pid !== '' && pid !== 'host' && !(pid.startsWith('container:') && pid.length > 10)) throw new OptsError('parse', '--pid: invalid PID mode');
  const uts = s('uts');
  if (uts !== '' && uts !== 'host') throw new OptsError('parse', '--uts: invalid UTS mode');
  const userns = s('userns');
  if (userns !== '' && userns !== 'host') throw new OptsError('parse', '--userns: invalid USER mode');
  const cgroupns = s('cgroupns');
  if (cgroupns !== '' && cgroupns !== 'host' && cgroupns !== 'private') throw new OptsError('parse', '--cgroupns: invalid CGROUP mode');

  const restart = parseRestartPolicy(has('restart') ? s('restart') : 'no');
  const logDriver = s('log-driver');
  if (logDriver === 'none' && logOpts.length > 0) throw new OptsError('parse', `invalid logging opts for driver ${logDriver}`);

  // Security options: seccomp profiles are read and sent inline; systempaths=unconfined clears the masks.
  let maskedPaths: string[] | null = null;
  let readonlyPaths: string[] | null = null;
  const securityOpts: string[] = [];
  for (const opt of l('security-opt')) {
    if (opt === 'systempaths=unconfined') {
      maskedPaths = [];
      readonlyPaths = [];
      continue;
    }
    const eq = opt.indexOf('=');
    const colon = opt.indexOf(':');
    if (eq < 0 && colon < 0) {
      if (opt !== 'no-new-privileges') throw new OptsError('parse', `Invalid --security-opt: ${goQuote(opt)}`);
      securityOpts.push(opt);
      continue;
    }
    const sep = eq >= 0 ? eq : colon;
    const key = opt.slice(0, sep);
    const val = opt.slice(sep + 1);
    if (key === 'seccomp' && val !== 'unconfined' && val !== 'builtin') {
      let text: string;
      try {
        text = readFileText(val, readFile);
      } catch (err) {
        throw new OptsError('parse', `opening seccomp profile (${val}) failed: ${(err as Error).message}`);
      }
      let compact: string;
      try {
        compact = JSON.stringify(JSON.parse(text));
      } catch (err) {
        throw new OptsError('parse', `compacting json for seccomp profile (${val}) failed: ${(err as Error).message}`);
      }
      securityOpts.push(`seccomp=${compact}`);
      continue;
    }
    securityOpts.push(opt);
  }
  const storageOpt: Record<string, string> = {};
  for (const o of l('storage-opt')) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new OptsError('parse', 'invalid storage option');
    storageOpt[o.slice(0, eq)] = o.slice(eq + 1);
  }

  // Healthcheck.
  let healthcheck: Record<string, unknown> | undefined;
  const haveHealth = s('health-cmd') !== '' || healthInterval !== 0 || healthTimeout !== 0 || healthStartPeriod !== 0 || healthRetries !== 0 || healthStartInterval !== 0;
  if (b('no-healthcheck')) {
    if (haveHealth) throw new OptsError('parse', '--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (haveHealth) {
    if (healthInterval < 0) throw new OptsError('parse', '--health-interval cannot be negative');
    if (healthTimeout < 0) throw new OptsError('parse', '--health-timeout cannot be negative');
    if (healthRetries < 0) throw new OptsError('parse', '--health-retries cannot be negative');
    if (healthStartPeriod < 0) throw new OptsError('parse', '--health-start-period cannot be negative');
    if (healthStartInterval < 0) throw new OptsError('parse', '--health-start-interval cannot be negative');
    healthcheck = {};
    if (s('health-cmd') !== '') healthcheck.Test = ['CMD-SHELL', s('health-cmd')];
    if (healthInterval) healthcheck.Interval = healthInterval;
    if (healthTimeout) healthcheck.Timeout = healthTimeout;
    if (healthStartPeriod) healthcheck.StartPeriod = healthStartPeriod;
    if (healthStartInterval) healthcheck.StartInterval = healthStartInterval;
    if (healthRetries) healthcheck.Retries = healthRetries;
  }

  if (b('rm') && restart.Name !== 'no' && restart.Name !== '') throw new OptsError('parse', 'conflicting options: cannot specify both --restart and --rm');

  // Networks: the first one gets --network-alias, --link, --ip, --ip6, --link-local-ip, --mac-address.
  const implicitDefault = networks.length === 0;
  if (implicitDefault) networks.push(parseNetworkValue('default'));
  const endpoints: Record<string, EndpointSettings> = {};
  let userDefined = false;
  let nonUserDefined = false;
  networks.forEach((n, idx) => {
    if (isUserDefinedNetwork(n.target)) userDefined = true;
    else nonUserDefined = true;
    if (idx === 0) {
      if (n.aliases.length && l('network-alias').length) throw new OptsError('parse', 'conflicting options: cannot specify both --network-alias and per-network alias');
      if (n.links.length && links.length) throw new OptsError('parse', 'conflicting options: cannot specify both --link and per-network links');
      if (n.ipv4 && s('ip')) throw new OptsError('parse', 'conflicting options: cannot specify both --ip and per-network IPv4 address');
      if (n.ipv6 && s('ip6')) throw new OptsError('parse', 'conflicting options: cannot specify both --ip6 and per-network IPv6 address');
      if (n.mac && s('mac-address')) throw new OptsError('parse', 'conflicting options: cannot specify both --mac-address and per-network MAC address');
      if (l('network-alias').length) n.aliases = [...l('network-alias')];
      if (links.length && isUserDefinedNetwork(n.target)) n.links = [...links];
      if (s('ip')) n.ipv4 = s('ip');
      if (s('ip6')) n.ipv6 = s('ip6');
      if (s('mac-address')) n.mac = s('mac-address');
      if (l('link-local-ip').length) n.linkLocal = [...l('link-local-ip')];
    }
    if (endpoints[n.target]) throw new OptsError('parse', `network ${goQuote(n.target)} is specified multiple times`);
    const ep = emptyEndpoint();
    if (n.ipv4 || n.ipv6 || n.linkLocal.length) {
      ep.IPAMConfig = {};
      if (n.ipv4) ep.IPAMConfig.IPv4Address = n.ipv4;
      if (n.ipv6) ep.IPAMConfig.IPv6Address = n.ipv6;
      if (n.linkLocal.length) ep.IPAMConfig.LinkLocalIPs = n.linkLocal;
    }
    if (n.aliases.length && !isUserDefinedNetwork(n.target)) throw new OptsError('parse', 'network-scoped aliases are only supported for user-defined networks');
    if (n.aliases.length) ep.Aliases = n.aliases;
    if (n.links.length) ep.Links = n.links;
    if (Object.keys(n.driverOpts).length) ep.DriverOpts = n.driverOpts;
    if (n.mac) {
      if (!MAC_RE.test(n.mac)) throw new OptsError('parse', `${n.mac} is not a valid mac address`);
      ep.MacAddress = n.mac;
    }
    ep.GwPriority = n.gwPriority;
    // A single network given without endpoint options is left to the daemon.
    if (idx === 0 && networks.length === 1 && !implicitDefault && JSON.stringify(ep) === JSON.stringify(emptyEndpoint())) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && nonUserDefined) throw new OptsError('parse', 'conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  const networkMode = networks[0]?.target ?? 'default';

  const caps = effectiveCaps(l('cap-add'), l('cap-drop'));
  const tty = b('tty');
  const openStdin = b('interactive');

  const config: Record<string, unknown> = {
    Hostname: s('hostname'),
    Domainname: s('domainname'),
    User: s('user'),
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
  };
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  Object.assign(config, {
    Tty: tty,
    OpenStdin: openStdin,
    StdinOnce: openStdin && attachStdin,
    Env: envAll.length ? envAll : null,
    Cmd: cmd.length ? cmd : null,
  });
  if (healthcheck) config.Healthcheck = healthcheck;
  Object.assign(config, {
    Image: image,
    Volumes: volumes,
    WorkingDir: s('workdir'),
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels,
  });
  if (has('stop-signal')) config.StopSignal = s('stop-signal');
  if (has('stop-timeout')) config.StopTimeout = stopTimeout;

  if (options.detach) {
    config.AttachStdin = false;
    config.AttachStdout = false;
    config.AttachStderr = false;
    config.StdinOnce = false;
  }

  const hostConfig: Record<string, unknown> = {
    Binds: binds,
    ContainerIDFile: s('cidfile'),
    LogConfig: { Type: logDriver, Config: kvMap(logOpts) },
    NetworkMode: networkMode,
    PortBindings: bindings,
    RestartPolicy: restart,
    AutoRemove: b('rm'),
    VolumeDriver: s('volume-driver'),
    VolumesFrom: l('volumes-from').length ? l('volumes-from') : null,
    ConsoleSize: tty && options.consoleSize ? options.consoleSize : [0, 0],
  };
  if (Object.keys(annotations).length) hostConfig.Annotations = annotations;
  Object.assign(hostConfig, {
    CapAdd: caps.add,
    CapDrop: caps.drop,
    CgroupnsMode: cgroupns,
    Dns: dns,
    DnsOptions: l('dns-option'),
    DnsSearch: l('dns-search'),
    ExtraHosts: extraHosts.length ? extraHosts : null,
    GroupAdd: l('group-add').length ? l('group-add') : null,
    IpcMode: s('ipc'),
    Cgroup: '',
    Links: links.length ? links : null,
    OomScoreAdj: oomScoreAdj,
    PidMode: pid,
    Privileged: b('privileged'),
    PublishAllPorts: b('publish-all'),
    ReadonlyRootfs: b('read-only'),
    SecurityOpt: l('security-opt').length ? securityOpts : null,
  });
  if (Object.keys(storageOpt).length) hostConfig.StorageOpt = storageOpt;
  if (Object.keys(tmpfs).length) hostConfig.Tmpfs = tmpfs;
  Object.assign(hostConfig, { UTSMode: uts, UsernsMode: userns, ShmSize: shmSize });
  if (Object.keys(sysctls).length) hostConfig.Sysctls = sysctls;
  if (s('runtime')) hostConfig.Runtime = s('runtime');
  Object.assign(hostConfig, {
    Isolation: s('isolation'),
    CpuShares: cpuShares,
    Memory: memory,
    NanoCpus: nanoCpus,
    CgroupParent: s('cgroup-parent'),
    BlkioWeight: blkioWeight,
    BlkioWeightDevice: weightDevices,
    BlkioDeviceReadBps: readBps,
    BlkioDeviceWriteBps: writeBps,
    BlkioDeviceReadIOps: readIops,
    BlkioDeviceWriteIOps: writeIops,
    CpuPeriod: cpuPeriod,
    CpuQuota: cpuQuota,
    CpuRealtimePeriod: cpuRtPeriod,
    CpuRealtimeRuntime: cpuRtRuntime,
    CpusetCpus: s('cpuset-cpus'),
    CpusetMems: s('cpuset-mems'),
    Devices: devices,
    DeviceCgroupRules: l('device-cgroup-rule').length ? l('device-cgroup-rule') : null,
    DeviceRequests: gpus,
    MemoryReservation: memoryReservation,
    MemorySwap: memorySwap,
    MemorySwappiness: swappiness,
    OomKillDisable: b('oom-kill-disable'),
    PidsLimit: pidsLimit,
    Ulimits: ulimits,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  });
  if (mounts.length) hostConfig.Mounts = mounts;
  hostConfig.MaskedPaths = maskedPaths;
  hostConfig.ReadonlyPaths = readonlyPaths;
  if (has('init')) hostConfig.Init = b('init');

  const platform = s('platform') || env.DOCKER_DEFAULT_PLATFORM || '';
  return {
    name: s('name'),
    platform,
    pull,
    cidfile: s('cidfile'),
    body: { ...config, HostConfig: hostConfig, NetworkingConfig: { EndpointsConfig: endpoints } },
  };
}
