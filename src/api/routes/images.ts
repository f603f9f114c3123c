/**
 * Image routes: list, inspect, history, tag, remove, prune, load, save
 * (`get`), import (`create` with fromSrc), and the images part of
 * `/system/df`. Handlers translate between Docker's JSON shapes and the image
 * store; pulling (`create` with fromImage) belongs to the registry work and
 * answers 501 until then.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { RouteDef } from '../server.js';
import { queryBool, sendJson, versionAtLeast, type RequestContext } from '../context.js';
import { JsonStream } from '../streams.js';
import { Filters } from '../../engine/filters.js';
import type { ImageStore, ImageRecord } from '../../engine/images/store.js';
import { untilNanos } from '../../engine/images/store.js';
import { applyChanges } from '../../engine/images/changes.js';
import { parseNormalizedNamed, tagNameOnly, referenceString, withTag } from '../../engine/images/reference.js';
import { strSlice, type ImageConfig, type ContainerConfig } from '../../engine/images/model.js';
import { invalidArgument, notImplemented, unavailable } from '../../errdefs/index.js';
import { http, https } from '../../lib/nodehttp.js';

function images(ctx: RequestContext): ImageStore {
  const s = ctx.engine.images;
  if (!s) throw unavailable('the image store is not ready');
  return s;
}

function createdSeconds(created: string): number {
  const ms = Date.parse(created);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Go's path.Match, as Docker's reference filter uses it: `*` and `?` stop at `/`. */
