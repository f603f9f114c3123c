/**
 * Mount specifications as the daemon reads them, with no I/O: `-v` strings
 * (HostConfig.Binds, moby's linux parser ParseMountRaw: `[source:]target[:mode]`
 * with modes rw/ro, z/Z, nocopy and the propagation words), `--mount` objects
 * (HostConfig.Mounts, validateMountConfig), `--volumes-from` entries and
 * `--mount type=tmpfs` options as tmpfs data. Every refusal is an
 * invalid-argument error with Docker's message; what Docker takes and Berth
 * does not do (volume subpaths, image mounts, tmpfs raw options,
 * non-recursive read-only binds) is refused as not implemented.
 */
import path from 'node:path';
import { invalidArgument, notImplemented } from '../../errdefs/index.js';

export const PROPAGATION_MODES = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
export const DEFAULT_PROPAGATION = 'rprivate';

/** What a container asks to have mounted, before volumes are looked up or created. */
export interface ParsedMount {
  Type: 'volume' | 'bind' | 'tmpfs';
  /** Host path (bind), volume name ('' for an anonymous volume). */
  Source: string;
  Destination: string;
  ReadOnly: boolean;
  /** The mode string of a `-v` (Docker shows it as Mode). */
  Mode: string;
  Propagation: string;
  /** Copy the image's content at the destination into a new, empty volume. */
  CopyData: boolean;
  /** `-v` creates a missing bind source at start; `--mount` refuses it at create. */
  CreateSource: boolean;
  /** bind-recursive=disabled. */
  NonRecursive?: boolean;
  /** Options for the volume if it is created here (--mount volume-opt, volume-label, volume-driver). */
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
  /** tmpfs data (size=..., mode=...). */
  TmpfsData?: string;
  /** Came from --mount (Docker's Mode for named volumes differs). */
  FromMountApi: boolean;
}

/** The API's mount object (HostConfig.Mounts[i]). */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: unknown[] | null } | null;
  ImageOptions?: unknown;
}

/** Go's filepath.Clean for the paths used here. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** moby's linuxValidMountMode: rw|ro, z|Z, nocopy and one propagation word, each at most once. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  let rw = 0;
  let label = 0;
  let prop = 0;
  let copy = 0;
  for (const o of mode.split(',')) {
    if (o === 'rw' || o === 'ro') rw++;
    else if (o === 'z' || o === 'Z') label++;
    else if ((PROPAGATION_MODES as readonly string[]).includes(o)) prop++;
    else if (o === 'nocopy') copy++;
    else return false;
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1;
}

function modeReadOnly(mode: string): boolean {
  return mode.split(',').includes('ro');
}

function modePropagation(mode: string): string {
  return mode.split(',').find((o) => (PROPAGATION_MODES as readonly string[]).includes(o)) ?? '';
}

const mountConfigError = (type: string, msg: string) => `invalid mount config for type "${type}": ${msg}`;

/** validateMountConfig's checks of the target, shared by -v and --mount. */
function checkTarget(target: string | undefined): string | null {
  if (!target) return 'field Target must not be empty';
  if (cleanPath(target) === '/') return "invalid specification: destination can't be '/'";
  if (!path.posix.isAbsolute(target)) return `invalid mount path: '${target}' mount path must be absolute`;
  return null;
}

/**
 * One `-v` string (HostConfig.Binds). An absolute source is a bind, any
 * other a volume name (validated when the volume is created); the mode's
 * copy flag is `nocopy`.
 */
export function parseBind(raw: string): ParsedMount {
  const invalidSpec = () => invalidArgument(`invalid volume specification: '${raw}'`);
  const arr = raw.split(':');
  let source = '';
  let target = '';
  let mode = '';
  switch (arr.length) {
    case 1:
      target = arr[0]!;
      break;
    case 2:
      if (validMountMode(arr[1]!)) throw invalidSpec();
      source = arr[0]!;
      target = arr[1]!;
      break;
    case 3:
      source = arr[0]!;
      target = arr[1]!;
      mode = arr[2]!;
      break;
    default:
      throw invalidSpec();
  }
  if (raw === '') throw invalidSpec();
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const type: ParsedMount['Type'] = path.posix.isAbsolute(source) ? 'bind' : 'volume';
  const bad = checkTarget(target);
  if (bad) throw invalidArgument(`invalid volume specification: '${raw}': ${mountConfigError(type, bad)}`);
  const prop = modePropagation(mode);
  const nocopy = mode.split(',').includes('nocopy');
  return {
    Type: type,
    Source: type === 'bind' ? cleanPath(source) : source,
    Destination: cleanPath(target),
    ReadOnly: modeReadOnly(mode),
    Mode: mode,
    Propagation: type === 'bind' ? prop || DEFAULT_PROPAGATION : prop,
    CopyData: type === 'volume' && !nocopy,
    CreateSource: true,
    FromMountApi: false,
  };
}

