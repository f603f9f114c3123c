/**
 * Container routes that need no running process: create, list, inspect,
 * rename, remove, prune. Starting, stopping, attaching, logs and exec come with
 * the runtime (runc and berth-shim) and answer 501 until then.
 */
import type { RouteDef } from '../server.js';
import { queryBool, queryInt, sendJson, sendNoContent, versionAtLeast, type RequestContext } from '../context.js';
import { Filters } from '../../engine/filters.js';
import { CONTAINER_FILTERS, type ContainerRecord, type ContainerStore, type HostConfig } from '../../engine/containers/store.js';
import { invalidArgument, unavailable } from '../../errdefs/index.js';
import { familiarString, parseNormalizedNamed } from '../../engine/images/reference.js';
import { humanDuration } from '../../lib/units.js';
import { emptySettings } from '../../engine/network/store.js';
import { mountsForApi, matchesVolumeFilter } from '../../engine/volumes/mounts.js';

function store(ctx: RequestContext): ContainerStore {
  const s = ctx.engine.containers;
  if (!s) throw unavailable('the container store is not ready');
  return s;
}

async function create(ctx: RequestContext): Promise<void> {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('config cannot be empty in order to create a container');
  const { HostConfig, NetworkingConfig, ...config } = body as { HostConfig?: HostConfig; NetworkingConfig?: unknown } & Record<string, unknown>;
  const hostConfig = (HostConfig ?? {}) as HostConfig;
  const platform = ctx.query.get('platform');
  if (platform && !/^linux(\/(amd64|x86_64))?(\/.*)?$/.test(platform)) throw invalidArgument(`invalid platform ${platform}: Berth runs linux/amd64 containers`);
  const name = ctx.query.get('name') ?? '';
  const { id, warnings } = await store(ctx).create({ ...(name ? { name } : {}), config, hostConfig, ...(NetworkingConfig !== undefined ? { networkingConfig: NetworkingConfig } : {}) });
  sendJson(ctx, 201, { Id: id, Warnings: warnings });
}

