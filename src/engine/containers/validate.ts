/**
 * Checks of a container's host configuration that do not need the host:
 * Docker's limits and conflicts on resources and restart policies, and the
 * refusal, with "not implemented", of what Berth does not do yet
 * (published ports, links, other networks) rather than ignoring it.
 */
import { invalidArgument, notImplemented } from '../../errdefs/index.js';
import type { HostConfig } from './store.js';
import { checkResources, type ResourceHost } from '../runtime/spec/resources.js';

/** What the create request asks that Berth cannot do yet: refused, never silently dropped. */
export function refuseUnbuilt(h: HostConfig, networking: unknown): void {
  const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v && typeof v === 'object' ? Object.keys(v).length > 0 : !!v);
  const no = (what: string, issue: string) => {
    throw notImplemented(`${what} is not implemented by Berth yet (${issue})`);
  };
  if (nonEmpty(h.PortBindings) || h.PublishAllPorts === true) no('published ports (-p, -P)', 'networking comes next');
  if (nonEmpty(h.Links)) no('--link', 'networking comes next');
  const mode = String(h.NetworkMode ?? 'default');
  if (!['default', 'bridge', 'none', 'host', ''].includes(mode)) no(`network mode ${JSON.stringify(mode)}`, 'networking comes next');
  const eps = (networking as { EndpointsConfig?: Record<string, unknown> } | undefined)?.EndpointsConfig ?? {};
  for (const name of Object.keys(eps)) if (!['bridge', 'none', 'host', 'default', mode].includes(name)) no(`network ${JSON.stringify(name)}`, 'networking comes next');
  const extra = (h.ExtraHosts as string[] | null | undefined) ?? [];
  if (extra.some((e) => e.endsWith(':host-gateway') || e.endsWith('=host-gateway'))) no('--add-host …:host-gateway', 'networking comes next');
}

/**
 * Validates a host configuration for create or update: resources by the spec
 * builder's rules (one set of Docker's checks and messages, shared with start),
 * plus logging drivers and restart policies. Returns Docker's warnings.
 */
export function validateHostConfig(h: HostConfig, host: ResourceHost): string[] {
  const warnings: string[] = [];
  checkResources(h as never, host, warnings);
  const lc = h.LogConfig as { Type?: string } | undefined;
  if (lc?.Type && !['json-file', 'none', ''].includes(lc.Type)) throw invalidArgument(`failed to create task for container: logging driver ${lc.Type} is not supported by Berth (use json-file or none)`);
  const rp = h.RestartPolicy;
  if (rp?.Name && !['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(rp.Name)) throw invalidArgument(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (rp?.MaximumRetryCount && rp.Name !== 'on-failure') throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (h.AutoRemove && rp?.Name && rp.Name !== 'no') throw invalidArgument('conflicting options: cannot specify both --restart and --rm');
  return warnings;
}
