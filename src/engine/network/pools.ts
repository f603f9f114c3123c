/**
 * Address pools and subnet allocation for networks created without `--subnet`.
 * Mirrors libnetwork's ipamutils defaults (172.17.0.0/16 … 172.31.0.0/16 as /16s,
 * then 192.168.0.0/16 cut into /20s) and the daemon's `default-address-pools`
 * setting ({base, size}); `allocateSubnet` walks the pools in order and returns
 * the first subnet that overlaps neither a network Berth already has nor a host
 * route (default routes are ignored), like libnetwork's default IPAM. When
 * nothing is left it fails with Docker's `all predefined address pools have been
 * fully subnetted`. Pure: the caller supplies the routes.
 */

import { forbidden, invalidArgument } from '../../errdefs/index.js';
import {
  familyBits,
  firstAddr,
  formatPrefix,
  lastAddr,
  makePrefix,
  overlaps,
  tryParseCIDR,
  type IPFamily,
  type Prefix,
} from './ip.js';

/** One `default-address-pools` entry: carve `base` into subnets of `/size`. */
export interface PoolConfig {
  base: string;
  size: number;
}

export const ERR_NO_MORE_SUBNETS = 'all predefined address pools have been fully subnetted';

/** libnetwork's local-scope defaults, in order. */
export const DEFAULT_ADDRESS_POOLS: readonly PoolConfig[] = Object.freeze([
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: '192.168.0.0/16', size: 20 },
]);

export interface ParsedPool {
  base: Prefix;
  size: number;
}

/** Validates pool configs (daemon.json `default-address-pools`); throws invalid-argument. */
export function parsePools(pools: readonly PoolConfig[]): ParsedPool[] {
  return pools.map((p) => {
    const r = tryParseCIDR(p.base);
    if (!r) throw invalidArgument(`invalid base pool "${p.base}": invalid CIDR address: ${p.base}`);
    const max = familyBits(r.prefix.addr.family);
    if (!Number.isInteger(p.size) || p.size < r.prefix.bits || p.size > max) {
      throw invalidArgument(`invalid pools size: ${p.size}`);
    }
    return { base: r.prefix, size: p.size };
  });
}

/** Number of subnets a pool yields. */
export function poolCapacity(pool: PoolConfig): bigint {
  const [p] = parsePools([pool]);
  return 1n << BigInt((p as ParsedPool).size - (p as ParsedPool).base.bits);
}

function isDefaultRoute(p: Prefix): boolean {
  return p.bits === 0;
}

/**
 * Route destinations as prefixes: bare addresses are host routes; `default`,
 * `0.0.0.0/0`, `::/0` and unparsable entries are left out.
 */
export function routePrefixes(hostRoutes: readonly string[]): Prefix[] {
  const out: Prefix[] = [];
  for (const route of hostRoutes) {
    if (route === 'default') continue;
    let r = tryParseCIDR(route);
    if (!r && !route.includes('/')) r = tryParseCIDR(`${route}/${route.includes(':') ? 128 : 32}`);
    if (r && !isDefaultRoute(r.prefix)) out.push(r.prefix);
  }
  return out;
}

export interface AllocateSubnetOptions {
  /** Which family to allocate (pools of the other family are skipped); default 4. */
  family?: IPFamily;
}

/**
 * The first `/size` subnet of the pools (in order) overlapping none of `inUse`
 * (subnets of existing networks) nor `hostRoutes` (route destinations as CIDRs;
 * bare addresses are host routes; `0.0.0.0/0`, `::/0` and `default` are
 * ignored, as are unparsable entries). Throws forbidden
 * `all predefined address pools have been fully subnetted` when exhausted.
 */
export function allocateSubnet(
  pools: readonly PoolConfig[],
  inUse: readonly string[],
  hostRoutes: readonly string[],
  opts: AllocateSubnetOptions = {},
): string {
  const family = opts.family ?? 4;
  const blockers: Prefix[] = [];
  for (const s of inUse) {
    const r = tryParseCIDR(s);
    if (!r) throw invalidArgument(`invalid CIDR address: ${s}`);
    blockers.push(r.prefix);
  }
  blockers.push(...routePrefixes(hostRoutes));
  const relevant = blockers.filter((b) => b.addr.family === family);
  for (const pool of parsePools(pools)) {
    if (pool.base.addr.family !== family) continue;
    const step = 1n << BigInt(familyBits(family) - pool.size);
    const end = lastAddr(pool.base);
    let cur = firstAddr(pool.base);
    // Each blocker is jumped over at most once, so this ends quickly even for
    // huge IPv6 pools.
    while (cur <= end) {
      const cand = makePrefix({ family, value: cur }, pool.size);
      const hit = relevant.filter((b) => overlaps(b, cand));
      if (hit.length === 0) return formatPrefix(cand);
      const past = hit.reduce((m, b) => (lastAddr(b) > m ? lastAddr(b) : m), lastAddr(cand)) + 1n;
      // next step-aligned start at or after `past`
      const base = firstAddr(pool.base);
      cur = base + ((past - base + step - 1n) / step) * step;
    }
  }
  throw forbidden(ERR_NO_MORE_SUBNETS);
}
