/**
 * Reading image archives (`docker load`): one streaming pass over a tar
 * (plain, gzip or zstd, detected by magic) puts every file that may be a blob
 * into the content store under a lease, checking the digest of files named
 * `blobs/sha256/<hex>` as they arrive, and keeps the small metadata files in
 * memory; then the archive is interpreted as an OCI layout (`index.json` +
 * `oci-layout`), a Docker 1.10+ archive (`manifest.json`) or a legacy one
 * (`repositories` + `<id>/json` chains), every reference checked. This module
 * owns that pass and those three interpretations; it applies no layers (the
 * image store does, comparing the diff IDs it computes with the config's).
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { decompress, detectCompression } from '../layers/compression.js';
import { digestLayer } from '../layers/apply.js';
import tarStream from 'tar-stream';
import type { Extract } from 'tar-stream';
import { BerthError, cancelled, invalidArgument, isKind, messageOf, notImplemented } from '../../errdefs/index.js';
import type { ContentStore, Lease } from '../content/index.js';
import { isDigest } from '../content/index.js';
import { historyFromV1, makeConfigFromV1, type LegacyHistory, type V1Image } from './legacy.js';
import {
  Annotations,
  DEFAULT_PLATFORM,
  isIndexMediaType,
  isManifestMediaType,
  layerCompression,
  ociLayerMediaType,
  parseImageConfig,
  parseIndex,
  parseManifest,
  selectPlatformManifest,
  unknownMediaType,
  type Descriptor,
  type ImageConfig,
  type LayerCompression,
  type Platform,
} from './model.js';
import { parseNormalizedNamed, referenceString, tagNameOnly } from './reference.js';

// ---- public types ------------------------------------------------------------

export interface ArchiveLayer {
  /** Digest of the layer blob as stored (compressed or not). */
  digest: string;
  /** OCI or Docker layer media type; for Docker archives, chosen from the blob's magic bytes. */
  mediaType: string;
  size: number;
}

export interface ArchiveImage {
  /** The image ID: digest of the config blob. */
  configDigest: string;
  layers: ArchiveLayer[];
  /** Normalized tagged references (`docker.io/library/busybox:latest`), without duplicates. */
  repoTags: string[];
  /** The config's rootfs.diff_ids (as many as layers). */
  diffIds: string[];
  /** The image manifest's digest, for OCI archives. */
  manifestDigest?: string;
}

export type ArchiveFormat = 'oci' | 'docker' | 'legacy';

export interface ArchiveProgress {
  /** Path of the archive entry just stored. */
  path: string;
  size: number;
  /** Its digest, for entries stored as blobs. */
  digest?: string;
}

export interface ReadArchiveOptions {
  /** Lease to hold the blobs; by default a new one is created (and released if reading fails). */
  lease?: Lease;
  /** Platform to choose in multi-platform indexes (default linux/amd64). */
  platform?: Platform;
  signal?: AbortSignal;
  /** Largest metadata file (manifest.json, index.json, repositories, `<id>/json`) read into memory; default 16 MiB. */
  maxMetadataSize?: number;
  /** Called after each file is stored (for progress output). */
  onProgress?: (p: ArchiveProgress) => void;
}

export interface ReadArchiveResult {
  images: ArchiveImage[];
  /** Holds every blob the archive brought; release it once the images are recorded. */
  lease: Lease;
  format: ArchiveFormat;
}

// ---- constants -----------------------------------------------------------------

const MANIFEST_JSON = 'manifest.json';
const INDEX_JSON = 'index.json';
const OCI_LAYOUT = 'oci-layout';
const REPOSITORIES = 'repositories';
const OCI_LAYOUT_VERSION = '1.0.0';
const DEFAULT_MAX_METADATA = 16 * 1024 * 1024;
const MAX_JSON_BLOB = 32 * 1024 * 1024;
const MAX_LINK_HOPS = 32;
const MAX_INDEX_DEPTH = 8;
const BLOB_PATH_RE = /^blobs\/sha256\/([0-9a-f]{64})$/;
const HEX_ID_RE = /^[a-f0-9]{64}$/;

type Compression = LayerCompression | 'xz' | 'bzip2';


function bad(msg: string, cause?: unknown): BerthError {
  return invalidArgument(`invalid archive: ${msg}`, cause);
}


// ---- the archive's files -------------------------------------------------------

