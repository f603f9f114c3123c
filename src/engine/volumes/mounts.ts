/**
 * A container's mounts, from its create request to its removal. At create,
 * `prepare` resolves HostConfig.VolumesFrom, Binds (`-v`), Mounts
 * (`--mount`) and the image's and Config's `Volumes` into Docker's mount
 * points (moby registerMountPoints' order and precedence: volumes-from, then
 * binds and mounts, then anonymous volumes for the remaining VOLUME paths),
 * refusing duplicate destinations (HostConfig.Tmpfs included) and bad specs
 * before anything is made, and creating the volumes they name. At start,
 * `setup` mounts volumes that have options, fills new volumes from the image
 * (copy-up), creates missing `-v` bind sources, checks bind propagation and
 * returns the OCI mounts for the spec builder, with `mount` events; `teardown`
 * after the exit publishes `unmount` and unmounts what no running container
 * uses. `release` on removal drops the container's volumes and removes its
 * anonymous ones when asked (`rm -v`, `--rm`). Also here: Docker's `Mounts`
 * for inspect and ps, and the `volume=` filter of ps.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { invalidArgument, isKind, messageOf } from '../../errdefs/index.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../../lib/log.js';
import type { OciMount } from '../runtime/spec/types.js';
import { tmpfsMounts } from '../runtime/spec/mounts.js';
import { cleanPath, parseApiMount, parseBind, parseVolumesFrom, type ApiMount, type ParsedMount } from './spec.js';
import { checkPropagationSource, LOCAL_DRIVER } from './local.js';
import { copyUp, resolveInRoot } from './copyup.js';
import type { MountPoint, VolumeStore, VolumeUser } from './store.js';

/** The parts of a create request that decide mounts. */
export interface MountRequest {
  Binds?: string[] | null;
  Mounts?: ApiMount[] | null;
  VolumesFrom?: string[] | null;
  Tmpfs?: Record<string, string> | null;
  VolumeDriver?: string;
}

/** What `prepare` needs of another container (--volumes-from). */
export type ContainerLookup = (nameOrId: string) => { ID: string; MountPoints?: MountPoint[] } | undefined;

interface Planned {
  mp: MountPoint;
  /** For volumes still to be found or made. */
  volume?: { name: string; driver?: string; opts?: Record<string, string>; labels?: Record<string, string>; mode: string };
}

const run = promisify(execFile);
const duplicate = (dest: string) => invalidArgument(`Duplicate mount point: ${dest}`);

export class ContainerMounts {
  readonly store: VolumeStore;
  private readonly events: EventBus;
  private readonly log: Logger;
  /** Volumes made by a create still in progress, removed again if it fails. */
  private readonly madeFor = new Map<string, string[]>();
  /** Containers whose volumes are set up (mount events published), with their mount points. */
  private readonly active = new Map<string, MountPoint[]>();

  constructor(store: VolumeStore, events: EventBus, log: Logger) {
    this.store = store;
    this.events = events;
    this.log = log;
  }

