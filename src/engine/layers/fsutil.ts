/**
 * The client side of berth-fsutil (native/berth-fsutil.c): the coprocess that
 * carries the system calls Node lacks and the layer store needs (mknod for
 * overlay whiteouts, device nodes and fifos; l{set,get,list}xattr; mount and
 * umount2 with a working directory; syncfs) plus batched file creation for
 * layer extraction.
 *
 * Lifecycle: an FsUtil is cheap to construct and starts the helper lazily on
 * the first request; requests are framed (see the C file for the protocol),
 * written in batches (everything issued in one tick goes out in one writev)
 * and answered in order, so callers issue thousands without awaiting each one.
 * Two ways to use it:
 *  - the promise methods (mknod, lsetxattr, lgetxattrs, mount...), one promise
 *    per request;
 *  - an FsBatch (fsutil.batch()), used by layer apply: fire-and-forget
 *    requests, no promise each, the first failure kept and reported by
 *    drain(); waitForRoom() bounds the bytes queued to the helper.
 * If the helper dies, pending requests fail with an 'unavailable' error and the
 * next request starts a new helper. close() ends it for good. While nothing is
 * pending the helper does not keep the Node process alive.
 *
 * Paths must be absolute and free of NUL bytes; callers (apply, diff, the
 * store) guarantee they lie inside the layer store. Failed system calls are
 * FsUtilErrors carrying the errno code (ENOENT...), like Node's errors, so
 * errnoCode() from errdefs works on them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errnoCode, invalidArgument, unavailable } from '../../errdefs/index.js';
import { Logger } from '../../lib/log.js';

export const FSUTIL_PROTOCOL_VERSION = 3;

const Op = {
  Hello: 0,
  Mknod: 1,
  Lsetxattr: 2,
  Lgetxattr: 3,
  Llistxattr: 4,
  Lgetxattrs: 5,
  Mount: 6,
  Umount: 7,
  Syncfs: 8,
  Create: 9,
  Write: 10,
  Finish: 11,
  Abort: 12,
  Mkdir: 13,
  Symlink: 14,
  Link: 15,
  Utimes: 16,
  NewNetns: 17,
} as const;
type Op = (typeof Op)[keyof typeof Op];

/** S_IF* file type bits for mknod. */
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** mount(2) flags. */
export const MS_RDONLY = 1;
export const MS_REMOUNT = 32;
export const MS_NOSYMFOLLOW = 256;
export const MS_BIND = 4096;
/** umount2(2) flags. */
export const MNT_DETACH = 2;

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(num)) errnoNames.set(num, name);
}

/** A failed system call in the helper, shaped like Node's system errors. */
export class FsUtilError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string | undefined;
  constructor(errno: number, syscall: string, path?: string) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(path ? `${syscall} ${path}: ${code}` : `${syscall}: ${code}`);
    this.name = 'FsUtilError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
  }
}

/** Owner, permission bits (with set-id and sticky bits) and times (seconds, fractions allowed). */
export interface FileMeta {
  mode: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

export interface MknodSpec {
  /** File type (S_IFCHR, S_IFBLK, S_IFIFO) | permission bits, set-id and sticky bits included. */
  mode: number;
  major?: number;
  minor?: number;
  /** When given, the node is lchown'ed and then chmod'ed to `mode` (chown clears set-id bits). */
  uid?: number;
  gid?: number;
  /** When given, the node's times are set without following links. */
  atime?: number;
  mtime?: number;
}

export interface MountRequest {
  source: string;
  /** Absolute mount point. */
  target: string;
  fstype: string;
  flags?: number;
  data?: string;
  /** Directory entered for the mount(2) call only (relative paths in `data` resolve from it). */
  cwd?: string;
}

export interface FsUtilOptions {
  /** Path of the berth-fsutil binary; default: $BERTH_FSUTIL, then findFsUtilBinary(). */
  binary?: string;
  log?: Logger;
}

/** Where berth-fsutil is looked for, in order (after $BERTH_FSUTIL). */
export function fsUtilCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const list = [
    // dist/src/engine/layers -> checkout root; src/engine/layers when run from sources
    join(here, '../../../../native/build/berth-fsutil'),
    join(here, '../../../native/build/berth-fsutil'),
    join(process.cwd(), 'native/build/berth-fsutil'),
    '/usr/local/lib/berth/berth-fsutil',
    '/usr/local/libexec/berth/berth-fsutil',
    '/usr/lib/berth/berth-fsutil',
    '/usr/libexec/berth/berth-fsutil',
  ];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir) list.push(join(dir, 'berth-fsutil'));
  }
  return list;
}

