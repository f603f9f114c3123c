/**
 * Checks of a container's host configuration that do not need the host:
 * Docker's limits and conflicts on resources, logging drivers and restart
 * policies.
 */
import { invalidArgument } from '../../errdefs/index.js';
import type { HostConfig } from './store.js';
import { checkResources, type ResourceHost } from '../runtime/spec/resources.js';

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