function statusText(c: ContainerRecord, now = Date.now()): string {
  const s = c.State;
  if (s.Status === 'created') return 'Created';
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Status === 'dead') return 'Dead';
  const ago = (iso: string) => humanDuration(now - Date.parse(iso));
  const health = (s as { Health?: { Status: string } }).Health?.Status;
  const hs = health === 'starting' ? ' (health: starting)' : health ? ` (${health})` : '';
  if (s.Running) return `Up ${ago(s.StartedAt)}${s.Paused ? ' (Paused)' : hs}`;
  return `Exited (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
}

export function summary(c: ContainerRecord): Record<string, unknown> {
  return {
    Id: c.ID,
    Names: [c.Name],
    Image: c.Config.Image,
    ImageID: c.Image,
    Command: [c.Path, ...c.Args].join(' '),
    Created: Math.floor(Date.parse(c.Created) / 1000),
    Ports: summaryPorts(c),
    Labels: c.Config.Labels ?? {},
    State: c.State.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.HostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: c.NetworkSettings?.Networks ?? {} },
    Mounts: mountsForApi(c.MountPoints),
  };
}

/** `ps`'s Ports: published bindings, and exposed ports without one. */
function summaryPorts(c: ContainerRecord): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const ports = c.NetworkSettings?.Ports ?? {};
  const keys = new Set([...Object.keys(c.Config.ExposedPorts ?? {}), ...Object.keys(ports)]);
  for (const key of keys) {
    const [p, type = 'tcp'] = key.split('/');
    const bindings = ports[key];
    if (bindings && bindings.length) for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(p), PublicPort: Number(b.HostPort), Type: type });
    else out.push({ PrivatePort: Number(p), Type: type });
  }
  return out;
}

/** `ps --filter publish=|expose=`: `80`, `80/tcp`, `8000-8080/tcp`. */
function portFilterMatches(values: string[], ports: Array<{ port: number; proto: string }>): boolean {
  return values.some((v) => {
    const [range = '', proto = 'tcp'] = v.split('/');
    const [lo, hi = lo] = range.split('-').map(Number);
    if (!Number.isInteger(lo)) throw invalidArgument(`invalid filter value ${v}`);
    return ports.some((p) => p.proto === proto && p.port >= lo! && p.port <= hi!);
  });
}

function onNetwork(c: ContainerRecord, want: string, ctx: RequestContext): boolean {
  const nets = c.NetworkSettings?.Networks ?? {};
  if (want in nets) return true;
  const n = ctx.engine.networks.tryResolve(want);
  return !!n && Object.values(nets).some((ep) => ep.NetworkID === n.Id);
}

function imageMatches(c: ContainerRecord, ancestor: string, ctx: RequestContext): boolean {
  const img = ctx.engine.images.tryResolve(ancestor);
  if (img) return img.id === c.Image;
  try {
    return familiarString(parseNormalizedNamed(c.Config.Image)) === familiarString(parseNormalizedNamed(ancestor));
  } catch {
    return false;
  }
}

async function list(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  const f = Filters.parse(ctx.query.get('filters')).validate(CONTAINER_FILTERS);
  const all = queryBool(ctx.query, 'all');
  let limit = queryInt(ctx.query, 'limit', -1);
  if (queryBool(ctx.query, 'latest')) limit = 1;
  const statuses = f.values('status');
  for (const st of statuses) {
    if (!['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'].includes(st)) throw invalidArgument(`invalid filter 'status=${st}'`);
  }
  const before = f.has('before') ? f.values('before').map((n) => s.resolve(n).Created) : [];
  const since = f.has('since') ? f.values('since').map((n) => s.resolve(n).Created) : [];
  const sorted = s.list().sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created) || b.ID.localeCompare(a.ID));
  const out: Array<Record<string, unknown>> = [];
  for (const c of sorted) {
    const running = c.State.Running || c.State.Paused || c.State.Restarting;
    if (!all && !running && statuses.length === 0 && limit < 0 && before.length === 0 && since.length === 0) continue;
    if (!f.exactAny('id', [c.ID]) && !f.values('id').some((p) => c.ID.startsWith(p))) continue;
    if (f.has('name') && !f.values('name').some((n) => new RegExp(n.replace(/^\//, '')).test(c.Name.slice(1)))) continue;
    if (!f.matchLabels('label', c.Config.Labels ?? {})) continue;
    if (statuses.length && !statuses.includes(c.State.Status)) continue;
    if (f.has('exited') && (running || c.State.Status === 'created' || !f.values('exited').includes(String(c.State.ExitCode)))) continue;
    if (f.has('ancestor') && !f.values('ancestor').some((a) => imageMatches(c, a, ctx))) continue;
    if (before.some((b) => Date.parse(c.Created) >= Date.parse(b))) continue;
    if (since.some((t) => Date.parse(c.Created) <= Date.parse(t))) continue;
    if (f.has('is-task') && f.bool('is-task') === true) continue;
    if (f.has('network') && !f.values('network').some((n) => onNetwork(c, n, ctx))) continue;
    if (f.has('health')) {
      const h = (c.State as { Health?: { Status: string } }).Health?.Status ?? 'none';
      if (!f.values('health').includes(h)) continue;
    }
    if (f.has('volume') && !matchesVolumeFilter(c.MountPoints, f.values('volume'))) continue;
    if (f.has('publish')) {
      const pub = Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([k, b]) => (b ?? []).map(() => ({ port: Number(k.split('/')[0]), proto: k.split('/')[1] ?? 'tcp' })));
      if (!portFilterMatches(f.values('publish'), pub)) continue;
    }
    if (f.has('expose') && !portFilterMatches(f.values('expose'), Object.keys(c.Config.ExposedPorts ?? {}).map((k) => ({ port: Number(k.split('/')[0]), proto: k.split('/')[1] ?? 'tcp' })))) continue;
    const sum = summary(c);
    if (queryBool(ctx.query, 'size')) {
      sum.SizeRw = await s.sizeRw(c.ID);
      sum.SizeRootFs = (sum.SizeRw as number) + (ctx.engine.images.tryResolve(c.Image)?.size ?? 0);
    }
    out.push(sum);
    if (limit > 0 && out.length >= limit) break;
  }
  sendJson(ctx, 200, out);
}

async function inspectBody(ctx: RequestContext, c: ContainerRecord): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {
    Id: c.ID,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: c.State,
    Image: c.Image,
    ResolvConfPath: c.ResolvConfPath,
    HostnamePath: c.HostnamePath,
    HostsPath: c.HostsPath,
    LogPath: c.LogPath,
    Name: c.Name,
    RestartCount: c.RestartCount,
    Driver: c.Driver,
    Platform: c.Platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: ctx.engine.execs.idsOf(c.ID).length ? ctx.engine.execs.idsOf(c.ID) : null,
    HostConfig: { LogConfig: { Type: 'json-file', Config: {} }, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ...c.HostConfig },
    GraphDriver: { Name: 'overlayfs', Data: null },
    Mounts: mountsForApi(c.MountPoints),
    Config: c.Config,
    NetworkSettings: c.NetworkSettings ?? emptySettings(),
  };
  if (queryBool(ctx.query, 'size')) {
    body.SizeRw = await ctx.engine.containers.sizeRw(c.ID);
    body.SizeRootFs = (body.SizeRw as number) + (ctx.engine.images.tryResolve(c.Image)?.size ?? 0);
  }
  if (!versionAtLeast(ctx, '1.45')) body.Node = undefined;
  return body;
}

async function inspect(ctx: RequestContext): Promise<void> {
  sendJson(ctx, 200, await inspectBody(ctx, store(ctx).resolve(ctx.params.id!)));
}

async function rename(ctx: RequestContext): Promise<void> {
  const name = ctx.query.get('name') ?? '';
  if (!name) throw invalidArgument('Neither old nor new names may be empty');
  await store(ctx).rename(ctx.params.id!, name);
  sendNoContent(ctx);
}

async function remove(ctx: RequestContext): Promise<void> {
  if (queryBool(ctx.query, 'link')) throw invalidArgument('Conflict, cannot remove the default link name of the container');
  await store(ctx).remove(ctx.params.id!, { force: queryBool(ctx.query, 'force'), volumes: queryBool(ctx.query, 'v') });
  sendNoContent(ctx);
}

async function prune(ctx: RequestContext): Promise<void> {
  const { deleted, reclaimed } = await store(ctx).prune(Filters.parse(ctx.query.get('filters')));
  sendJson(ctx, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

export const containerRoutes: RouteDef[] = [
  { method: 'POST', path: '/containers/create', handler: create },
  { method: 'GET', path: '/containers/json', handler: list },
  { method: 'GET', path: '/containers/{id}/json', handler: inspect },
  { method: 'POST', path: '/containers/{id}/rename', handler: rename },
  { method: 'DELETE', path: '/containers/{id}', handler: remove },
  { method: 'POST', path: '/containers/prune', handler: prune },
];
