/**
 * Volume routes: create, list, inspect, remove and prune local volumes
 * (VolumeUpdate is for swarm cluster volumes and stays unimplemented). The
 * handlers translate Docker's JSON shapes and query parameters into calls on
 * the engine's volume store, including the pre-1.42 API's prune of all
 * unused volumes rather than only anonymous ones.
 */
import type { RouteDef } from '../server.js';
import { queryBool, sendJson, sendNoContent, versionAtLeast, type RequestContext } from '../context.js';
import { Filters } from '../../engine/filters.js';
import { invalidArgument, notImplemented } from '../../errdefs/index.js';

function stringMap(v: unknown, what: string): Record<string, string> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`invalid ${what}: expected an object of strings`);
  for (const x of Object.values(v)) if (typeof x !== 'string') throw invalidArgument(`invalid ${what}: expected an object of strings`);
  return v as Record<string, string>;
}

async function create(ctx: RequestContext): Promise<void> {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid volume create request');
  if (body.ClusterVolumeSpec) throw notImplemented('cluster volumes are not implemented by Berth (no swarm)');
  const name = typeof body.Name === 'string' ? body.Name : '';
  const driver = typeof body.Driver === 'string' ? body.Driver : '';
  const { volume } = await ctx.engine.volumes.create({
    ...(name ? { name } : {}),
    ...(driver ? { driver } : {}),
    opts: stringMap(body.DriverOpts, 'DriverOpts'),
    labels: stringMap(body.Labels, 'Labels'),
  });
  sendJson(ctx, 201, ctx.engine.volumes.inspect(volume));
}

function list(ctx: RequestContext): void {
  const s = ctx.engine.volumes;
  const vols = s.filter(Filters.parse(ctx.query.get('filters')));
  sendJson(ctx, 200, { Volumes: vols.map((v) => s.inspect(v)), Warnings: null });
}

function inspect(ctx: RequestContext): void {
  const s = ctx.engine.volumes;
  sendJson(ctx, 200, s.inspect(s.get(ctx.params.name!)));
}

async function remove(ctx: RequestContext): Promise<void> {
  await ctx.engine.volumes.remove(ctx.params.name!, { force: queryBool(ctx.query, 'force') });
  sendNoContent(ctx);
}

async function prune(ctx: RequestContext): Promise<void> {
  const f = Filters.parse(ctx.query.get('filters'));
  // API 1.42 made prune take anonymous volumes only; older clients meant every unused one.
  if (!versionAtLeast(ctx, '1.42') && !f.has('all')) f.add('all', 'true');
  const { deleted, reclaimed } = await ctx.engine.volumes.prune(f);
  sendJson(ctx, 200, { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

export const volumeRoutes: RouteDef[] = [
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'GET', path: '/volumes/{name}', handler: inspect },
  { method: 'DELETE', path: '/volumes/{name}', handler: remove },
  { method: 'POST', path: '/volumes/prune', handler: prune },
];
