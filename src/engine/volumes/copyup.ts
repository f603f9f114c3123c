/**
 * Copy-up: filling a new, empty volume with what the image has at the
 * mount's destination, as Docker does (CopyImagePathContent): the content is
 * copied with owners, modes, times, xattrs, hardlinks and symlinks kept, and
 * the volume's root takes the owner and mode of the image's directory. The
 * destination is resolved inside the container's root (symlinks followed as
 * the container would see them, never out of the root). A volume that holds
 * anything is left alone.
 */
import { lstat, readdir, readlink, chown, chmod } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { systemError } from '../../errdefs/index.js';

const run = promisify(execFile);

/**
 * The host path of `p` inside `root`, following symlinks as if `root` were
 * `/`; null when some part of it does not exist.
 */
export async function resolveInRoot(root: string, p: string): Promise<string | null> {
  const todo = p.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      if (++links > 255) return null;
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

/** Copies the image's directory at `destination` into `volumeDir` when the volume is empty; true when it copied. */
export async function copyUp(rootfs: string, destination: string, volumeDir: string): Promise<boolean> {
  const src = await resolveInRoot(rootfs, destination);
  if (!src) return false;
  const st = await lstat(src);
  if (!st.isDirectory()) return false;
  if ((await readdir(volumeDir)).length > 0) return false;
  try {
    await run('cp', ['-a', '--', `${src}/.`, `${volumeDir}/`], { timeout: 600_000, maxBuffer: 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw systemError(`copying the image's content at ${destination} into the volume: ${stderr || (err as Error).message}`);
  }
  await chown(volumeDir, st.uid, st.gid);
  await chmod(volumeDir, st.mode & 0o7777);
  return true;
}