type StoredFile =
  | { kind: 'blob'; digest: string; size: number; compression: Compression }
  | { kind: 'meta'; data: Buffer }
  | { kind: 'link'; target: string };

type Resolved = { path: string; file: Exclude<StoredFile, { kind: 'link' }> };

class ArchiveFiles {
  readonly files = new Map<string, StoredFile>();

  has(path: string): boolean {
    return this.resolve(path) !== undefined;
  }

  /** Follows symlinks and hard links to a stored file. */
  resolve(path: string): Resolved | undefined {
    let p = path;
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const f = this.files.get(p);
      if (!f) return undefined;
      if (f.kind !== 'link') return { path: p, file: f };
      p = f.target;
    }
    throw bad(`too many levels of links at ${JSON.stringify(path)}`);
  }

  meta(path: string): Buffer | undefined {
    const r = this.resolve(path);
    if (!r) return undefined;
    if (r.file.kind !== 'meta') throw bad(`${path} is not a metadata file`);
    return r.file.data;
  }

  /** A stored blob; `where` names what referenced it, for the error when it is missing. */
  blob(path: string, where: string): { digest: string; size: number; compression: Compression } {
    const r = this.resolve(path);
    if (!r) throw bad(`${where}: file ${JSON.stringify(path)} is missing`);
    if (r.file.kind !== 'blob') throw bad(`${where}: ${JSON.stringify(path)} is not a blob`);
    return r.file;
  }
}

/** Cleans a tar entry name; `..` components and absolute paths are refused. '' for the root. */
function entryPath(name: string): string {
  if (name.includes('\0')) throw bad(`entry name ${JSON.stringify(name)} contains a NUL byte`);
  if (name.startsWith('/')) throw bad(`entry ${JSON.stringify(name)} has an absolute path`);
  const parts = name.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw bad(`entry ${JSON.stringify(name)} has a ".." path component`);
  return parts.join('/');
}

/** A path named inside the archive's metadata, relative to its root; escaping it is refused. */
function referencedPath(p: unknown, where: string): string {
  if (typeof p !== 'string' || p === '') throw bad(`${where}: expected a path, got ${JSON.stringify(p)}`);
  if (p.includes('\0') || p.startsWith('/')) throw bad(`${where}: invalid path ${JSON.stringify(p)}`);
  const n = posix.normalize(p);
  if (n === '..' || n.startsWith('../')) throw bad(`${where}: path ${JSON.stringify(p)} points outside the archive`);
  return n === '.' ? '' : n.replace(/\/$/, '');
}

function isMetadataPath(p: string): boolean {
  if (p === MANIFEST_JSON || p === INDEX_JSON || p === OCI_LAYOUT || p === REPOSITORIES) return true;
  return /^[^/]+\/(json|VERSION)$/.test(p);
}

// ---- streaming pass --------------------------------------------------------------

interface Input {
  bytes: AsyncIterable<Buffer>;
  destroy(err?: Error): void;
}

/**
 * The archive's bytes, decompressed (gzip, zstd or plain, detected by magic
 * bytes with the layer store's decompressor); xz and bzip2 archives are refused.
 */
async function openInput(input: Readable | AsyncIterable<Uint8Array>): Promise<Input> {
  const { compression, stream } = await decompress(input);
  const it = stream[Symbol.asyncIterator]();
  const destroyInput = () => {
    void it.return?.();
    if (input instanceof Readable) input.destroy();
  };
  if (compression === 'xz' || compression === 'bzip2') {
    destroyInput();
    throw notImplemented(`${compression}-compressed image archives are not supported (use gzip, zstd or a plain tar)`);
  }
  return {
    bytes: (async function* () {
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      } catch (err) {
        if (err instanceof BerthError && compression === 'none') throw err;
        throw bad(`${compression === 'none' ? 'archive' : compression} stream: ${messageOf(err)}`, err);
      }
    })(),
    destroy: () => destroyInput(),
  };
}

/** An entry of the extractor (tar-stream does not export its type). */
type Entry = Extract extends AsyncIterable<infer S> ? S : never;

