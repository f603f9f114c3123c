/**
 * The layer store: overlayfs snapshots of image layers, keyed by chainID, and
 * read-write snapshots for containers and build steps, rooted at
 * `<data-root>/layers`. Reference counting of layers by images is the image
 * store's job; this store only refuses to remove what is visibly in use.
 *
 * Lifecycle (in the manner of containerd's core/snapshots):
 *
 *   open(root)            sweep staging leftovers, load metadata, repair links
 *   applyLayer(parent, blob)
 *                         apply into staging/, then rename to snapshots/<chain>
 *                         (committed, read-only, shared by every image and
 *                         container using that chain); idempotent
 *   prepare(key, parent)  a read-write snapshot: rw/<key>/{upper,work}
 *   mount(key, target)    overlay mount of the parent chain + upper at target
 *   diff(key)             the changes of the upper dir as a layer tar
 *   unmount(target)       umount2
 *   removeRW(key)         refused while mounted
 *   remove(chainId)       refused while a child layer, a read-write snapshot
 *                         or an apply in progress uses it
 *   close()
 *
 * On-disk layout:
 *
 *   snapshots/<hex>/diff/       the layer's files in overlay form (lowerdir)
 *   snapshots/<hex>/meta.json   {chainId, diffId, parent, size, created, link}
 *   l/<link> -> ../snapshots/<hex>/diff
 *                               short names for mount data (see mount.ts)
 *   rw/<key>/upper/, work/      read-write snapshot
 *   rw/<key>/meta.json          {key, parent, created, mounts}
 *   empty/                      lower dir of read-write snapshots without parent
 *   mnt/diff-<random>/          read-only nosymfollow bind mounts of upper dirs
 *                               being diffed; unmounted at open
 *   staging/                    applies and removals in progress; emptied at open
 *
 * <hex> is the chainID's sha256 hex. Metadata files are written atomically
 * (src/lib/atomic.ts) and a snapshot appears only by the rename of a complete
 * staging directory, so a crash leaves either nothing or a whole snapshot.
 * One store instance per root: metadata lives in memory, mutations are
 * serialized by an in-process lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, rmdir, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { conflict, errnoCode, invalidArgument, messageOf, notFound, systemError } from '../../errdefs/index.js';
import { fsyncDir, sweepTempFiles, writeJsonAtomic } from '../../lib/atomic.js';
import { Logger } from '../../lib/log.js';
import { applyLayer as applyLayerTar, digestLayer } from './apply.js';
import type { ByteSource, Compression } from './compression.js';
import { diffUpperDir } from './diff.js';
import { FsUtil, FsUtilError, MNT_DETACH, MS_BIND, MS_NOSYMFOLLOW, MS_RDONLY, MS_REMOUNT } from './fsutil.js';
import { MOUNT_DATA_MAX, OVERLAY_SAFETY_OPTIONS, mountedPoints, overlayData, type Mount } from './mount.js';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LINK_MIN = 12;

/** OCI chainID of a parent chain plus one layer: sha256(parent + " " + diffID), or the diffID for a base layer. */
export function chainIdOf(parent: string | null, diffId: string): string {
  if (parent === null) return diffId;
  return `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

/** chainID of a whole list of diffIDs (bottom layer first). */
export function chainIdFromDiffIds(diffIds: readonly string[]): string {
  if (diffIds.length === 0) throw invalidArgument('a layer chain needs at least one diffID');
  let chain: string | null = null;
  for (const d of diffIds) chain = chainIdOf(chain, d);
  return chain!;
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

function checkDigest(d: string, what: string): void {
  if (typeof d !== 'string' || !DIGEST_RE.test(d)) throw invalidArgument(`invalid ${what}: ${JSON.stringify(d)}`);
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !KEY_RE.test(key)) throw invalidArgument(`invalid snapshot key: ${JSON.stringify(key)}`);
}

export interface SnapshotInfo {
  chainId: string;
  diffId: string;
  /** chainID of the layer below, null for a base layer. */
  parent: string | null;
  /** Bytes of content (regular files once per inode, plus symlink targets). */
  size: number;
  created: string;
  /** Absolute path of the layer's files. */
  path: string;
}

export interface RWInfo {
  key: string;
  parent: string | null;
  created: string;
  upper: string;
  work: string;
  /** Mount points this store mounted the snapshot at and has not unmounted. */
  mounts: string[];
}

export interface ApplyLayerOptions {
  /**
   * The layer's expected diffID (from the image config). It lets an existing
   * chain be recognised before applying (the blob is then only decompressed and
   * hashed), and a blob that does not match is refused.
   */
  diffId?: string;
  signal?: AbortSignal;
}

export interface AppliedLayer {
  chainId: string;
  diffId: string;
  size: number;
  /** True when the snapshot already existed (nothing new was written). */
  reused: boolean;
  compression: Compression;
}

export interface LayerStoreOptions {
  /** `<data-root>/layers`. */
  root: string;
  /** A shared helper; by default the store starts its own and closes it in close(). */
  fsutil?: FsUtil;
  /** Path of berth-fsutil when the store starts its own helper. */
  fsutilBinary?: string;
  log?: Logger;
  /** syncfs() a layer before committing it (Docker does not; off by default). */
  durable?: boolean;
}

export interface UnmountOptions {
  /** Lazy unmount (MNT_DETACH) instead of failing when the mount is busy. */
  detach?: boolean;
}

interface SnapshotMeta {
  chainId: string;
  diffId: string;
  parent: string | null;
  size: number;
  created: string;
  link: string;
}

interface RWMeta {
  key: string;
  parent: string | null;
  created: string;
  mounts: string[];
}

async function rmdirQuiet(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch {
    /* gone, or still a mount point: left for the sweep at the next open */
  }
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }
}

export class LayerStore {
  readonly root: string;
  private readonly fsutil: FsUtil;

  /** The berth-fsutil coprocess, lent to engine/network for namespaces and their unmounts. */
  get helper(): Pick<FsUtil, 'newNetns' | 'umount'> {
    return this.fsutil;
  }
  private readonly ownFsutil: boolean;
  private readonly log: Logger;
  private readonly durable: boolean;
  private readonly snapshots = new Map<string, SnapshotMeta>();
  private readonly rws = new Map<string, RWMeta>();
  /** Applies in progress per parent chainID. */
  private readonly applying = new Map<string, number>();
  private readonly lock = new Mutex();
  private safetyOptions: readonly string[] = OVERLAY_SAFETY_OPTIONS;
  private closed = false;

  private constructor(opts: LayerStoreOptions) {
    this.root = resolve(opts.root);
    this.log = (opts.log ?? new Logger()).with({ component: 'layers' });
    this.ownFsutil = !opts.fsutil;
    this.fsutil = opts.fsutil ?? new FsUtil({ ...(opts.fsutilBinary ? { binary: opts.fsutilBinary } : {}), log: this.log });
    this.durable = opts.durable ?? false;
  }

  /** Opens (creating if needed) the store at `opts.root`. */
  static async open(opts: LayerStoreOptions): Promise<LayerStore> {
    const s = new LayerStore(opts);
    await s.init();
    return s;
  }

  private dir(...p: string[]): string {
    return join(this.root, ...p);
  }

  private async init(): Promise<void> {
    // Private (0700): overlay reaches lower and upper dirs with the mounter's credentials, not through these paths.
    for (const d of ['', 'snapshots', 'l', 'rw', 'staging', 'empty', 'mnt']) await mkdir(this.dir(d), { recursive: true, mode: 0o700 });
    // Diff views left mounted by a crash: unmount, never delete through them.
    const mnt = await realpath(this.dir('mnt'));
    const mounted = await mountedPoints();
    for (const name of await readdir(mnt)) {
      const p = join(mnt, name);
      if (mounted.has(p)) await this.fsutil.umount(p, MNT_DETACH).catch((err: unknown) => this.log.warn('unmounting diff view', { path: p, error: err }));
      await rmdirQuiet(p);
    }
    const staging = this.dir('staging');
    for (const name of await readdir(staging)) {
      this.log.info('removing staging leftover', { name });
      await rm(join(staging, name), { recursive: true, force: true });
    }
    for (const hex of await readdir(this.dir('snapshots'))) {
      const meta = await this.readSnapshotMeta(hex);
      if (!meta) {
        this.log.warn('removing incomplete layer snapshot', { dir: hex });
        await this.discard(this.dir('snapshots', hex));
        continue;
      }
      this.snapshots.set(meta.chainId, meta);
    }
    for (const meta of this.snapshots.values()) {
      if (meta.parent !== null && !this.snapshots.has(meta.parent)) {
        this.log.warn('layer snapshot has no parent snapshot', { chainId: meta.chainId, parent: meta.parent });
      }
    }
    await this.repairLinks();
    for (const key of await readdir(this.dir('rw'))) {
      await sweepTempFiles(this.dir('rw', key));
      try {
        const meta = JSON.parse(await readFile(this.dir('rw', key, 'meta.json'), 'utf8')) as RWMeta;
        if (meta.key !== key || !Array.isArray(meta.mounts)) throw new Error('bad metadata');
        this.rws.set(key, meta);
      } catch (err) {
        this.log.warn('removing broken read-write snapshot', { key, error: messageOf(err) });
        await this.discard(this.dir('rw', key));
      }
    }
  }

  private async readSnapshotMeta(hex: string): Promise<SnapshotMeta | undefined> {
    try {
      await sweepTempFiles(this.dir('snapshots', hex));
      const meta = JSON.parse(await readFile(this.dir('snapshots', hex, 'meta.json'), 'utf8')) as SnapshotMeta;
      if (meta.chainId !== `sha256:${hex}` || !DIGEST_RE.test(meta.diffId) || typeof meta.link !== 'string') return undefined;
      if (meta.parent !== null && !DIGEST_RE.test(meta.parent)) return undefined;
      if (chainIdOf(meta.parent, meta.diffId) !== meta.chainId) return undefined;
      const st = await lstat(this.dir('snapshots', hex, 'diff'));
      if (!st.isDirectory()) return undefined;
      return meta;
    } catch {
      return undefined;
    }
  }

  /** Makes l/ hold exactly one correct link per snapshot. */
  private async repairLinks(): Promise<void> {
    const wanted = new Map<string, string>();
    for (const m of this.snapshots.values()) wanted.set(m.link, `../snapshots/${hexOf(m.chainId)}/diff`);
    for (const name of await readdir(this.dir('l'))) {
      const p = this.dir('l', name);
      const want = wanted.get(name);
      let have: string | undefined;
      try {
        have = await readlink(p);
      } catch {
        have = undefined;
      }
      if (want === undefined || have !== want) await rm(p, { recursive: true, force: true });
      if (want !== undefined && have === want) wanted.delete(name);
    }
    for (const [name, target] of wanted) {
      this.log.info('restoring layer link', { link: name });
      await symlink(target, this.dir('l', name));
    }
  }

  /** Moves a directory into staging (instantly invisible), then deletes it. */
  private async discard(path: string): Promise<void> {
    const trash = this.dir('staging', `rm-${randomBytes(8).toString('hex')}`);
    try {
      await rename(path, trash);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }

  private info(m: SnapshotMeta): SnapshotInfo {
    return {
      chainId: m.chainId,
      diffId: m.diffId,
      parent: m.parent,
      size: m.size,
      created: m.created,
      path: this.dir('snapshots', hexOf(m.chainId), 'diff'),
    };
  }

  private rwInfo(m: RWMeta): RWInfo {
    return {
      key: m.key,
      parent: m.parent,
      created: m.created,
      upper: this.dir('rw', m.key, 'upper'),
      work: this.dir('rw', m.key, 'work'),
      mounts: [...m.mounts],
    };
  }

  private checkOpen(): void {
    if (this.closed) throw systemError('layer store is closed');
  }

  has(chainId: string): boolean {
    return this.snapshots.has(chainId);
  }

  /** The snapshot of a chain; not-found error when absent. */
  get(chainId: string): SnapshotInfo {
    const m = this.snapshots.get(chainId);
    if (!m) throw notFound(`layer ${chainId} not found`);
    return this.info(m);
  }

  list(): SnapshotInfo[] {
    return [...this.snapshots.values()].map((m) => this.info(m));
  }

  /** The chain from `chainId` down to its base layer, top first. */
  chain(chainId: string): SnapshotInfo[] {
    const out: SnapshotInfo[] = [];
    let cur: string | null = chainId;
    while (cur !== null) {
      const m = this.snapshots.get(cur);
      if (!m) throw notFound(`layer ${cur} not found`);
      out.push(this.info(m));
      cur = m.parent;
      if (out.length > 10_000) throw systemError('layer chain loops');
    }
    return out;
  }

  /**
   * Applies a layer blob (gzip, zstd, xz, bzip2 or plain tar) on top of
   * `parent` (a chainID, or null for a base layer) and returns the new chain.
   * If the chain already exists the blob is still read to its end (and checked
   * against opts.diffId), and the existing snapshot is returned with reused=true.
   * Errors: not-found (parent), invalid-argument (bad or hostile tar, diffID
   * mismatch), system.
   */
  async applyLayer(parent: string | null, input: ByteSource, opts: ApplyLayerOptions = {}): Promise<AppliedLayer> {
    this.checkOpen();
    if (parent !== null) checkDigest(parent, 'parent chainID');
    if (opts.diffId !== undefined) checkDigest(opts.diffId, 'diffID');
    await this.lock.run(() => {
      if (parent !== null && !this.snapshots.has(parent)) throw notFound(`parent layer ${parent} not found`);
      if (parent !== null) this.applying.set(parent, (this.applying.get(parent) ?? 0) + 1);
    });
    try {
      if (opts.diffId !== undefined) {
        const known = this.snapshots.get(chainIdOf(parent, opts.diffId));
        if (known) {
          const d = await digestLayer(input, opts.signal);
          if (d.diffId !== opts.diffId) throw invalidArgument(`layer diffID mismatch: expected ${opts.diffId}, got ${d.diffId}`);
          return { chainId: known.chainId, diffId: known.diffId, size: known.size, reused: true, compression: d.compression };
        }
      }
      let staging: string | undefined = this.dir('staging', `apply-${randomBytes(8).toString('hex')}`);
      try {
        await mkdir(staging, { mode: 0o700 });
        await mkdir(join(staging, 'diff'), { mode: 0o755 });
        const r = await applyLayerTar(join(staging, 'diff'), input, {
          fsutil: this.fsutil,
          log: this.log,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        if (opts.diffId !== undefined && r.diffId !== opts.diffId) {
          throw invalidArgument(`layer diffID mismatch: expected ${opts.diffId}, got ${r.diffId}`);
        }
        const chainId = chainIdOf(parent, r.diffId);
        const dir = staging;
        const result = await this.lock.run(async (): Promise<AppliedLayer> => {
          const known = this.snapshots.get(chainId);
          if (known) return { chainId, diffId: known.diffId, size: known.size, reused: true, compression: r.compression };
          const meta: SnapshotMeta = {
            chainId,
            diffId: r.diffId,
            parent,
            size: r.size,
            created: new Date().toISOString(),
            link: this.allocLink(hexOf(chainId)),
          };
          await writeJsonAtomic(join(dir, 'meta.json'), meta, { noSync: !this.durable });
          if (this.durable) await this.fsutil.syncfs(dir);
          const final = this.dir('snapshots', hexOf(chainId));
          await rename(dir, final);
          staging = undefined;
          const linkPath = this.dir('l', meta.link);
          await rm(linkPath, { force: true });
          await symlink(`../snapshots/${hexOf(chainId)}/diff`, linkPath);
          if (this.durable) {
            await fsyncDir(this.dir('snapshots'));
            await fsyncDir(this.dir('l'));
          }
          this.snapshots.set(chainId, meta);
          this.log.debug('layer committed', { chainId, diffId: r.diffId, size: r.size });
          return { chainId, diffId: r.diffId, size: r.size, reused: false, compression: r.compression };
        });
        return result;
      } finally {
        if (staging) await rm(staging, { recursive: true, force: true }).catch(() => {});
      }
    } finally {
      if (parent !== null) {
        const n = (this.applying.get(parent) ?? 1) - 1;
        if (n <= 0) this.applying.delete(parent);
        else this.applying.set(parent, n);
      }
    }
  }

  /** A short link name for l/, unique among snapshots (the shortest free prefix of the hex). */
  private allocLink(hex: string): string {
    const used = new Set([...this.snapshots.values()].map((m) => m.link));
    for (let n = LINK_MIN; n <= hex.length; n += 4) {
      const name = hex.slice(0, n);
      if (!used.has(name)) return name;
    }
    throw systemError(`no free link name for ${hex}`);
  }

  /**
   * Removes a committed snapshot. Refused (conflict) while a child layer, a
   * read-write snapshot or an apply in progress uses it.
   */
  async remove(chainId: string): Promise<void> {
    this.checkOpen();
    await this.lock.run(async () => {
      const m = this.snapshots.get(chainId);
      if (!m) throw notFound(`layer ${chainId} not found`);
      const child = [...this.snapshots.values()].find((s) => s.parent === chainId);
      if (child) throw conflict(`layer ${chainId} is in use by layer ${child.chainId}`);
      const rw = [...this.rws.values()].find((r) => r.parent === chainId);
      if (rw) throw conflict(`layer ${chainId} is in use by read-write layer ${rw.key}`);
      if (this.applying.has(chainId)) throw conflict(`layer ${chainId} is in use by a layer being applied`);
      this.snapshots.delete(chainId);
      await rm(this.dir('l', m.link), { force: true });
      await this.discard(this.dir('snapshots', hexOf(chainId)));
    });
  }

  /** Absolute overlay mount description of a read-write snapshot (for callers mounting it themselves). */
  mounts(key: string): Mount[] {
    const rw = this.rws.get(key);
    if (!rw) throw notFound(`read-write layer ${key} not found`);
    const lowers = rw.parent === null ? [this.dir('empty')] : this.chain(rw.parent).map((s) => s.path);
    return [
      {
        type: 'overlay',
        source: 'overlay',
        options: [
          `lowerdir=${lowers.join(':')}`,
          `upperdir=${this.dir('rw', key, 'upper')}`,
          `workdir=${this.dir('rw', key, 'work')}`,
          ...this.safetyOptions,
        ],
      },
    ];
  }

  /**
   * Creates a read-write snapshot `key` on top of `parent` (a chainID, or null
   * for an empty base) and returns how to mount it. Conflict if `key` exists.
   */
  async prepare(key: string, parent: string | null): Promise<Mount[]> {
    this.checkOpen();
    checkKey(key);
    if (parent !== null) checkDigest(parent, 'parent chainID');
    await this.lock.run(async () => {
      if (this.rws.has(key)) throw conflict(`read-write layer ${key} already exists`);
      if (parent !== null && !this.snapshots.has(parent)) throw notFound(`parent layer ${parent} not found`);
      const staging = this.dir('staging', `rw-${randomBytes(8).toString('hex')}`);
      try {
        await mkdir(staging, { mode: 0o700 });
        await mkdir(join(staging, 'upper'), { mode: 0o755 });
        await mkdir(join(staging, 'work'), { mode: 0o700 });
        const meta: RWMeta = { key, parent, created: new Date().toISOString(), mounts: [] };
        await writeJsonAtomic(join(staging, 'meta.json'), meta, { noSync: !this.durable });
        await rename(staging, this.dir('rw', key));
        this.rws.set(key, meta);
      } catch (err) {
        await rm(staging, { recursive: true, force: true }).catch(() => {});
        throw err;
      }
    });
    return this.mounts(key);
  }

  getRW(key: string): RWInfo {
    const m = this.rws.get(key);
    if (!m) throw notFound(`read-write layer ${key} not found`);
    return this.rwInfo(m);
  }

  listRW(): RWInfo[] {
    return [...this.rws.values()].map((m) => this.rwInfo(m));
  }

  private async saveRW(m: RWMeta): Promise<void> {
    await writeJsonAtomic(this.dir('rw', m.key, 'meta.json'), m, { noSync: !this.durable });
  }

  /**
   * Mounts read-write snapshot `key` at `target` (an existing directory):
   * overlay with the parent chain as lowerdirs (top first; the empty dir when
   * there is no parent), the snapshot's upper and work dirs.
   */
  async mount(key: string, target: string): Promise<void> {
    this.checkOpen();
    const rw = this.rws.get(key);
    if (!rw) throw notFound(`read-write layer ${key} not found`);
    let point: string;
    try {
      point = await realpath(resolve(target));
    } catch (err) {
      throw invalidArgument(`mount target ${target}: ${messageOf(err)}`, err);
    }
    const lowers = rw.parent === null ? ['../empty'] : this.chain(rw.parent).map((s) => this.snapshots.get(s.chainId)!.link);
    const layout = { lowers, upper: `../rw/${key}/upper`, work: `../rw/${key}/work` };
    const minimal = overlayData(layout, []);
    if (minimal.length > MOUNT_DATA_MAX) {
      throw invalidArgument(`layer chain too deep to mount: ${lowers.length} layers need ${minimal.length} bytes of mount options (max ${MOUNT_DATA_MAX})`);
    }
    await this.lock.run(async () => {
      if (!rw.mounts.includes(point)) {
        rw.mounts.push(point);
        await this.saveRW(rw); // recorded before mounting, so a crash can only leave a stale record
      }
    });
    const attempt = (extra: readonly string[]) =>
      this.fsutil.mount({ source: 'overlay', target: point, fstype: 'overlay', data: overlayData(layout, extra), cwd: this.dir('l') });
    try {
      let extra = this.safetyOptions;
      if (overlayData(layout, extra).length > MOUNT_DATA_MAX) extra = [];
      try {
        await attempt(extra);
      } catch (err) {
        if (!(err instanceof FsUtilError && err.code === 'EINVAL' && extra.length > 0)) throw err;
        await attempt([]);
        this.log.warn('overlay rejected index/redirect_dir/metacopy options; mounting without them', { key });
        this.safetyOptions = [];
      }
    } catch (err) {
      await this.lock.run(async () => {
        rw.mounts = rw.mounts.filter((m) => m !== point);
        await this.saveRW(rw);
      });
      throw systemError(`mounting read-write layer ${key} at ${point}: ${messageOf(err)}`, err);
    }
  }

  /** Unmounts `target`; a target that is not mounted is not an error. Busy mounts are a conflict unless opts.detach. */
  async unmount(target: string, opts: UnmountOptions = {}): Promise<void> {
    this.checkOpen();
    let point = resolve(target);
    try {
      point = await realpath(point);
    } catch {
      /* gone already */
    }
    try {
      await this.fsutil.umount(point, opts.detach ? MNT_DETACH : 0);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EBUSY') throw conflict(`${point} is busy`, err);
      if (code !== 'EINVAL' && code !== 'ENOENT') throw systemError(`unmounting ${point}: ${messageOf(err)}`, err);
    }
    await this.lock.run(async () => {
      for (const rw of this.rws.values()) {
        if (rw.mounts.includes(point)) {
          rw.mounts = rw.mounts.filter((m) => m !== point);
          await this.saveRW(rw);
        }
      }
    });
  }

  /** Removes a read-write snapshot; conflict while it is still mounted. */
  async removeRW(key: string): Promise<void> {
    this.checkOpen();
    await this.lock.run(async () => {
      const rw = this.rws.get(key);
      if (!rw) throw notFound(`read-write layer ${key} not found`);
      if (rw.mounts.length > 0) {
        const mounted = await mountedPoints();
        const still = rw.mounts.filter((m) => mounted.has(m));
        if (still.length > 0) throw conflict(`read-write layer ${key} is mounted at ${still.join(', ')}`);
      }
      this.rws.delete(key);
      await this.discard(this.dir('rw', key));
    });
  }

  /**
   * The changes recorded in read-write snapshot `key`, as a layer tar in
   * Docker's format (whiteout files); may be taken while mounted.
   */
  diff(key: string, opts: { signal?: AbortSignal } = {}): Readable {
    this.checkOpen();
    const rw = this.rws.get(key);
    if (!rw) throw notFound(`read-write layer ${key} not found`);
    const upper = this.dir('rw', key, 'upper');
    const view = this.dir('mnt', `diff-${randomBytes(8).toString('hex')}`);
    const fsutil = this.fsutil;
    const log = this.log;
    const signal = opts.signal;
    // The upper dir is read through a private read-only bind mount with nosymfollow,
    // so a container changing its files meanwhile (a directory swapped for a
    // symlink to /) can never make the walk read host files.
    async function* run(): AsyncGenerator<Buffer> {
      await mkdir(view, { mode: 0o700 });
      let mounted = false;
      try {
        await fsutil.mount({ source: upper, target: view, fstype: '', flags: MS_BIND });
        mounted = true;
        await fsutil.mount({ source: '', target: view, fstype: '', flags: MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSYMFOLLOW });
        for await (const chunk of diffUpperDir(view, { fsutil, log, ...(signal ? { signal } : {}) })) yield chunk as Buffer;
      } finally {
        if (mounted) await fsutil.umount(view, MNT_DETACH).catch((err: unknown) => log.warn('unmounting diff view', { error: err }));
        await rmdirQuiet(view);
      }
    }
    return Readable.from(run(), { objectMode: false });
  }

  /** Stops the helper (when the store started it). Mounts stay as they are. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lock.run(() => undefined);
    if (this.ownFsutil) await this.fsutil.close();
  }
}