export function findFsUtilBinary(): string | undefined {
  const env = process.env.BERTH_FSUTIL;
  if (env) return env;
  return fsUtilCandidates().find((p) => existsSync(p));
}

type Callback = (err: Error | null, body: Buffer | undefined) => void;

interface Pending {
  path: string | undefined;
  bytes: number;
  cb: Callback;
  /** flush() callers waiting for this request to settle. */
  waiters: (() => void)[] | undefined;
}

const TWO32 = 2 ** 32;
const ARENA = 256 * 1024;
const INLINE_TAIL = 16 * 1024;

/**
 * Encodes request frames straight into a shared arena (no allocation per
 * request); file content passed to tail() is queued as its own buffer, not
 * copied. Every string costs at most 3 bytes per UTF-16 unit, which is what
 * begin() reserves for.
 */
class Writer {
  private buf: Buffer = Buffer.allocUnsafeSlow(ARENA);
  private off = 0;
  private seg = 0;
  private start = 0;
  private tailData: Buffer | undefined;
  private segments: Buffer[] = [];

  begin(op: Op, max: number): this {
    if (this.off + max > this.buf.length) {
      this.cut();
      this.buf = Buffer.allocUnsafeSlow(Math.max(ARENA, max));
      this.off = 0;
      this.seg = 0;
    }
    this.start = this.off;
    this.tailData = undefined;
    this.buf[this.off + 4] = op;
    this.off += 5;
    return this;
  }
  u32(n: number): this {
    this.buf.writeUInt32LE(n >>> 0, this.off);
    this.off += 4;
    return this;
  }
  i64(n: number): this {
    const hi = Math.floor(n / TWO32);
    this.buf.writeUInt32LE(n - hi * TWO32, this.off);
    this.buf.writeInt32LE(hi, this.off + 4);
    this.off += 8;
    return this;
  }
  /** seconds (with fraction) as i64 seconds + u32 nanoseconds */
  time(t: number): this {
    const sec = Math.floor(t);
    let nsec = Math.round((t - sec) * 1e9);
    if (nsec > 999_999_999) nsec = 999_999_999;
    return this.i64(sec).u32(nsec);
  }
  meta(m: FileMeta): this {
    return this.u32(m.mode).u32(m.uid).u32(m.gid).time(m.atime).time(m.mtime);
  }
  str(s: string, what: string): this {
    if (s.includes('\0')) throw invalidArgument(`${what} contains a NUL byte`);
    const n = this.buf.write(s, this.off + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.off);
    this.off += 4 + n;
    return this;
  }
  path(p: string, what = 'path'): this {
    if (typeof p !== 'string' || !isAbsolute(p)) throw invalidArgument(`berth-fsutil: ${what} must be absolute: ${String(p)}`);
    return this.str(p, what);
  }
  bytes(b: Uint8Array): this {
    this.buf.writeUInt32LE(b.byteLength, this.off);
    this.buf.set(b, this.off + 4);
    this.off += 4 + b.byteLength;
    return this;
  }
  /** The last argument: a byte blob, copied when small and room is left, else sent as its own buffer. */
  tail(b: Uint8Array): this {
    if (b.byteLength <= INLINE_TAIL && this.off + 4 + b.byteLength <= this.buf.length) return this.bytes(b);
    this.buf.writeUInt32LE(b.byteLength, this.off);
    this.off += 4;
    this.tailData = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return this;
  }
  /** Completes the frame; returns its size in bytes. */
  end(): number {
    const tail = this.tailData;
    const size = this.off - this.start + (tail ? tail.length : 0);
    this.buf.writeUInt32LE(size - 4, this.start);
    if (tail) {
      this.cut();
      if (tail.length > 0) this.segments.push(tail);
      this.tailData = undefined;
    }
    return size;
  }
  /** Drops a frame whose arguments were refused. */
  rollback(): void {
    this.off = this.start;
    this.tailData = undefined;
  }
  private cut(): void {
    if (this.off > this.seg) {
      this.segments.push(this.buf.subarray(this.seg, this.off));
      this.seg = this.off;
    }
  }
  /** The encoded bytes not yet handed out, in order. */
  take(): Buffer[] {
    this.cut();
    const out = this.segments;
    this.segments = [];
    return out;
  }
  get empty(): boolean {
    return this.off === this.seg && this.segments.length === 0;
  }
}

