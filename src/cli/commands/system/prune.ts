/**
 * `berth system prune`: Docker's "remove unused data" — stopped containers,
 * unused networks, anonymous volumes (with `--volumes`), dangling images (all
 * unused ones with `--all`) and build cache, in Docker's order, after its
 * confirmation question listing what goes (and the filters), then each
 * part's report and the total space reclaimed. A daemon that answers "not
 * implemented" for one of those prunes has nothing of that kind to remove,
 * and that part is left out.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { ApiError } from '../../../client/client.js';
import { addFilterFlags, filtersQuery, goHumanSize, withQuery, confirm } from '../common.js';
import { pruneVolumes, renderVolumesDeleted } from '../volumes/prune.js';

/** Docker's confirmation text for system prune. */
export function systemPrunePrompt(opts: { all: boolean; volumes: boolean; filters: string[] }): string {
  const warnings = ['all stopped containers', 'all networks not used by at least one container'];
  if (opts.volumes) warnings.push('all anonymous volumes not used by at least one container');
  warnings.push(opts.all ? 'all images without at least one container associated to them' : 'all dangling images');
  warnings.push(opts.all ? 'all build cache' : 'unused build cache');
  let s = 'WARNING! This will remove:\n' + warnings.map((w) => `  - ${w}\n`).join('');
  if (opts.filters.length) s += '\n  Items to be pruned will be filtered with:\n' + opts.filters.map((f) => `  - ${f}\n`).join('');
  return s + '\nAre you sure you want to continue? [y/N] ';
}

export const systemPruneCommand: CommandSpec<CliContext> = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove unused data',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
    { long: 'filter', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "label=<key>=<value>")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
    { long: 'volumes', kind: 'bool', help: 'Prune anonymous volumes' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const all = flags.all === true;
    const volumes = flags.volumes === true;
    const raw = (flags.filter as string[] | undefined) ?? [];
    const filters = addFilterFlags({}, raw, '--filter', (parsed.path ?? ['berth', 'system', 'prune']).join(' '));
    if (volumes && filters.until) throw new CliError('ERROR: The "until" filter is not supported with "--volumes"', 1);
    if (flags.force !== true) {
      if (!(await confirm(ctx, systemPrunePrompt({ all, volumes, filters: raw })))) return 0;
    }
    const client = ctx.client();
    const q = (extra: Record<string, Record<string, boolean>> = {}) => [['filters', filtersQuery({ ...filters, ...extra }) ?? '{}']] as Array<[string, string]>;
    /** A prune Berth does not have yet has nothing to remove. */
    const optional = async <T>(p: Promise<T>): Promise<T | null> => {
      try {
        return await p;
      } catch (err) {
        if (err instanceof ApiError && err.status === 501) return null;
        throw err;
      }
    };
    let total = 0;
    let out = '';
    const c = await client.json<{ ContainersDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', withQuery('/containers/prune', q()));
    if (c.ContainersDeleted?.length) out += `Deleted Containers:\n${c.ContainersDeleted.join('\n')}\n\n`;
    total += c.SpaceReclaimed ?? 0;
    const n = await optional(client.json<{ NetworksDeleted?: string[] | null }>('POST', withQuery('/networks/prune', q())));
    if (n?.NetworksDeleted?.length) out += `Deleted Networks:\n${n.NetworksDeleted.join('\n')}\n\n`;
    if (volumes) {
      const v = await pruneVolumes(ctx, false, filters);
      out += renderVolumesDeleted(v);
      total += v.SpaceReclaimed ?? 0;
    }
    const i = await client.json<{ ImagesDeleted?: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed?: number }>('POST', withQuery('/images/prune', q({ ...(filters.dangling ? {} : { dangling: { [all ? 'false' : 'true']: true } }) })));
    if (i.ImagesDeleted?.length) out += 'Deleted Images:\n' + i.ImagesDeleted.map((d) => (d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted ?? ''}\n`)).join('') + '\n';
    total += i.SpaceReclaimed ?? 0;
    const b = await optional(client.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', withQuery('/build/prune', [...q(), ...(all ? ([['all', '1']] as Array<[string, string]>) : [])])));
    if (b?.CachesDeleted?.length) out += `Deleted build cache objects:\n${b.CachesDeleted.join('\n')}\n\n`;
    total += b?.SpaceReclaimed ?? 0;
    ctx.out(`${out}Total reclaimed space: ${goHumanSize(total)}\n`);
    return 0;
  },
};
