/**
 * Build cache routes. Berth has no builder yet, so its build cache is empty
 * and stays empty: `POST /build/prune` truthfully removes nothing (so that
 * `docker system prune` runs through), while `POST /build` still answers
 * "not implemented". When the builder lands, its cache answers here.
 */
import type { RouteDef } from '../server.js';
import { sendJson, type RequestContext } from '../context.js';
import { Filters } from '../../engine/filters.js';

const BUILD_PRUNE_FILTERS = ['until', 'unused-for', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private', 'label', 'label!'];

async function prune(ctx: RequestContext): Promise<void> {
  Filters.parse(ctx.query.get('filters')).validate(BUILD_PRUNE_FILTERS);
  sendJson(ctx, 200, { CachesDeleted: [], SpaceReclaimed: 0 });
}

export const buildRoutes: RouteDef[] = [{ method: 'POST', path: '/build/prune', handler: prune }];
