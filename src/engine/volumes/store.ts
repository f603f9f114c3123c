/**
 * The volume store: named and anonymous volumes of the `local` driver under
 * `<data-root>/volumes/<name>/`, each a `volume.json` record (name, labels,
 * options, creation time) beside the `_data` directory containers see.
 * It creates, lists (Docker's filters), inspects, removes and prunes volumes,
 * says which containers use a volume (from the containers' mount points, and
 * the containers being created), mounts volumes that have options (tmpfs,
 * bind, device) while a running container uses them, and counts disk use.
 *
 * Crash safety: a volume exists once its `volume.json` is renamed into place
 * (after `_data` is made). Removal renames the directory to a temporary name
 * first, so a volume is either whole or gone; at start, temporary leftovers
 * are swept, and a directory without a record is removed when its `_data` is
 * empty or given a plain local record when it holds data (no data is lost).
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../../lib/log.js';
import { writeJsonAtomic, sweepTempFiles, TEMP_MARK, fsyncDir } from '../../lib/atomic.js';
import { BerthError, conflict, errnoCode, invalidArgument, messageOf, notFound } from '../../errdefs/index.js';
import { Filters } from '../filters.js';
import { LOCAL_DRIVER, checkVolumeName, checkVolumeOptions, directorySize, isMountPoint, mountVolume, needsMount, unknownDriver, unmountVolume } from './local.js';

/** Docker's label on volumes made for a container without a name (`-v /path`, image VOLUME). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  /** RFC 3339, seconds. */
  CreatedAt: string;
}

/** A container's mount as Docker records it (container.MountPoint), with what Berth needs at start. */
export interface MountPoint {
  Type: 'volume' | 'bind' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Copy the image's content into the volume at start when the volume is empty. */
  CopyData?: boolean;
  /** A volume the container's spec did not name (removed by rm -v and --rm). */
  Anonymous?: boolean;
  /** A -v bind source is created at start when missing. */
  CreateSource?: boolean;
  NonRecursive?: boolean;
  TmpfsData?: string;
}

/** What the store needs to know of a container. */
export interface VolumeUser {
  ID: string;
  State: { Running: boolean; Paused?: boolean; Restarting?: boolean };
  MountPoints?: MountPoint[];
}

export const VOLUME_LIST_FILTERS = ['dangling', 'driver', 'label', 'name'];
export const VOLUME_PRUNE_FILTERS = ['label', 'label!', 'all'];

