/**
 * `berth volume prune`: POST /volumes/prune after Docker's question (unless
 * `--force`); anonymous volumes by default, every unused one with `--all`
 * (the `all=true` filter), `--filter label=...`; the report lists the
 * volumes deleted and the space reclaimed.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { addFilterFlags, filtersQuery, goHumanSize, withQuery, confirm } from '../common.js';

export const VOLUME_PRUNE_WARNING = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
export const VOLUME_PRUNE_ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

export interface VolumePruneReport {
  VolumesDeleted?: string[] | null;
  SpaceReclaimed?: number;
}

/** The lines Docker prints for the deleted volumes (without the total). */
export function renderVolumesDeleted(r: VolumePruneReport): string {
  const d = r.VolumesDeleted ?? [];
  return d.length ? `Deleted Volumes:\n${d.join('\n')}\n\n` : '';
}

/** Prunes volumes: the filters given, plus `all=true` for --all. */
export async function pruneVolumes(ctx: CliContext, all: boolean, filters: Record<string, Record<string, boolean>>): Promise<VolumePruneReport> {
  const f = structuredClone(filters);
  if (all) {
    if (f.all) throw new CliError('conflicting options: cannot specify both --all and --filter all=1', 1);
    f.all = { true: true };
  }
  return (await ctx.client().json<VolumePruneReport>('POST', withQuery('/volumes/prune', [['filters', filtersQuery(f) ?? '{}']]))) ?? {};
}

export const volumePruneCommand: CommandSpec<CliContext> = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove unused local volumes',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { long: 'filter', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "label=<label>")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const all = flags.all === true;
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '--filter', (parsed.path ?? ['berth', 'volume', 'prune']).join(' '));
    if (flags.force !== true) {
      if (!(await confirm(ctx, (all ? VOLUME_PRUNE_ALL_WARNING : VOLUME_PRUNE_WARNING) + ' [y/N] '))) return 0;
    }
    const r = await pruneVolumes(ctx, all, filters);
    ctx.out(`${renderVolumesDeleted(r)}Total reclaimed space: ${goHumanSize(r.VolumesDeleted?.length ? (r.SpaceReclaimed ?? 0) : 0)}\n`);
    return 0;
  },
};