/** Bytes to reserve for a frame with these strings and blobs besides fixed fields. */
function room(strings: readonly string[], blobs = 0): number {
  let n = 96 + blobs;
  for (const s of strings) n += 4 + 3 * s.length;
  return n;
}

type Fill = (w: Writer) => void;

export class FsUtil {
  private readonly binary: string | undefined;
  private readonly log: Logger;
  private child: ChildProcessWithoutNullStreams | undefined;
  private queue: Pending[] = [];
  private head = 0;
  private readonly w = new Writer();
  private writeScheduled = false;
  private inbuf: Buffer = Buffer.alloc(0);
  private closed = false;
  private referenced = true;
  private exitPromise: Promise<void> | undefined;
  private nextHandle = 1;
  private inflight = 0;
  private roomWaiters: { limit: number; resolve: () => void }[] = [];

  constructor(opts: FsUtilOptions = {}) {
    this.binary = opts.binary ?? findFsUtilBinary();
    this.log = (opts.log ?? new Logger()).with({ component: 'fsutil' });
  }

  /** Number of requests sent and not yet answered. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Bytes of requests sent and not yet answered. */
  get inflightBytes(): number {
    return this.inflight;
  }

  /** Resolves once at most `limit` bytes of requests are waiting for the helper. */
  waitForRoom(limit: number): Promise<void> {
    if (this.inflight <= limit) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ limit, resolve }));
  }

  /** A handle for a file written over several requests (FsBatch.create with more data). */
  allocHandle(): number {
    const h = this.nextHandle;
    this.nextHandle = this.nextHandle >= 0x7fffffff ? 1 : this.nextHandle + 1;
    return h;
  }

  /** A batch of fire-and-forget requests (see FsBatch). */
  batch(): FsBatch {
    return new FsBatch(this);
  }

  /** Checks the helper runs and speaks our protocol; returns its protocol version. */
  async hello(): Promise<number> {
    const body = await this.request(Op.Hello, 0, () => {}, undefined);
    return body.readUInt32LE(0);
  }

  async mknod(path: string, spec: MknodSpec): Promise<void> {
    await this.request(Op.Mknod, room([path]), mknodFill(path, spec), path);
  }

  async lsetxattr(path: string, name: string, value: Uint8Array, flags = 0): Promise<void> {
    await this.request(Op.Lsetxattr, room([path, name], value.byteLength), (w) => w.path(path).str(name, 'xattr name').bytes(value).u32(flags), path);
  }

  /** The attribute's value, or undefined when the file has no such attribute. */
  async lgetxattr(path: string, name: string): Promise<Buffer | undefined> {
    try {
      return await this.request(Op.Lgetxattr, room([path, name]), (w) => w.path(path).str(name, 'xattr name'), path);
    } catch (err) {
      if (err instanceof FsUtilError && err.code === 'ENODATA') return undefined;
      throw err;
    }
  }

  async llistxattr(path: string): Promise<string[]> {
    const body = await this.request(Op.Llistxattr, room([path]), (w) => w.path(path), path);
    return body
      .toString('utf8')
      .split('\0')
      .filter((s) => s !== '');
  }

  /** Every extended attribute of `path` (not following a final symlink), in listing order. */
  async lgetxattrs(path: string): Promise<Map<string, Buffer>> {
    const body = await this.request(Op.Lgetxattrs, room([path]), (w) => w.path(path), path);
    const out = new Map<string, Buffer>();
    const n = body.readUInt32LE(0);
    let off = 4;
    for (let i = 0; i < n; i++) {
      const nlen = body.readUInt32LE(off);
      const name = body.toString('utf8', off + 4, off + 4 + nlen);
      off += 4 + nlen;
      const vlen = body.readUInt32LE(off);
      out.set(name, Buffer.from(body.subarray(off + 4, off + 4 + vlen)));
      off += 4 + vlen;
    }
    return out;
  }

  async mount(req: MountRequest): Promise<void> {
    if (req.cwd && !isAbsolute(req.cwd)) throw invalidArgument(`mount cwd must be absolute: ${req.cwd}`);
    const data = req.data ?? '';
    const cwd = req.cwd ?? '';
    await this.request(
      Op.Mount,
      room([req.source, req.target, req.fstype, data, cwd]),
      (w) => w.str(req.source, 'mount source').path(req.target, 'mount target').str(req.fstype, 'fstype').i64(req.flags ?? 0).str(data, 'mount data').str(cwd, 'cwd'),
      req.target,
    );
  }

  async umount(target: string, flags = 0): Promise<void> {
    await this.request(Op.Umount, room([target]), (w) => w.path(target, 'mount target').u32(flags), target);
  }

  /** A new network namespace kept by a bind mount at `path` (engine/network's sandboxes). */
  async newNetns(path: string): Promise<void> {
    await this.request(Op.NewNetns, room([path]), (w) => w.path(path, 'netns path'), path);
  }

  /** syncfs(2) on the file system holding `path`. */
  async syncfs(path: string): Promise<void> {
    await this.request(Op.Syncfs, room([path]), (w) => w.path(path), path);
  }

  /** Resolves once every request issued before this call has been answered (whatever the outcome). */
  flush(): Promise<void> {
    const last = this.queue[this.queue.length - 1];
    if (this.pending === 0 || !last) return Promise.resolve();
    return new Promise((resolve) => {
      (last.waiters ??= []).push(resolve);
    });
  }

  /** Stops the helper; pending requests are answered first. Later requests fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    if (!child) return;
    this.writeOut();
    await this.flush();
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    try {
      await this.exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  private request(op: Op, max: number, fill: Fill, path: string | undefined): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      try {
        this.send(op, max, fill, path, (err, body) => (err ? reject(err) : resolve(body!)));
      } catch (err) {
        reject(err);
      }
    });
  }

  /**
   * Queues a request: `fill` writes its arguments (at most `max` bytes besides
   * a tail); `cb` runs with the answer. Throws synchronously when the request
   * cannot be sent (bad argument, helper missing or closed).
   */
  send(op: Op, max: number, fill: Fill, path: string | undefined, cb: Callback): void {
    if (this.closed) throw unavailable('berth-fsutil: helper closed');
    this.ensureStarted();
    const w = this.w.begin(op, max);
    let bytes: number;
    try {
      fill(w);
      bytes = w.end();
    } catch (err) {
      w.rollback();
      throw err;
    }
    this.queue.push({ path, bytes, cb, waiters: undefined });
    this.inflight += bytes;
    this.setRef(true);
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      queueMicrotask(() => this.writeOut());
    }
  }

  private writeOut(): void {
    this.writeScheduled = false;
    const child = this.child;
    if (!child || this.w.empty) return;
    const list = this.w.take();
    if (list.length === 1) {
      child.stdin.write(list[0]!);
      return;
    }
    child.stdin.cork();
    for (const b of list) child.stdin.write(b);
    child.stdin.uncork();
  }

  private ensureStarted(): void {
    if (this.child) return;
    const bin = this.binary;
    if (!bin || !existsSync(bin)) {
      throw unavailable(`berth-fsutil helper not found${bin ? ` at ${bin}` : ''}; build it with scripts/build-native.sh or set BERTH_FSUTIL`);
    }
    const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.inbuf = Buffer.alloc(0);
    this.referenced = true;
    let spawnError: Error | undefined;
    this.exitPromise = new Promise<void>((resolve) => {
      child.on('error', (err) => {
        spawnError = err;
        this.log.error('berth-fsutil failed', { error: err });
      });
      child.on('close', (code, signal) => {
        if (this.child === child) this.child = undefined;
        const why = spawnError ? spawnError.message : `exited (code ${code ?? 'none'}${signal ? `, signal ${signal}` : ''})`;
        this.failAll(unavailable(`berth-fsutil ${why}`, spawnError));
        resolve();
      });
    });
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      for (const line of s.split('\n')) if (line) this.log.warn(line);
    });
  }

  private onData(chunk: Buffer): void {
    let buf = this.inbuf.length ? Buffer.concat([this.inbuf, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      const body = buf.subarray(off + 4, off + 4 + len);
      off += 4 + len;
      this.settle(body);
    }
    buf = buf.subarray(off);
    this.inbuf = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    this.wakeRoomWaiters();
  }

  private settle(body: Buffer): void {
    const p = this.queue[this.head];
    if (!p) {
      this.log.error('berth-fsutil: reply without request');
      return;
    }
    this.queue[this.head] = undefined as unknown as Pending;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.inflight -= p.bytes;
    const errno = body.readInt32LE(0);
    try {
      if (errno === 0) p.cb(null, body.subarray(4));
      else p.cb(new FsUtilError(errno, body.toString('utf8', 4) || 'fsutil', p.path), undefined);
    } catch (err) {
      this.log.error('berth-fsutil: callback failed', { error: err });
    }
    if (p.waiters) for (const w of p.waiters) w();
    if (this.pending === 0) this.setRef(false);
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const still: typeof this.roomWaiters = [];
    for (const w of this.roomWaiters) {
      if (this.inflight <= w.limit) w.resolve();
      else still.push(w);
    }
    this.roomWaiters = still;
  }

  private failAll(err: Error): void {
    const list = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.w.take();
    this.inflight = 0;
    for (const p of list) {
      try {
        p.cb(err, undefined);
      } catch {
        /* keep failing the others */
      }
      if (p.waiters) for (const w of p.waiters) w();
    }
    this.wakeRoomWaiters();
  }

  private setRef(on: boolean): void {
    const c = this.child;
    if (!c || this.referenced === on) return;
    this.referenced = on;
    for (const s of [c.stdin, c.stdout, c.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
    if (on) c.ref();
    else c.unref();
  }
}

function mknodFill(path: string, spec: MknodSpec): Fill {
  let flags = 0;
  if (spec.uid !== undefined || spec.gid !== undefined) flags |= 1 | 2;
  if (spec.mtime !== undefined) flags |= 4;
  const mtime = spec.mtime ?? 0;
  return (w) =>
    w
      .path(path)
      .u32(spec.mode)
      .u32(spec.major ?? 0)
      .u32(spec.minor ?? 0)
      .u32(flags)
      .u32(spec.uid ?? 0)
      .u32(spec.gid ?? 0)
      .time(spec.atime ?? mtime)
      .time(mtime);
}

/**
 * Fire-and-forget requests for one job (a layer apply): no promise per
 * request; the first failure is kept (later ones are usually its echoes) and
 * thrown by drain(). Requests run in the order they are issued.
 */
export class FsBatch {
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private readonly fs: FsUtil;
  /** The first failure, if any. */
  error: Error | undefined;

  constructor(fs: FsUtil) {
    this.fs = fs;
  }

  private readonly done: Callback = (err) => {
    if (err && !this.error) this.error = err;
    this.settle();
  };

  private settle(): void {
    if (--this.outstanding === 0 && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  private send(op: Op, max: number, fill: Fill, path: string | undefined, cb: Callback = this.done): void {
    try {
      this.fs.send(op, max, fill, path, cb);
      this.outstanding++;
    } catch (err) {
      this.error ??= err instanceof Error ? err : new Error(String(err));
    }
  }

  /** No request of this batch is waiting for an answer. */
  get idle(): boolean {
    return this.outstanding === 0;
  }

  /** Waits for every request of the batch; throws the first failure. */
  async drain(): Promise<void> {
    if (this.outstanding > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.error) throw this.error;
  }

  /** A fresh handle for create() of a file written over several requests. */
  allocHandle(): number {
    return this.fs.allocHandle();
  }

  /** Bounds the bytes queued to the helper (all users together). */
  waitForRoom(limit: number): Promise<void> {
    return this.fs.waitForRoom(limit);
  }

  /**
   * Creates `path` (O_EXCL, never following a symlink) with `data`. With
   * `handle`, the file stays open for write()/finish(); otherwise owner, mode
   * and times are set and it is closed at once. `ownerIsCreator` says the file
   * would get meta.uid/gid anyway (root creating a root-owned file in a
   * directory without set-group-ID), which saves two system calls.
   */
  create(path: string, meta: FileMeta, data: Uint8Array, handle?: number, opts: { ownerIsCreator?: boolean } = {}): void {
    const h = handle ?? 0;
    // 1: more data follows; 2: the creator's uid/gid are right and mode has no special bits:
    // create with the final mode and skip fchown/fchmod.
    const flags = (handle === undefined ? 0 : 1) | (opts.ownerIsCreator && (meta.mode & 0o7000) === 0 ? 2 : 0);
    this.send(Op.Create, room([path]), (w) => w.u32(h).path(path).meta(meta).u32(flags).tail(data), path);
  }

  write(handle: number, data: Uint8Array, path?: string): void {
    this.send(Op.Write, 16, (w) => w.u32(handle).tail(data), path);
  }

  finish(handle: number, path?: string): void {
    this.send(Op.Finish, 16, (w) => w.u32(handle), path);
  }

  /** Closes an open handle without setting metadata (cleanup after a failure). */
  abort(handle: number): void {
    this.send(Op.Abort, 16, (w) => w.u32(handle), undefined, () => this.settle());
  }

  /** mkdir (or reuse an existing directory when `merge`), lchown, chmod; times only with `times`. */
  mkdir(path: string, meta: FileMeta, opts: { merge?: boolean; times?: boolean } = {}): void {
    const flags = (opts.merge ? 1 : 0) | (opts.times ? 2 : 0);
    this.send(Op.Mkdir, room([path]), (w) => w.path(path).meta(meta).u32(flags), path);
  }

  symlink(target: string, path: string, meta: FileMeta): void {
    this.send(Op.Symlink, room([target, path]), (w) => w.str(target, 'symlink target').path(path).meta(meta), path);
  }

  /** link(oldPath, newPath) without following oldPath, lchown; chmod and times when `modeAndTimes`. */
  link(oldPath: string, newPath: string, meta: FileMeta, modeAndTimes: boolean): void {
    this.send(Op.Link, room([oldPath, newPath]), (w) => w.path(oldPath).path(newPath).meta(meta).u32(modeAndTimes ? 1 : 0), newPath);
  }

  mknod(path: string, spec: MknodSpec): void {
    this.send(Op.Mknod, room([path]), mknodFill(path, spec), path);
  }

  /** Sets times without following a final symlink. */
  utimes(path: string, atime: number, mtime: number): void {
    this.send(Op.Utimes, room([path]), (w) => w.path(path).time(atime).time(mtime), path);
  }

  /** lsetxattr; failures whose code `ignore` accepts do not fail the batch. */
  lsetxattr(path: string, name: string, value: Uint8Array, ignore?: (code: string | undefined, err: Error) => boolean): void {
    this.send(
      Op.Lsetxattr,
      room([path, name], value.byteLength),
      (w) => w.path(path).str(name, 'xattr name').bytes(value).u32(0),
      path,
      ignore
        ? (err, body) => {
            if (err && ignore(errnoCode(err), err)) this.done(null, body);
            else this.done(err, body);
          }
        : this.done,
    );
  }
}