export function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      re += `[${cls.replace(/\\(?!\\)/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$').test(s);
  } catch {
    return false;
  }
}

/** Docker's FamiliarMatch: a pattern against `name:tag` and against `name`. */
function referenceMatches(pattern: string, familiar: string): boolean {
  if (globMatch(pattern, familiar)) return true;
  const at = familiar.indexOf('@');
  const base = at >= 0 ? familiar.slice(0, at) : familiar;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  const name = colon > slash ? base.slice(0, colon) : base;
  return globMatch(pattern, name);
}

async function summary(ctx: RequestContext, store: ImageStore, img: ImageRecord, containers: number): Promise<Record<string, unknown>> {
  const cfg = await store.config(img.id);
  const o: Record<string, unknown> = {
    Id: img.id,
    ParentId: img.parent ?? '',
    RepoTags: store.repoTags(img.id),
    RepoDigests: store.repoDigests(img.id),
    Created: createdSeconds(img.created),
    Size: img.size,
    SharedSize: -1,
    Labels: cfg.config?.Labels ?? {},
    Containers: containers,
  };
  if (!versionAtLeast(ctx, '1.44')) o.VirtualSize = img.size;
  return o;
}

async function list(ctx: RequestContext): Promise<void> {
  const store = images(ctx);
  const f = Filters.parse(ctx.query.get('filters')).validate(['before', 'dangling', 'label', 'reference', 'since', 'until']);
  const all = queryBool(ctx.query, 'all');
  const dangling = f.bool('dangling');
  const before = f.has('before') ? f.values('before').map((n) => store.resolve(n).created) : [];
  const since = f.has('since') ? f.values('since').map((n) => store.resolve(n).created) : [];
  const until = f.has('until') ? untilNanos(f.values('until')) : undefined;
  const hasChildren = new Set(store.list().map((i) => i.parent).filter((p): p is string => !!p));
  const out: Array<Record<string, unknown>> = [];
  const sorted = store.list().sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || a.id.localeCompare(b.id));
  for (const img of sorted) {
    const tags = store.repoTags(img.id);
    const isDangling = tags.length === 0 && store.repoDigests(img.id).length === 0;
    if (dangling === true && !isDangling) continue;
    if (dangling === false && isDangling) continue;
    if (!all && isDangling && hasChildren.has(img.id) && dangling === undefined) continue;
    const created = Date.parse(img.created);
    if (before.some((b) => created >= Date.parse(b))) continue;
    if (since.some((s) => created <= Date.parse(s))) continue;
    if (until !== undefined && BigInt(created) * 1_000_000n >= until) continue;
    const cfg = await store.config(img.id);
    if (!f.matchLabels('label', cfg.config?.Labels ?? {})) continue;
    let s = await summary(ctx, store, img, -1);
    if (f.has('reference')) {
      const refs = [...tags, ...store.repoDigests(img.id)];
      const pats = f.values('reference');
      const kept = refs.filter((r) => pats.some((p) => referenceMatches(p, r)));
      if (kept.length === 0) continue;
      s = { ...s, RepoTags: tags.filter((t) => kept.includes(t)), RepoDigests: store.repoDigests(img.id).filter((d) => kept.includes(d)) };
    }
    out.push(s);
  }
  sendJson(ctx, 200, out);
}

/** The image config's runtime part in Docker's inspect form (every field present). */
function inspectConfig(c: ContainerConfig | null | undefined): Record<string, unknown> {
  const x = c ?? {};
  return {
    Hostname: x.Hostname ?? '',
    Domainname: x.Domainname ?? '',
    User: x.User ?? '',
    AttachStdin: x.AttachStdin ?? false,
    AttachStdout: x.AttachStdout ?? false,
    AttachStderr: x.AttachStderr ?? false,
    ...(x.ExposedPorts ? { ExposedPorts: x.ExposedPorts } : {}),
    Tty: x.Tty ?? false,
    OpenStdin: x.OpenStdin ?? false,
    StdinOnce: x.StdinOnce ?? false,
    Env: x.Env ?? null,
    Cmd: x.Cmd === undefined || x.Cmd === null ? null : strSlice(x.Cmd),
    ...(x.Healthcheck ? { Healthcheck: x.Healthcheck } : {}),
    ...(x.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: x.Image ?? '',
    Volumes: x.Volumes ?? null,
    WorkingDir: x.WorkingDir ?? '',
    Entrypoint: x.Entrypoint === undefined || x.Entrypoint === null ? null : strSlice(x.Entrypoint),
    OnBuild: x.OnBuild ?? null,
    Labels: x.Labels ?? null,
    ...(x.StopSignal ? { StopSignal: x.StopSignal } : {}),
    ...(x.Shell ? { Shell: strSlice(x.Shell) } : {}),
  };
}

export async function inspectImage(ctx: RequestContext, store: ImageStore, img: ImageRecord): Promise<Record<string, unknown>> {
  const cfg: ImageConfig = await store.config(img.id);
  const o: Record<string, unknown> = {
    Id: img.id,
    RepoTags: store.repoTags(img.id),
    RepoDigests: store.repoDigests(img.id),
    Parent: img.parent ?? '',
    Comment: cfg.comment ?? '',
    Created: cfg.created ?? img.created,
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: inspectConfig(cfg.config),
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    ...(cfg['os.version'] ? { OsVersion: cfg['os.version'] } : {}),
    Size: img.size,
    GraphDriver: { Name: 'overlayfs', Data: null },
    RootFS: { Type: cfg.rootfs.type, Layers: cfg.rootfs.diff_ids },
    Metadata: img.lastTagTime ? { LastTagTime: img.lastTagTime } : { LastTagTime: '0001-01-01T00:00:00Z' },
  };
  if (!versionAtLeast(ctx, '1.44')) o.VirtualSize = img.size;
  if (!versionAtLeast(ctx, '1.45')) {
    o.Container = cfg.container ?? '';
    o.ContainerConfig = inspectConfig(cfg.container_config ?? null);
  }
  return o;
}

async function inspect(ctx: RequestContext): Promise<void> {
  const store = images(ctx);
  sendJson(ctx, 200, await inspectImage(ctx, store, store.resolve(ctx.params.name!)));
}

async function history(ctx: RequestContext): Promise<void> {
  const store = images(ctx);
  const img = store.resolve(ctx.params.name!);
  const cfg = await store.config(img.id);
  const items: Array<Record<string, unknown>> = [];
  let layer = 0;
  for (const h of cfg.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const l = img.layers[layer];
      if (!l) throw invalidArgument('too many non-empty layers in History section');
      size = ctx.engine.layers?.has(l.chainId) ? ctx.engine.layers.get(l.chainId).size : 0;
      layer++;
    }
    items.unshift({ Id: '<missing>', Created: h.created ? createdSeconds(h.created) : 0, CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '' });
  }
  // The top entry is this image; the entries below belong to its parents when Berth knows them.
  let id: string | undefined = img.id;
  for (const it of items) {
    if (!id) break;
    const rec = store.tryResolve(id);
    if (!rec) break;
    it.Id = rec.id;
    const tags = store.repoTags(rec.id);
    it.Tags = tags.length ? tags : null;
    id = rec.parent;
  }
  sendJson(ctx, 200, items);
}

async function tag(ctx: RequestContext): Promise<void> {
  const repo = ctx.query.get('repo') ?? '';
  const t = ctx.query.get('tag') ?? '';
  if (!repo) throw invalidArgument('repository name must have at least one component');
  let ref = parseNormalizedNamed(repo);
  if (t) ref = withTag(ref, t);
  await images(ctx).tag(ctx.params.name!, referenceString(tagNameOnly(ref)));
  ctx.res.writeHead(201);
  ctx.res.end();
}

async function remove(ctx: RequestContext): Promise<void> {
  const items = await images(ctx).remove(ctx.params.name!, { force: queryBool(ctx.query, 'force'), noPrune: queryBool(ctx.query, 'noprune') });
  sendJson(ctx, 200, items);
}

async function prune(ctx: RequestContext): Promise<void> {
  const f = Filters.parse(ctx.query.get('filters'));
  const all = f.bool('dangling') === false;
  const { deleted, reclaimed } = await images(ctx).prune({ all, filters: f });
  sendJson(ctx, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

async function load(ctx: RequestContext): Promise<void> {
  const out = new JsonStream(ctx);
  out.start();
  try {
    await images(ctx).load(ctx.req, (m) => out.write({ ...m }), ctx.signal);
  } catch (err) {
    ctx.req.resume();
    out.error(err);
  }
  out.end();
}

async function save(ctx: RequestContext): Promise<void> {
  const names = ctx.params.name !== undefined ? [ctx.params.name] : ctx.query.getAll('names');
  if (names.length === 0) throw invalidArgument('no image names given');
  const stream = await images(ctx).save(names);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(stream, ctx.res);
  } catch (err) {
    ctx.log.warn('image save interrupted', { err: (err as Error).message });
    ctx.res.destroy();
  }
}

/** Fetches an import source given as a URL (`docker import http://…`). */
function fetchSource(url: string, signal: AbortSignal, redirects = 5): Promise<Readable> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidArgument(`invalid import source ${JSON.stringify(url)}: not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalidArgument(`invalid import source ${JSON.stringify(url)}: only http and https URLs are supported`);
  const mod = u.protocol === 'https:' ? https() : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(u, { signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(fetchSource(new URL(res.headers.location, u).toString(), signal, redirects - 1));
      } else if (status !== 200) {
        res.resume();
        reject(invalidArgument(`error downloading ${url}: ${status} ${http.STATUS_CODES[status] ?? ''}`.trim()));
      } else resolve(res);
    });
    req.on('error', (err) => reject(invalidArgument(`error downloading ${url}: ${err.message}`)));
  });
}

function parsePlatform(p: string | null): { os: string; architecture: string; variant?: string } | undefined {
  if (!p) return undefined;
  const [os, architecture, variant] = p.split('/');
  if (os !== 'linux' || !architecture) throw invalidArgument(`invalid platform ${JSON.stringify(p)}: Berth runs linux images`);
  const arch = architecture === 'x86_64' ? 'amd64' : architecture === 'aarch64' ? 'arm64' : architecture;
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch };
}

async function create(ctx: RequestContext): Promise<void> {
  const fromImage = ctx.query.get('fromImage');
  const fromSrc = ctx.query.get('fromSrc');
  if (fromImage && !fromSrc) {
    throw notImplemented(`pulling images from a registry is not implemented by Berth yet (requested ${fromImage}${ctx.query.get('tag') ? ':' + ctx.query.get('tag') : ''}); use berth load, berth import or berth image bootstrap busybox`);
  }
  if (!fromSrc) throw invalidArgument('either fromImage or fromSrc is required');
  const repo = ctx.query.get('repo') ?? '';
  const t = ctx.query.get('tag') ?? '';
  let ref: string | undefined;
  if (repo) {
    let r = parseNormalizedNamed(repo);
    if (t) r = withTag(r, t);
    ref = referenceString(tagNameOnly(r));
  }
  const changes = applyChanges({}, ctx.query.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim() !== ''));
  const platform = parsePlatform(ctx.query.get('platform'));
  const source: Readable = fromSrc === '-' ? ctx.req : await fetchSource(fromSrc, ctx.signal);
  const out = new JsonStream(ctx);
  out.start();
  try {
    const id = await images(ctx).importRootfs(source, {
      ...(ref ? { ref } : {}),
      changes,
      message: ctx.query.get('message') ?? '',
      source: fromSrc === '-' ? '-' : fromSrc,
      ...(platform ? { platform } : {}),
    });
    out.write({ status: id });
  } catch (err) {
    if (fromSrc === '-') ctx.req.resume();
    out.error(err);
  }
  out.end();
}

async function systemDf(ctx: RequestContext): Promise<void> {
  const store = images(ctx);
  const types = new Set(ctx.query.getAll('type'));
  const want = (t: string) => types.size === 0 || types.has(t);
  const body: Record<string, unknown> = {};
  if (want('image')) {
    body.LayersSize = store.layersSize();
    const imgs: Array<Record<string, unknown>> = [];
    for (const img of store.list()) {
      const s = await summary(ctx, store, img, ctx.engine.containers.list().filter((c) => c.Image === img.id).length);
      s.SharedSize = store.sharedSize(img.id);
      imgs.push(s);
    }
    body.Images = imgs;
  }
  if (want('container')) {
    const { summary: containerSummary } = await import('./containers.js');
    const list: Array<Record<string, unknown>> = [];
    for (const c of ctx.engine.containers.list()) {
      const sum = containerSummary(c);
      sum.SizeRw = await ctx.engine.containers.sizeRw(c.ID);
      sum.SizeRootFs = (sum.SizeRw as number) + (store.tryResolve(c.Image)?.size ?? 0);
      list.push(sum);
    }
    body.Containers = list;
  }
  if (want('volume')) body.Volumes = await ctx.engine.volumes.diskUsage();
  if (want('build-cache')) body.BuildCache = [];
  sendJson(ctx, 200, body);
}

export const imageRoutes: RouteDef[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'GET', path: '/images/{name}/json', handler: inspect },
  { method: 'GET', path: '/images/{name}/history', handler: history },
  { method: 'POST', path: '/images/{name}/tag', handler: tag },
  { method: 'DELETE', path: '/images/{name}', handler: remove },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'GET', path: '/images/{name}/get', handler: save },
  { method: 'GET', path: '/images/get', handler: save },
  { method: 'POST', path: '/images/create', handler: create },
  { method: 'GET', path: '/system/df', handler: systemDf },
];