function waitDrain(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

async function drain(entry: Entry): Promise<void> {
  for await (const _ of entry) {
    // discard
  }
}

async function readLimited(entry: Entry, path: string, max: number): Promise<Buffer> {
  const size = entry.header.size ?? 0;
  if (size > max) throw bad(`${path} is too large (${size} bytes, at most ${max})`);
  const parts: Buffer[] = [];
  for await (const chunk of entry) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function storeEntry(entry: Entry, path: string, store: ContentStore, lease: Lease): Promise<StoredFile> {
  const size = entry.header.size ?? 0;
  const m = BLOB_PATH_RE.exec(path);
  const expected = m ? { digest: `sha256:${m[1]}`, size } : { size };
  let head = Buffer.alloc(0);
  async function* tap(): AsyncGenerator<Buffer> {
    for await (const c of entry) {
      const chunk = c as Buffer;
      if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
      yield chunk;
    }
  }
  try {
    const r = await store.putStream(tap(), { lease, expected });
    return { kind: 'blob', digest: r.digest, size: r.size, compression: detectCompression(head) };
  } catch (err) {
    // The store's size/digest checks name the entry; a failure of the stream itself is reported as is.
    if (err instanceof BerthError && err.kind === 'invalid-argument' && !err.message.startsWith('invalid archive:')) {
      throw bad(`${path}: ${err.message.replace(/^(commit|put) [^:]*: /, '')}`, err);
    }
    throw err;
  }
}

/** The single pass over the tar. */
async function ingest(
  input: Readable | AsyncIterable<Uint8Array>,
  store: ContentStore,
  lease: Lease,
  opts: ReadArchiveOptions,
): Promise<ArchiveFiles> {
  const files = new ArchiveFiles();
  const maxMeta = opts.maxMetadataSize ?? DEFAULT_MAX_METADATA;
  if (opts.signal?.aborted) throw cancelled('image load cancelled');
  const abortOpening = () => {
    if (input instanceof Readable) input.destroy(cancelled('image load cancelled'));
  };
  opts.signal?.addEventListener('abort', abortOpening, { once: true });
  let src: Input;
  try {
    src = await openInput(input);
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled('image load cancelled');
    if (err instanceof BerthError) throw err;
    throw bad(`reading the archive: ${messageOf(err)}`, err);
  } finally {
    opts.signal?.removeEventListener('abort', abortOpening);
  }
  const extract = tarStream.extract();
  // The parser's own error (truncation, bad header): entry streams only report "destroyed".
  let tarError: unknown;
  extract.on('error', (err: unknown) => {
    tarError ??= err;
  });
  let aborted: BerthError | undefined;
  const onAbort = () => {
    aborted = cancelled('image load cancelled');
    extract.destroy(aborted);
    src.destroy(aborted);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const feeding = (async () => {
    try {
      for await (const chunk of src.bytes) {
        if (extract.destroyed) return;
        if (!extract.write(chunk)) await waitDrain(extract);
      }
      if (!extract.destroyed) extract.end(undefined);
    } catch (err) {
      extract.destroy(err as Error);
    }
  })();

  try {
    for await (const entry of extract) {
      const h = entry.header;
      const path = entryPath(h.name);
      const type = h.type ?? 'file';
      if (path === '') {
        await drain(entry);
        continue;
      }
      if (type === 'file' || type === 'contiguous-file') {
        if (isMetadataPath(path)) {
          const data = await readLimited(entry, path, maxMeta);
          files.files.set(path, { kind: 'meta', data });
          opts.onProgress?.({ path, size: data.length });
        } else {
          const f = await storeEntry(entry, path, store, lease);
          files.files.set(path, f);
          if (f.kind === 'blob') opts.onProgress?.({ path, size: f.size, digest: f.digest });
        }
      } else if (type === 'symlink') {
        const target = h.linkname ?? '';
        if (target.startsWith('/')) throw bad(`symlink ${JSON.stringify(path)} has an absolute target`);
        const resolved = posix.normalize(posix.join(posix.dirname(path), target));
        if (resolved === '..' || resolved.startsWith('../')) throw bad(`symlink ${JSON.stringify(path)} points outside the archive`);
        files.files.set(path, { kind: 'link', target: resolved.replace(/\/$/, '') });
        await drain(entry);
      } else if (type === 'link') {
        files.files.set(path, { kind: 'link', target: entryPath(h.linkname ?? '') });
        await drain(entry);
      } else {
        // Directories, devices, fifos: nothing an image archive needs.
        await drain(entry);
      }
    }
    await feeding;
    if (aborted) throw aborted;
    return files;
  } catch (err) {
    extract.destroy();
    src.destroy();
    await feeding;
    if (!extract.destroyed) await new Promise<void>((resolve) => extract.once('close', () => resolve()));
    if (aborted) throw aborted;
    if (err instanceof BerthError) throw err;
    const cause = tarError ?? err;
    if (cause instanceof BerthError) throw cause;
    throw bad(tarMessage(cause), cause);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function tarMessage(err: unknown): string {
  const m = messageOf(err);
  if (m === 'Unexpected end of data') return 'unexpected end of data: the tar is truncated';
  return m.startsWith('Invalid tar header') ? `not a tar archive or a corrupt one (${m})` : m;
}

// ---- interpretation helpers --------------------------------------------------------

function parseJson(data: Buffer, where: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw bad(`${where}: ${messageOf(err)}`, err);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Prefixes validation errors from model.ts with where they happened. */
function within<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BerthError && err.kind === 'invalid-argument' && !err.message.startsWith('invalid archive:')) {
      throw bad(`${where}: ${err.message}`, err);
    }
    throw err;
  }
}

async function readConfig(store: ContentStore, digest: string, where: string): Promise<ImageConfig> {
  const data = await store.readAll(digest, { maxSize: MAX_JSON_BLOB });
  const config = within(where, () => parseImageConfig(data));
  // Docker's load refuses images of another OS (image/tarexport: checkCompatibleOS).
  if (config.os !== '' && config.os !== 'linux') throw bad(`${where}: cannot load ${config.os} image on linux`);
  return config;
}

function checkLayerCount(config: ImageConfig, layers: number, where: string): void {
  const n = config.rootfs.diff_ids.length;
  if (n !== layers) throw bad(`${where}: invalid manifest, layers length mismatch: expected ${layers}, got ${n}`);
}

/** For an uncompressed layer the blob digest is the diff ID: a cheap early check of both. */
function checkUncompressed(layer: ArchiveLayer, compression: Compression, diffId: string, where: string): void {
  if (compression === 'none' && layer.digest !== diffId) {
    throw bad(`${where}: uncompressed layer ${layer.digest} does not match the config's diff ID ${diffId}`);
  }
}

class ImageList {
  private readonly byKey = new Map<string, ArchiveImage>();
  readonly images: ArchiveImage[] = [];

  add(key: string, image: ArchiveImage): void {
    const existing = this.byKey.get(key);
    if (existing) {
      for (const t of image.repoTags) if (!existing.repoTags.includes(t)) existing.repoTags.push(t);
      return;
    }
    this.byKey.set(key, image);
    this.images.push(image);
  }

  byConfig(configDigest: string): ArchiveImage | undefined {
    return this.images.find((i) => i.configDigest === configDigest);
  }
}

function imageKey(configDigest: string, layers: ArchiveLayer[]): string {
  return [configDigest, ...layers.map((l) => l.digest)].join(' ');
}

/** A tag for the image store: normalized, `latest` when none; undefined for a digest-only name. */
function normalizeTag(name: string): string | undefined {
  const ref = tagNameOnly(parseNormalizedNamed(name));
  if (ref.tag === undefined) return undefined;
  return referenceString({ domain: ref.domain, path: ref.path, tag: ref.tag });
}

// ---- OCI layout ----------------------------------------------------------------------

class OciReader {
  private readonly files: ArchiveFiles;
  private readonly store: ContentStore;
  private readonly platform: Platform;
  readonly out = new ImageList();

  constructor(files: ArchiveFiles, store: ContentStore, platform: Platform) {
    this.files = files;
    this.store = store;
    this.platform = platform;
  }

  /** The blob a descriptor names: present, of the stated size and digest. */
  private blobFor(d: Descriptor, where: string): { digest: string; size: number; compression: Compression } {
    if (!isDigest(d.digest)) throw bad(`${where}: unsupported digest ${JSON.stringify(d.digest)}`);
    const path = `blobs/sha256/${d.digest.slice('sha256:'.length)}`;
    const b = this.files.blob(path, where);
    if (b.digest !== d.digest) throw bad(`${where}: ${path} has digest ${b.digest}, expected ${d.digest}`);
    if (b.size !== d.size) throw bad(`${where}: ${path} is ${b.size} bytes, the descriptor says ${d.size}`);
    return b;
  }

  async read(): Promise<void> {
    const layout = this.files.meta(OCI_LAYOUT);
    if (layout) {
      const l = parseJson(layout, OCI_LAYOUT);
      const version = isObject(l) ? l['imageLayoutVersion'] : undefined;
      if (version !== OCI_LAYOUT_VERSION) throw bad(`${OCI_LAYOUT}: unsupported OCI layout version ${JSON.stringify(version)}`);
    }
    const data = this.files.meta(INDEX_JSON) as Buffer;
    const index = within(INDEX_JSON, () => parseIndex(data));
    for (const [i, d] of index.manifests.entries()) {
      const where = `${INDEX_JSON} manifests[${i}]`;
      const tags = this.tagsOf(d);
      await this.visit(d, tags, where, 0);
    }
  }

  /** Tags named by an index.json entry: containerd's full name first, else the OCI ref name. */
  private tagsOf(d: Descriptor): string[] {
    const name = d.annotations?.[Annotations.ImageName] || d.annotations?.[Annotations.RefName];
    if (!name) return [];
    try {
      const tag = normalizeTag(name);
      return tag ? [tag] : [];
    } catch {
      // A name Docker cannot parse leaves the image untagged (as Docker's containerd-based load does).
      return [];
    }
  }

  private async visit(d: Descriptor, tags: string[], where: string, depth: number): Promise<void> {
    if (depth > MAX_INDEX_DEPTH) throw bad(`${where}: indexes nested too deeply`);
    if (isIndexMediaType(d.mediaType)) {
      const b = this.blobFor(d, where);
      const data = await this.store.readAll(b.digest, { maxSize: MAX_JSON_BLOB });
      const index = within(where, () => parseIndex(data, d.mediaType));
      let chosen: Descriptor;
      try {
        chosen = selectPlatformManifest(index, this.platform);
      } catch (err) {
        if (isKind(err, 'not-found')) throw bad(`${where} (${d.digest}): ${messageOf(err)}`, err);
        throw err;
      }
      const pos = index.manifests.indexOf(chosen);
      await this.visit(chosen, tags, `${where} → manifests[${pos}]`, depth + 1);
      return;
    }
    if (!isManifestMediaType(d.mediaType)) throw bad(unknownMediaType(d.mediaType, where).message);
    const b = this.blobFor(d, where);
    const data = await this.store.readAll(b.digest, { maxSize: MAX_JSON_BLOB });
    const manifest = within(`manifest ${d.digest}`, () => parseManifest(data, d.mediaType));
    const cfgWhere = `manifest ${d.digest} config`;
    const cfg = this.blobFor(manifest.config, cfgWhere);
    const config = await readConfig(this.store, cfg.digest, cfgWhere);
    checkLayerCount(config, manifest.layers.length, `manifest ${d.digest}`);
    const layers: ArchiveLayer[] = manifest.layers.map((l, i) => {
      const lw = `manifest ${d.digest} layers[${i}]`;
      const compression = layerCompression(l.mediaType, lw);
      const blob = this.blobFor(l, lw);
      const layer = { digest: blob.digest, mediaType: l.mediaType, size: blob.size };
      checkUncompressed(layer, compression, config.rootfs.diff_ids[i] as string, lw);
      return layer;
    });
    this.out.add(d.digest, {
      configDigest: cfg.digest,
      layers,
      repoTags: [...tags],
      diffIds: [...config.rootfs.diff_ids],
      manifestDigest: d.digest,
    });
  }
}

// ---- Docker manifest.json --------------------------------------------------------------

const CONFIG_NAME_RE = /^(?:sha256:)?([a-f0-9]{64})(?:\.json)?$/;

function layerTypeFor(compression: Compression, where: string): string {
  if (compression === 'xz' || compression === 'bzip2') throw notImplemented(`${where}: ${compression}-compressed layers are not supported`);
  return ociLayerMediaType(compression);
}

async function readDockerManifest(files: ArchiveFiles, store: ContentStore, out: ImageList): Promise<void> {
  const items = parseJson(files.meta(MANIFEST_JSON) as Buffer, MANIFEST_JSON);
  if (!Array.isArray(items)) throw bad(`${MANIFEST_JSON}: expected an array`);
  for (const [i, item] of items.entries()) {
    const where = `${MANIFEST_JSON}[${i}]`;
    if (!isObject(item)) throw bad(`${where}: expected an object`);
    const configPath = referencedPath(item['Config'], `${where}.Config`);
    const cfg = files.blob(configPath, `${where}.Config`);
    const named = CONFIG_NAME_RE.exec(posix.basename(configPath)) ?? BLOB_PATH_RE.exec(configPath);
    if (named && cfg.digest !== `sha256:${named[1]}`) {
      throw bad(`${where}.Config: ${configPath} has digest ${cfg.digest}, which its name contradicts`);
    }
    const config = await readConfig(store, cfg.digest, `${where}.Config`);

    const layerPaths = item['Layers'] ?? [];
    if (!Array.isArray(layerPaths)) throw bad(`${where}.Layers: expected an array of paths`);
    checkLayerCount(config, layerPaths.length, where);
    const layers = layerPaths.map((p, j) => {
      const lw = `${where}.Layers[${j}]`;
      const blob = files.blob(referencedPath(p, lw), lw);
      const layer = { digest: blob.digest, mediaType: layerTypeFor(blob.compression, lw), size: blob.size };
      checkUncompressed(layer, blob.compression, config.rootfs.diff_ids[j] as string, lw);
      return layer;
    });

    const rawTags = item['RepoTags'] ?? [];
    if (!Array.isArray(rawTags)) throw bad(`${where}.RepoTags: expected an array of strings`);
    const repoTags: string[] = [];
    for (const t of rawTags) {
      if (typeof t !== 'string') throw bad(`${where}.RepoTags: expected an array of strings`);
      // As Docker: each must parse and carry a tag (image/tarexport/load.go).
      const ref = within(`${where}.RepoTags`, () => parseNormalizedNamed(t));
      if (ref.tag === undefined || ref.digest !== undefined) throw bad(`${where}.RepoTags: invalid tag ${JSON.stringify(t)}`);
      const s = referenceString(ref);
      if (!repoTags.includes(s)) repoTags.push(s);
    }
    out.add(imageKey(cfg.digest, layers), { configDigest: cfg.digest, layers, repoTags, diffIds: [...config.rootfs.diff_ids] });
  }
}

// ---- legacy (pre-1.10) archives ------------------------------------------------------------

interface LegacyLayer {
  v1Text: string;
  v1: V1Image;
  layer: ArchiveLayer;
  diffId: string;
}

/** The diff ID of a stored layer: its digest when uncompressed, else the digest of its decompressed bytes. */
async function diffIdOf(store: ContentStore, digest: string, compression: Compression, where: string): Promise<string> {
  if (compression === 'none') return digest;
  try {
    return (await digestLayer(await store.readStream(digest))).diffId;
  } catch (err) {
    throw bad(`${where}: ${compression} stream: ${messageOf(err)}`, err);
  }
}

async function readLegacy(files: ArchiveFiles, store: ContentStore, lease: Lease, out: ImageList): Promise<void> {
  const repos = parseJson(files.meta(REPOSITORIES) as Buffer, REPOSITORIES);
  if (!isObject(repos)) throw bad(`${REPOSITORIES}: expected an object`);
  const layerCache = new Map<string, LegacyLayer>();

  const loadLayer = async (id: string): Promise<LegacyLayer> => {
    const cached = layerCache.get(id);
    if (cached) return cached;
    const where = `legacy image ${id}`;
    const text = files.meta(`${id}/json`);
    if (!text) throw bad(`${where}: ${id}/json is missing`);
    const v1 = parseJson(text, `${id}/json`);
    if (!isObject(v1)) throw bad(`${id}/json: expected an object`);
    const parent = v1['parent'];
    if (parent !== undefined && parent !== '' && (typeof parent !== 'string' || !HEX_ID_RE.test(parent))) {
      throw bad(`${id}/json: invalid parent ${JSON.stringify(parent)}`);
    }
    const os = v1['os'];
    if (os !== undefined && os !== '' && os !== 'linux') throw bad(`${where}: cannot load ${String(os)} image on linux`);
    const blob = files.blob(`${id}/layer.tar`, where);
    const diffId = await diffIdOf(store, blob.digest, blob.compression, `${id}/layer.tar`);
    const l: LegacyLayer = {
      v1Text: text.toString('utf8'),
      v1: v1 as V1Image,
      layer: { digest: blob.digest, mediaType: layerTypeFor(blob.compression, `${id}/layer.tar`), size: blob.size },
      diffId,
    };
    layerCache.set(id, l);
    return l;
  };

  const chainOf = async (top: string): Promise<LegacyLayer[]> => {
    const chain: LegacyLayer[] = [];
    const seen = new Set<string>();
    let id: string | undefined = top;
    while (id) {
      if (seen.has(id)) throw bad(`legacy image ${top}: parent chain loops at ${id}`);
      seen.add(id);
      const l = await loadLayer(id);
      chain.unshift(l);
      id = l.v1.parent || undefined;
    }
    return chain;
  };

  const configs = new Map<string, ArchiveImage>();
  for (const [name, tags] of Object.entries(repos)) {
    if (!isObject(tags)) throw bad(`${REPOSITORIES}: ${JSON.stringify(name)}: expected an object of tags`);
    const repo = within(REPOSITORIES, () => parseNormalizedNamed(name));
    if (repo.tag !== undefined || repo.digest !== undefined) throw bad(`${REPOSITORIES}: invalid repository name ${JSON.stringify(name)}`);
    for (const [tag, id] of Object.entries(tags)) {
      if (typeof id !== 'string' || !HEX_ID_RE.test(id)) throw bad(`${REPOSITORIES}: image ID ${JSON.stringify(id)} is invalid`);
      const tagged = within(REPOSITORIES, () => parseNormalizedNamed(`${name}:${tag}`));
      const repoTag = referenceString(tagged);
      let image = configs.get(id);
      if (!image) {
        const chain = await chainOf(id);
        const diffIds: string[] = [];
        const history: LegacyHistory[] = [];
        for (const l of chain) {
          diffIds.push(l.diffId);
          history.push(within(`${l.layer.digest}`, () => historyFromV1(l.v1)));
        }
        const top = chain.at(-1) as LegacyLayer;
        const configText = within(`${id}/json`, () => makeConfigFromV1(top.v1Text, diffIds, history));
        within(`${id}/json`, () => parseImageConfig(configText));
        const put = await store.put(configText, { lease });
        image = { configDigest: put.digest, layers: chain.map((l) => l.layer), repoTags: [], diffIds };
        configs.set(id, image);
        out.add(id, image);
      }
      if (!image.repoTags.includes(repoTag)) image.repoTags.push(repoTag);
    }
  }
}

// ---- entry point ------------------------------------------------------------------------------

/**
 * Reads an image archive (`docker save` output of any Docker version, an OCI
 * layout archive such as skopeo's `oci-archive`, plain or gzip/zstd
 * compressed) from `input`, storing every blob in `store` as it streams.
 * Returns the images found and the lease holding their blobs. Bad input is an
 * invalid-argument error; blobs already written then stay only under the
 * lease, which is released when this function created it (a caller-supplied
 * lease is the caller's to release).
 */
export async function readImageArchive(
  input: Readable | AsyncIterable<Uint8Array>,
  store: ContentStore,
  opts: ReadArchiveOptions = {},
): Promise<ReadArchiveResult> {
  const ownLease = opts.lease === undefined;
  const lease = opts.lease ?? store.createLease();
  try {
    const files = await ingest(input, store, lease, opts);
    const out = new ImageList();
    let format: ArchiveFormat;
    const hasIndex = files.has(INDEX_JSON);
    const hasManifest = files.has(MANIFEST_JSON);
    if (hasIndex && (files.has(OCI_LAYOUT) || !hasManifest)) {
      format = 'oci';
      const oci = new OciReader(files, store, opts.platform ?? DEFAULT_PLATFORM);
      await oci.read();
      for (const img of oci.out.images) out.add(img.manifestDigest ?? img.configDigest, img);
      if (hasManifest) {
        // Docker 25+ writes both; its index.json leaves out untagged images, manifest.json does not.
        const docker = new ImageList();
        await readDockerManifest(files, store, docker);
        for (const img of docker.images) {
          const same = out.images.find((o) => imageKey(o.configDigest, o.layers) === imageKey(img.configDigest, img.layers));
          if (same) {
            for (const t of img.repoTags) if (!same.repoTags.includes(t)) same.repoTags.push(t);
          } else if (!out.byConfig(img.configDigest)) {
            out.add(imageKey(img.configDigest, img.layers), img);
          }
        }
      }
    } else if (hasManifest) {
      format = 'docker';
      await readDockerManifest(files, store, out);
    } else if (files.has(REPOSITORIES)) {
      format = 'legacy';
      await readLegacy(files, store, lease, out);
    } else {
      throw bad('no index.json, manifest.json or repositories file: not an image archive');
    }
    return { images: out.images, lease, format };
  } catch (err) {
    if (ownLease) lease.release();
    throw err;
  }
}
