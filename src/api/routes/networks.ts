/**
 * Network routes: create, list, inspect, remove, prune, and connecting
 * containers to networks and disconnecting them. The network store
 * (engine/network) does the work; this module reads requests and shapes
 * Docker's answers (inspect adds the attached containers; list leaves them
 * empty, as dockerd does).
 */
import type { RouteDef } from '../server.js';
import { queryBool, sendJson, sendNoContent, type RequestContext } from '../context.js';
import { Filters } from '../../engine/filters.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { EndpointSettings } from '../../engine/network/store.js';

function body(ctx: RequestContext): Record<string, unknown> {
  const b = ctx.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw invalidArgument('invalid JSON body: an object is required');
  return b as Record<string, unknown>;
}

async function list(ctx: RequestContext): Promise<void> {
  const nets = ctx.engine.networks.list(Filters.parse(ctx.query.get('filters')));
  sendJson(ctx, 200, nets.map((n) => ({ ...n, Containers: {} })));
}

async function inspect(ctx: RequestContext): Promise<void> {
  const scope = ctx.query.get('scope');
  const n = ctx.engine.networks.resolve(ctx.params.id!);
  if (scope && scope !== 'local') throw invalidArgument(`network ${ctx.params.id!} not found in scope ${scope}`);
  sendJson(ctx, 200, { ...n, Containers: ctx.engine.networks.attached(n.Id) });
}

async function create(ctx: RequestContext): Promise<void> {
  const { id, warning } = await ctx.engine.networks.create(body(ctx));
  sendJson(ctx, 201, { Id: id, Warning: warning });
}

async function remove(ctx: RequestContext): Promise<void> {
  await ctx.engine.networks.remove(ctx.params.id!);
  sendNoContent(ctx);
}

async function connect(ctx: RequestContext): Promise<void> {
  const b = body(ctx);
  const container = typeof b.Container === 'string' ? b.Container : '';
  if (!container) throw invalidArgument('container is required');
  await ctx.engine.networks.connect(ctx.params.id!, container, (b.EndpointConfig ?? null) as Partial<EndpointSettings> | null);
  sendJson(ctx, 200, null);
}

async function disconnect(ctx: RequestContext): Promise<void> {
  const b = body(ctx);
  const container = typeof b.Container === 'string' ? b.Container : '';
  if (!container) throw invalidArgument('container is required');
  await ctx.engine.networks.disconnect(ctx.params.id!, container, b.Force === true || queryBool(ctx.query, 'force'));
  sendJson(ctx, 200, null);
}

async function prune(ctx: RequestContext): Promise<void> {
  const deleted = await ctx.engine.networks.prune(Filters.parse(ctx.query.get('filters')));
  sendJson(ctx, 200, { NetworksDeleted: deleted });
}

export const networkRoutes: RouteDef[] = [
  { method: 'GET', path: '/networks', handler: list },
  { method: 'GET', path: '/networks/{id}', handler: inspect },
  { method: 'DELETE', path: '/networks/{id}', handler: remove },
  { method: 'POST', path: '/networks/create', handler: create },
  { method: 'POST', path: '/networks/{id}/connect', handler: connect },
  { method: 'POST', path: '/networks/{id}/disconnect', handler: disconnect },
  { method: 'POST', path: '/networks/prune', handler: prune },
];