/** Docker's ConvertTmpfsOptions: size in the largest whole unit, mode in octal, ro. */
export function tmpfsData(opts: ApiMount['TmpfsOptions'], readOnly: boolean): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  if (opts?.SizeBytes) {
    if (opts.SizeBytes < 0) throw invalidArgument(mountConfigError('tmpfs', `invalid tmpfs size ${opts.SizeBytes}`));
    let size = opts.SizeBytes;
    let suffix = '';
    for (const r of ['k', 'm', 'g']) {
      if (size % 1024 !== 0) break;
      size /= 1024;
      suffix = r;
    }
    raw.push(`size=${size}${suffix}`);
  }
  if (opts?.Mode) raw.push(`mode=${(opts.Mode & 0o7777).toString(8)}`);
  if (opts?.Options && opts.Options.length > 0) throw notImplemented('tmpfs options other than size and mode (--mount tmpfs Options) are not implemented by Berth yet');
  return raw.join(',');
}

/** One HostConfig.Mounts entry, checked as moby's validateMountConfig does (the bind source's existence is checked by the caller). */
export function parseApiMount(m: ApiMount): ParsedMount {
  const type = m.Type ?? '';
  const fail = (msg: string) => invalidArgument(mountConfigError(type, msg));
  const bad = checkTarget(m.Target);
  if (bad) throw fail(bad);
  const target = cleanPath(m.Target!);
  const readOnly = m.ReadOnly === true;
  switch (type) {
    case 'bind': {
      if (!m.Source) throw fail('field Source must not be empty');
      const bo = m.BindOptions ?? undefined;
      if (bo?.Propagation && !(PROPAGATION_MODES as readonly string[]).includes(bo.Propagation)) throw fail(`invalid propagation mode: ${bo.Propagation}`);
      if (m.VolumeOptions) throw fail('field VolumeOptions must not be specified');
      if (m.TmpfsOptions) throw fail('field TmpfsOptions must not be specified');
      if (!path.posix.isAbsolute(m.Source)) throw fail(`invalid mount path: '${m.Source}' mount path must be absolute`);
      if (bo?.ReadOnlyNonRecursive || bo?.ReadOnlyForceRecursive) throw notImplemented('bind-recursive=writable and bind-recursive=readonly are not implemented by Berth yet');
      return {
        Type: 'bind',
        Source: cleanPath(m.Source),
        Destination: target,
        ReadOnly: readOnly,
        Mode: '',
        Propagation: bo?.Propagation || DEFAULT_PROPAGATION,
        CopyData: false,
        CreateSource: bo?.CreateMountpoint === true,
        ...(bo?.NonRecursive ? { NonRecursive: true } : {}),
        FromMountApi: true,
      };
    }
    case 'volume': {
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.TmpfsOptions) throw fail('field TmpfsOptions must not be specified');
      const anonymous = !m.Source;
      const vo = m.VolumeOptions ?? undefined;
      if (vo?.Subpath) {
        if (anonymous) throw fail('must not set Subpath when using anonymous volumes');
        throw notImplemented('volume subpaths (volume-subpath) are not implemented by Berth yet');
      }
      if (readOnly && anonymous) throw fail('must not set ReadOnly mode when using anonymous volumes');
      const dc = vo?.DriverConfig ?? undefined;
      return {
        Type: 'volume',
        Source: m.Source ?? '',
        Destination: target,
        ReadOnly: readOnly,
        Mode: '',
        Propagation: '',
        CopyData: vo?.NoCopy !== true,
        CreateSource: false,
        ...(dc?.Name ? { Driver: dc.Name } : {}),
        ...(dc?.Options && Object.keys(dc.Options).length ? { DriverOpts: { ...dc.Options } } : {}),
        ...(vo?.Labels && Object.keys(vo.Labels).length ? { Labels: { ...vo.Labels } } : {}),
        FromMountApi: true,
      };
    }
    case 'tmpfs': {
      if (m.BindOptions) throw fail('field BindOptions must not be specified');
      if (m.VolumeOptions) throw fail('field VolumeOptions must not be specified');
      if (m.Source) throw fail('field Source must not be specified');
      return {
        Type: 'tmpfs',
        Source: '',
        Destination: target,
        ReadOnly: readOnly,
        Mode: '',
        Propagation: '',
        CopyData: false,
        CreateSource: false,
        TmpfsData: tmpfsData(m.TmpfsOptions, readOnly),
        FromMountApi: true,
      };
    }
    case 'image':
      throw notImplemented('image mounts (--mount type=image) are not implemented by Berth yet');
    case 'npipe':
    case 'cluster':
      throw fail('mount type unknown');
    default:
      throw fail('mount type unknown');
  }
}

/** `container[:mode]` of --volumes-from (moby ParseVolumesFrom): rw or ro, no propagation or copy mode. */
export function parseVolumesFrom(spec: string): { container: string; readOnly: boolean } {
  if (spec === '') throw invalidArgument('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  if (i < 0) return { container: spec, readOnly: false };
  const mode = spec.slice(i + 1);
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const words = mode.split(',');
  if (words.some((w) => (PROPAGATION_MODES as readonly string[]).includes(w) || w === 'nocopy')) throw invalidArgument(`invalid mode: ${mode}`);
  return { container: spec.slice(0, i), readOnly: words.includes('ro') };
}