  /**
   * Resolves and creates a new container's mounts. Every check runs before
   * anything is created; a failure while creating removes what was made.
   */
  async prepare(id: string, volumes: Record<string, unknown> | null | undefined, hc: MountRequest, lookup: ContainerLookup): Promise<MountPoint[]> {
    const plan = new Map<string, Planned>();
    const explicit = new Set<string>();
    const tmpfs = new Set(Object.keys(hc.Tmpfs ?? {}).map(cleanPath));
    const driver = hc.VolumeDriver || undefined;
    const checkVolume = (name: string, drv: string | undefined, opts?: Record<string, string>) => {
      try {
        this.store.check({ name, ...(drv ? { driver: drv } : {}), ...(opts ? { opts } : {}) });
      } catch (err) {
        // Docker answers 404 for an unknown driver, which makes the docker CLI try to pull the image: a plain refusal says what is wrong.
        if (isKind(err, 'not-found')) throw invalidArgument(messageOf(err));
        throw err;
      }
    };

    for (const spec of hc.VolumesFrom ?? []) {
      const { container, readOnly } = parseVolumesFrom(spec);
      const donor = lookup(container);
      if (!donor) throw invalidArgument(`No such container: ${container}`);
      for (const m of donor.MountPoints ?? []) {
        const { CopyData: _c, CreateSource: _s, ...rest } = m;
        plan.set(m.Destination, { mp: { ...rest, RW: m.RW && !readOnly } });
      }
    }
    for (const raw of hc.Binds ?? []) {
      const p = parseBind(raw);
      if (explicit.has(p.Destination) || tmpfs.has(p.Destination)) throw duplicate(p.Destination);
      explicit.add(p.Destination);
      plan.set(p.Destination, this.planOf(p, driver, checkVolume));
    }
    for (const m of hc.Mounts ?? []) {
      const p = parseApiMount(m);
      if (explicit.has(p.Destination) || tmpfs.has(p.Destination)) throw duplicate(p.Destination);
      if (p.Type === 'bind' && !p.CreateSource && !(await exists(p.Source))) {
        throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${p.Source}`);
      }
      explicit.add(p.Destination);
      plan.set(p.Destination, this.planOf(p, driver, checkVolume));
    }
    for (const spec of Object.keys(volumes ?? {})) {
      if (!spec.startsWith('/')) throw invalidArgument(`invalid mount config for type "volume": invalid mount path: '${spec}' mount path must be absolute`);
      const dest = cleanPath(spec);
      if (dest === '/') throw invalidArgument(`invalid mount config for type "volume": invalid specification: destination can't be '/'`);
      if (plan.has(dest) || tmpfs.has(dest)) continue;
      checkVolume('', driver);
      plan.set(dest, {
        mp: { Type: 'volume', Source: '', Destination: dest, Mode: '', RW: true, Propagation: '', CopyData: true, Anonymous: true },
        volume: { name: '', ...(driver ? { driver } : {}), mode: '' },
      });
    }

    // Everything checked: find or make the volumes.
    const made: string[] = [];
    this.madeFor.set(id, made);
    try {
      for (const [, p] of plan) {
        if (p.volume) {
          const v = p.volume;
          const { volume, created } = await this.store.create({
            ...(v.name ? { name: v.name } : { anonymous: true }),
            ...(v.driver ? { driver: v.driver } : {}),
            ...(v.opts ? { opts: v.opts } : {}),
            ...(v.labels ? { labels: v.labels } : {}),
          });
          if (created) made.push(volume.Name);
          Object.assign(p.mp, { Name: volume.Name, Source: this.store.mountpoint(volume.Name), Driver: LOCAL_DRIVER });
        }
        if (p.mp.Type === 'volume' && p.mp.Name) this.store.hold(id, p.mp.Name);
      }
    } catch (err) {
      await this.abort(id);
      throw err;
    }
    return [...plan.values()].map((p) => p.mp).sort((a, b) => a.Destination.localeCompare(b.Destination));
  }

  private planOf(p: ParsedMount, defaultDriver: string | undefined, checkVolume: (name: string, drv: string | undefined, opts?: Record<string, string>) => void): Planned {
    const mp: MountPoint = { Type: p.Type, Source: p.Source, Destination: p.Destination, Mode: p.Mode, RW: !p.ReadOnly, Propagation: p.Propagation };
    if (p.Type === 'bind') {
      if (p.CreateSource) mp.CreateSource = true;
      if (p.NonRecursive) mp.NonRecursive = true;
      return { mp };
    }
    if (p.Type === 'tmpfs') {
      mp.TmpfsData = p.TmpfsData ?? '';
      return { mp };
    }
    const drv = p.Driver || defaultDriver;
    checkVolume(p.Source, drv, p.DriverOpts);
    // Docker's setBindModeIfNull: named and --mount volumes of the local driver show mode "z".
    if (mp.Mode === '') mp.Mode = 'z';
    if (p.CopyData) mp.CopyData = true;
    if (!p.Source) mp.Anonymous = true;
    return { mp, volume: { name: p.Source, ...(drv ? { driver: drv } : {}), ...(p.DriverOpts ? { opts: p.DriverOpts } : {}), ...(p.Labels ? { labels: p.Labels } : {}), mode: mp.Mode } };
  }

  /** A create failed after `prepare`: the volumes it made go again, its holds are dropped. */
  async abort(id: string): Promise<void> {
    this.store.unhold(id);
    const made = this.madeFor.get(id) ?? [];
    this.madeFor.delete(id);
    for (const name of made) await this.store.remove(name).catch((err: unknown) => this.log.debug('removing a volume of a failed create', { name, err: messageOf(err) }));
  }

  /** At start: the OCI mounts of the container's mount points (and the root propagation shared/slave binds need). */
  async setup(c: VolumeUser & { Config?: unknown }, rootfs: string): Promise<{ mounts: OciMount[]; rootfsPropagation?: string }> {
    this.madeFor.delete(c.ID);
    const mounts: OciMount[] = [];
    let rootProp: string | undefined;
    const published: Array<Record<string, string> & { name: string }> = [];
    for (const mp of c.MountPoints ?? []) {
      switch (mp.Type) {
        case 'volume': {
          const name = mp.Name ?? '';
          const v = this.store.get(name);
          await this.store.mount(name);
          const dir = this.store.mountpoint(name);
          if (mp.CopyData) await copyUp(rootfs, mp.Destination, dir);
          mounts.push(bind(dir, mp.Destination, mp.RW, false, 'rprivate'));
          published.push({ name, container: c.ID, destination: mp.Destination, driver: v.Driver, propagation: mp.Propagation, 'read/write': String(mp.RW) });
          break;
        }
        case 'bind': {
          if (!(await exists(mp.Source))) {
            if (!mp.CreateSource) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${mp.Source}`);
            await mkdir(mp.Source, { recursive: true, mode: 0o755 });
          }
          await checkPropagationSource(mp.Source, mp.Propagation);
          if (mp.Propagation === 'shared' || mp.Propagation === 'rshared') rootProp = 'shared';
          else if ((mp.Propagation === 'slave' || mp.Propagation === 'rslave') && rootProp !== 'shared') rootProp = 'rslave';
          mounts.push(bind(mp.Source, mp.Destination, mp.RW, mp.NonRecursive === true, mp.Propagation || 'rprivate'));
          break;
        }
        case 'tmpfs':
          mounts.push(...tmpfsMounts({ [mp.Destination]: mp.TmpfsData ?? '' }));
          break;
      }
    }
    this.active.set(c.ID, c.MountPoints ?? []);
    for (const { name, ...attrs } of published) this.events.publish('volume', 'mount', { id: name, attributes: attrs });
    return { mounts, ...(rootProp ? { rootfsPropagation: rootProp } : {}) };
  }

  /** After the container stopped (or its start failed): `unmount` events; volume filesystems no running container uses are unmounted. */
  async teardown(id: string): Promise<void> {
    const mps = this.active.get(id);
    if (!mps) return;
    this.active.delete(id);
    for (const mp of mps) {
      if (mp.Type !== 'volume' || !mp.Name) continue;
      this.events.publish('volume', 'unmount', { id: mp.Name, attributes: { container: id, driver: mp.Driver ?? LOCAL_DRIVER } });
      await this.store.unmountIfUnused(mp.Name, id).catch((err: unknown) => this.log.warn('unmounting a volume', { name: mp.Name, err: messageOf(err) }));
    }
  }

  /**
   * Once the container store is open: it tells which containers use which
   * volumes; the running ones count as set up, and volume filesystems left
   * mounted for containers that exited while the daemon was away are unmounted.
   */
  async attach(users: () => Iterable<VolumeUser>): Promise<void> {
    this.store.setUsers(users);
    for (const c of users()) if (c.State.Running || c.State.Paused) this.active.set(c.ID, c.MountPoints ?? []);
    for (const v of this.store.list()) await this.store.unmountIfUnused(v.Name, '').catch((err: unknown) => this.log.warn('unmounting a volume', { name: v.Name, err: messageOf(err) }));
  }

  /**
   * Runs `fn` with the container's volumes and binds mounted into its root
   * as seen from the host (`docker cp` reads and writes through them, as
   * Docker's does); they are unmounted after. The container's own mounts,
   * in its namespace, are not touched.
   */
  async withVolumes<T>(c: VolumeUser, root: string, fn: () => Promise<T>): Promise<T> {
    const done: string[] = [];
    const mounted: string[] = [];
    try {
      const mps = [...(c.MountPoints ?? [])].filter((m) => m.Type !== 'tmpfs').sort((a, b) => a.Destination.split('/').length - b.Destination.split('/').length);
      for (const mp of mps) {
        let source = mp.Source;
        if (mp.Type === 'volume') {
          await this.store.mount(mp.Name ?? '');
          mounted.push(mp.Name ?? '');
          source = this.store.mountpoint(mp.Name ?? '');
        }
        if (!(await exists(source))) continue;
        const target = (await resolveInRoot(root, mp.Destination)) ?? path.join(root, mp.Destination);
        if (!target.startsWith(root + '/')) continue;
        const st = await stat(source);
        if (!(await exists(target))) {
          if (st.isDirectory()) await mkdir(target, { recursive: true, mode: 0o755 });
          else {
            await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
            await writeFile(target, '', { flag: 'a' });
          }
        }
        await run('mount', ['--bind', source, target]);
        done.push(target);
        if (!mp.RW) await run('mount', ['-o', 'remount,bind,ro', target]);
      }
      return await fn();
    } finally {
      for (const t of done.reverse()) await run('umount', ['-l', t]).catch((err: unknown) => this.log.warn('unmounting a volume from a container root', { target: t, err: messageOf(err) }));
      for (const name of mounted) await this.store.unmountIfUnused(name, '').catch(() => {});
    }
  }

  /** The container is gone: its anonymous volumes go too when `removeAnonymous` (rm -v, --rm) and nothing else uses them. */
  async release(c: VolumeUser, removeAnonymous: boolean): Promise<void> {
    this.store.unhold(c.ID);
    this.madeFor.delete(c.ID);
    this.active.delete(c.ID);
    if (!removeAnonymous) return;
    for (const mp of c.MountPoints ?? []) {
      if (mp.Type !== 'volume' || !mp.Anonymous || !mp.Name) continue;
      await this.store.remove(mp.Name, { force: true }).catch((err: unknown) => {
        if (!isKind(err, 'conflict')) this.log.warn('removing an anonymous volume', { name: mp.Name, err: messageOf(err) });
      });
    }
  }
}

function bind(source: string, destination: string, rw: boolean, nonRecursive: boolean, propagation: string): OciMount {
  const options = [nonRecursive ? 'bind' : 'rbind'];
  if (!rw) options.push('ro');
  options.push(propagation);
  return { destination, type: 'bind', source, options };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Docker's `Mounts` of inspect and ps (types.MountPoint). */
export function mountsForApi(mps: readonly MountPoint[] | undefined): Array<Record<string, unknown>> {
  return (mps ?? []).map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}

/** ps --filter volume=: a volume name, a bind source or a destination. */
export function matchesVolumeFilter(mps: readonly MountPoint[] | undefined, values: readonly string[]): boolean {
  return (mps ?? []).some((m) => values.includes(m.Destination) || values.includes(m.Name ? m.Name : m.Source));
}