function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function matchesLabel(want: string, labels: Record<string, string>): boolean {
  const eq = want.indexOf('=');
  return eq < 0 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

export class VolumeStore {
  private readonly root: string;
  private readonly events: EventBus;
  private readonly log: Logger;
  private readonly vols = new Map<string, VolumeRecord>();
  /** Creations in flight by name: a second create of the same name waits for the first. */
  private readonly creating = new Map<string, Promise<VolumeRecord>>();
  /** Volumes of containers being created (not yet in the container store), by container ID. */
  private readonly pending = new Map<string, Set<string>>();
  /** Until the container store is open (it may reap containers meanwhile), no volume is unmounted: `attach` sweeps after. */
  private users: (() => Iterable<VolumeUser>) | null = null;
  private readonly locks = new Map<string, Promise<void>>();

  private constructor(root: string, events: EventBus, log: Logger) {
    this.root = root;
    this.events = events;
    this.log = log;
  }

  static async open(root: string, events: EventBus, log: Logger): Promise<VolumeStore> {
    await mkdir(root, { recursive: true, mode: 0o701 });
    await sweepTempFiles(root);
    const s = new VolumeStore(root, events, log);
    await s.load();
    return s;
  }

  /** Where the store learns which containers exist (the container store, once open). */
  setUsers(users: () => Iterable<VolumeUser>): void {
    this.users = users;
  }

  dir(name: string): string {
    return join(this.root, name);
  }

  mountpoint(name: string): string {
    return join(this.root, name, '_data');
  }

  // ---- reading ---------------------------------------------------------------------------------

  list(): VolumeRecord[] {
    return [...this.vols.values()];
  }

  tryGet(name: string): VolumeRecord | undefined {
    return this.vols.get(name);
  }

  get(name: string): VolumeRecord {
    const v = this.vols.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  /** The IDs of the containers that use a volume (created, running or stopped), and those being created. */
  usersOf(name: string): string[] {
    const ids: string[] = [];
    for (const c of this.users?.() ?? []) if (c.MountPoints?.some((m) => m.Type === 'volume' && m.Name === name)) ids.push(c.ID);
    for (const [id, names] of this.pending) if (names.has(name) && !ids.includes(id)) ids.push(id);
    return ids;
  }

  /** Docker's inspect object. */
  inspect(v: VolumeRecord): Record<string, unknown> {
    return {
      CreatedAt: v.CreatedAt,
      Driver: v.Driver,
      Labels: v.Labels && Object.keys(v.Labels).length ? v.Labels : null,
      Mountpoint: this.mountpoint(v.Name),
      Name: v.Name,
      Options: v.Options && Object.keys(v.Options).length ? v.Options : null,
      Scope: 'local',
    };
  }

  /** GET /volumes with Docker's filters. */
  filter(filters: Filters): VolumeRecord[] {
    filters.validate(VOLUME_LIST_FILTERS);
    const dangling = filters.bool('dangling');
    const names = filters.values('name');
    const out: VolumeRecord[] = [];
    for (const v of this.vols.values()) {
      if (names.length && !names.some((n) => safeRegExp(n).test(v.Name))) continue;
      if (!filters.exact('driver', v.Driver)) continue;
      if (!filters.matchLabels('label', v.Labels ?? {})) continue;
      if (dangling !== undefined && (this.usersOf(v.Name).length === 0) !== dangling) continue;
      out.push(v);
    }
    return out;
  }

  // ---- create ----------------------------------------------------------------------------------

  /** Checks a create request without making anything (Docker's messages, prefixed `create <name>: `). */
  check(req: { name?: string; driver?: string; opts?: Record<string, string> | null }): void {
    const name = req.name ?? '';
    const wrap = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof BerthError) throw new BerthError(err.kind, `create ${name}: ${err.message}`);
        throw err;
      }
    };
    wrap(() => {
      if (name) checkVolumeName(name);
      if (req.driver && req.driver !== LOCAL_DRIVER) throw unknownDriver(req.driver);
      checkVolumeOptions(req.opts);
    });
  }

  /**
   * Creates a volume, or returns the one of that name (Docker's create is
   * idempotent). A name is made (64 hex digits) when none is given.
   */
  async create(req: { name?: string; driver?: string; opts?: Record<string, string> | null; labels?: Record<string, string> | null; anonymous?: boolean }): Promise<{ volume: VolumeRecord; created: boolean }> {
    this.check(req);
    const name = req.name || randomBytes(32).toString('hex');
    const inflight = this.creating.get(name);
    const existing = this.vols.get(name) ?? (inflight ? await inflight.catch(() => undefined) : undefined);
    if (existing) return { volume: existing, created: false };
    const labels = { ...(req.labels ?? {}) };
    if (req.anonymous) labels[ANONYMOUS_LABEL] = '';
    const rec: VolumeRecord = {
      Name: name,
      Driver: LOCAL_DRIVER,
      Labels: labels,
      Options: req.opts && Object.keys(req.opts).length ? { ...req.opts } : null,
      CreatedAt: rfc3339Seconds(new Date()),
    };
    const p = this.withLock(name, async () => {
      // A removal of the same name may have held the lock: look again.
      const now = this.vols.get(name);
      if (now) return now;
      const dir = this.dir(name);
      try {
        await mkdir(join(dir, '_data'), { recursive: true, mode: 0o755 });
        await writeJsonAtomic(join(dir, 'volume.json'), rec, { mode: 0o600 });
        await fsyncDir(this.root);
      } catch (err) {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
        throw err;
      }
      this.vols.set(name, rec);
      return rec;
    });
    this.creating.set(name, p);
    let made: VolumeRecord;
    try {
      made = await p;
    } finally {
      this.creating.delete(name);
    }
    if (made !== rec) return { volume: made, created: false };
    this.events.publish('volume', 'create', { id: name, attributes: { driver: rec.Driver } });
    return { volume: rec, created: true };
  }

  // ---- references by containers being created --------------------------------------------------

  /** Marks volumes as used by a container that is being created (it is not in the container store yet). */
  hold(containerId: string, name: string): void {
    let s = this.pending.get(containerId);
    if (!s) this.pending.set(containerId, (s = new Set()));
    s.add(name);
  }

  /** The container now exists (or failed to): its volumes count through its record, or not at all. */
  unhold(containerId: string): void {
    this.pending.delete(containerId);
  }

  // ---- remove, prune ---------------------------------------------------------------------------

  /** DELETE /volumes/{name}: refused while a container uses it (force only forgives a missing volume). */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const v = this.vols.get(name);
    if (!v) {
      if (opts.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    await this.withLock(name, async () => {
      const users = this.usersOf(name);
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.destroy(v);
    });
  }

  private async destroy(v: VolumeRecord): Promise<void> {
    const mp = this.mountpoint(v.Name);
    if (needsMount(v.Options) && (await isMountPoint(mp))) await unmountVolume(mp);
    if (await isMountPoint(mp)) throw conflict(`remove ${v.Name}: volume is still mounted at ${mp}`);
    // A container create may have taken it meanwhile; from here on nothing can.
    const users = this.usersOf(v.Name);
    if (users.length) throw conflict(`remove ${v.Name}: volume is in use - [${users.join(', ')}]`);
    this.vols.delete(v.Name);
    const trash = join(this.root, `${TEMP_MARK}rm-${v.Name}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.dir(v.Name), trash);
    } catch (err) {
      this.vols.set(v.Name, v);
      throw err;
    }
    await fsyncDir(this.root).catch(() => {});
    await rm(trash, { recursive: true, force: true }).catch((err: unknown) => this.log.warn('removing a volume directory', { name: v.Name, err: messageOf(err) }));
    this.events.publish('volume', 'destroy', { id: v.Name, attributes: { driver: v.Driver } });
  }

  /** POST /volumes/prune: unused local volumes, anonymous ones only unless `all=true`. */
  async prune(filters: Filters): Promise<{ deleted: string[]; reclaimed: number }> {
    filters.validate(VOLUME_PRUNE_FILTERS);
    const all = filters.has('all') ? parseAll(filters.values('all')) : false;
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of [...this.vols.values()]) {
      const labels = v.Labels ?? {};
      if (!all && !(ANONYMOUS_LABEL in labels)) continue;
      if (!filters.matchLabels('label', labels)) continue;
      if (filters.has('label!') && filters.values('label!').some((l) => matchesLabel(l, labels))) continue;
      if (this.usersOf(v.Name).length) continue;
      const size = needsMount(v.Options) ? 0 : await directorySize(this.mountpoint(v.Name));
      try {
        await this.withLock(v.Name, async () => {
          if (this.usersOf(v.Name).length || !this.vols.has(v.Name)) throw conflict('in use');
          await this.destroy(v);
        });
      } catch (err) {
        this.log.debug('prune skipped a volume', { name: v.Name, err: messageOf(err) });
        continue;
      }
      deleted.push(v.Name);
      reclaimed += size;
    }
    this.events.publish('volume', 'prune', { id: '', attributes: { reclaimed: String(reclaimed) } });
    return { deleted, reclaimed };
  }

  /** Volumes for /system/df: local volumes without options, with their size and number of users. */
  async diskUsage(): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for (const v of this.vols.values()) {
      if (needsMount(v.Options)) continue;
      out.push({ ...this.inspect(v), UsageData: { Size: await directorySize(this.mountpoint(v.Name)), RefCount: this.usersOf(v.Name).length } });
    }
    return out;
  }

  // ---- mounts of volumes with options ----------------------------------------------------------

  /** Mounts a volume's filesystem (tmpfs, bind, device) if it has options and is not mounted yet. */
  async mount(name: string): Promise<void> {
    const v = this.get(name);
    if (!needsMount(v.Options)) return;
    await this.withLock(name, async () => {
      const mp = this.mountpoint(name);
      if (!(await isMountPoint(mp))) await mountVolume(v.Options!, mp);
    });
  }

  /** Unmounts a volume with options when no running container other than `except` uses it. */
  async unmountIfUnused(name: string, except: string): Promise<void> {
    const v = this.vols.get(name);
    if (!v || !needsMount(v.Options) || !this.users) return;
    for (const c of this.users()) {
      if (c.ID === except || !(c.State.Running || c.State.Paused || c.State.Restarting)) continue;
      if (c.MountPoints?.some((m) => m.Type === 'volume' && m.Name === name)) return;
    }
    await this.withLock(name, async () => {
      const mp = this.mountpoint(name);
      if (await isMountPoint(mp)) await unmountVolume(mp);
    });
  }

  // ---- internals -------------------------------------------------------------------------------

  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => next);
    this.locks.set(name, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(name) === chained) this.locks.delete(name);
    }
  }

  private async load(): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.')) continue;
      const dir = this.dir(name);
      let rec: VolumeRecord | undefined;
      try {
        rec = JSON.parse(await readFile(join(dir, 'volume.json'), 'utf8')) as VolumeRecord;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      }
      if (rec && rec.Name === name) {
        this.vols.set(name, rec);
        continue;
      }
      // A creation that did not finish: nothing in it goes, something in it is kept as a plain volume.
      let entries: string[] = [];
      try {
        entries = await readdir(join(dir, '_data'));
      } catch {
        /* no _data */
      }
      try {
        checkVolumeName(name);
      } catch {
        this.log.warn('ignoring a directory in the volumes directory', { name });
        continue;
      }
      if (entries.length === 0) {
        this.log.warn('removing an incomplete volume', { name });
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      this.log.warn('repairing a volume without its record', { name });
      const st = await stat(dir);
      const repaired: VolumeRecord = { Name: name, Driver: LOCAL_DRIVER, Labels: null, Options: null, CreatedAt: rfc3339Seconds(st.mtime) };
      await writeJsonAtomic(join(dir, 'volume.json'), repaired, { mode: 0o600 });
      this.vols.set(name, repaired);
    }
  }
}

function parseAll(values: string[]): boolean {
  let out = false;
  for (const v of values) {
    const l = v.toLowerCase();
    if (l === 'true' || l === '1') out = true;
    else if (l !== 'false' && l !== '0') throw invalidArgument(`invalid filter 'all=${v}'`);
  }
  return out;
}

function safeRegExp(s: string): RegExp {
  try {
    return new RegExp(s);
  } catch {
    throw invalidArgument(`invalid filter 'name=${s}'`);
  }
}
