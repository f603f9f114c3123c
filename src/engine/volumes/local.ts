/**
 * Docker's `local` volume driver, the part that touches the host: volume
 * names and driver options as moby's volume/local checks them (`type`,
 * `device`, `o`; `size` needs quotas Berth does not have), mounting a
 * volume that has options over its `_data` directory (`type=tmpfs`,
 * `type=none,o=bind,device=/path`, or any filesystem mount(8) takes) and
 * unmounting it, whether a path is a mount point, the mount and propagation
 * of a host path (for shared/slave bind propagation), and a directory's size
 * as Docker counts it (regular files' sizes, each inode once).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, readdir, lstat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound, systemError } from '../../errdefs/index.js';

const run = promisify(execFile);

export const LOCAL_DRIVER = 'local';
const VALID_OPTS = new Set(['type', 'device', 'o', 'size']);
const MANDATORY: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device'] };
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A driver other than `local`: Docker looks for a plugin and does not find it. */
export function unknownDriver(driver: string): Error {
  return notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
}

/** The local driver's name rule, with Docker's messages (without the `create <name>: ` prefix). */
export function checkVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  if (!NAME_RE.test(name)) {
    throw invalidArgument(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** The local driver's options (moby validateOpts). */
export function checkVolumeOptions(opts: Record<string, string> | null | undefined): void {
  const o = opts ?? {};
  for (const k of Object.keys(o)) if (!VALID_OPTS.has(k)) throw invalidArgument(`invalid option: "${k}"`);
  if ('size' in o) throw invalidArgument('quota size requested but no quota support');
  for (const [k, needs] of Object.entries(MANDATORY)) {
    if (!(k in o)) continue;
    for (const n of needs) if (!(n in o)) throw invalidArgument(`missing required option: "${n}"`);
  }
}

/** Whether a volume's options ask for a mount (all options do: type and device come together). */
export function needsMount(opts: Record<string, string> | null | undefined): boolean {
  return !!opts && Object.keys(opts).length > 0;
}

/** Mounts the volume's filesystem (per its options) on `target`, as moby's localVolume.mount. */
export async function mountVolume(opts: Record<string, string>, target: string): Promise<void> {
  const type = opts.type ?? '';
  const device = opts.device ?? '';
  if (!device) throw systemError('missing device in volume options');
  const args = ['-t', type || 'none'];
  if (opts.o) args.push('-o', opts.o);
  args.push('--', device, target);
  try {
    await run('mount', args, { timeout: 30_000 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().replace(/password=[^,\s]*/g, 'password=********');
    throw systemError(`failed to mount local volume: ${stderr || (err as Error).message}`);
  }
}

export async function unmountVolume(target: string): Promise<void> {
  try {
    await run('umount', [target], { timeout: 30_000 });
  } catch {
    // Busy (a process of the host holds it): detach it, it goes when released.
    await run('umount', ['-l', target], { timeout: 30_000 }).catch(() => {});
  }
}

interface MountInfo {
  mountPoint: string;
  optional: string;
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function mountInfo(): Promise<MountInfo[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const dash = f.indexOf('-');
    out.push({ mountPoint: unescapeMountPath(f[4] ?? ''), optional: f.slice(6, dash < 0 ? f.length : dash).join(' ') });
  }
  return out;
}

export async function isMountPoint(p: string): Promise<boolean> {
  return (await mountInfo()).some((m) => m.mountPoint === p);
}

/** The mount a host path lives on and its propagation fields (moby getSourceMount). */
async function sourceMount(p: string): Promise<MountInfo> {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    real = p;
  }
  const infos = await mountInfo();
  let best: MountInfo | undefined;
  for (const m of infos) {
    const inside = real === m.mountPoint || m.mountPoint === '/' || real.startsWith(m.mountPoint + '/');
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  if (!best) throw systemError(`could not find the mount of ${p}`);
  return best;
}

/** Docker's checks for shared and slave bind propagation. */
export async function checkPropagationSource(source: string, propagation: string): Promise<void> {
  if (!['shared', 'rshared', 'slave', 'rslave'].includes(propagation)) return;
  const m = await sourceMount(source);
  const opts = m.optional.split(' ');
  const shared = opts.some((o) => o.startsWith('shared:'));
  const slave = opts.some((o) => o.startsWith('master:'));
  if (propagation.endsWith('shared') && !shared) throw invalidArgument(`path ${source} is mounted on ${m.mountPoint} but it is not a shared mount`);
  if (propagation.endsWith('slave') && !shared && !slave) throw invalidArgument(`path ${source} is mounted on ${m.mountPoint} but it is not a shared or slave mount`);
}

/** A directory's size as Docker's directory.Size counts it: regular files, each inode once. */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      let st;
      try {
        st = await lstat(p, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += Number(st.size);
    }
  };
  await walk(dir);
  return total;
}
