/**
 * `berth image prune`: POST /images/prune with `dangling=true` (or `false`
 * with `--all`) added to the `--filter` values, after Docker's confirmation
 * question unless `--force` (an answer other than y/Y cancels, exit 0); the
 * report is printed as docker/cli cli/command/image/prune.go prints it:
 * `Deleted Images:`, an `untagged: `/`deleted: ` line per item, a blank line,
 * then `Total reclaimed space: ` in go-units' HumanSize.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { addFilterFlags, filtersQuery, goHumanSize, withQuery, confirm } from '../common.js';

/** POST /images/prune's answer (ImagePruneResponse). */
export interface PruneReport {
  ImagesDeleted?: Array<{ Untagged?: string; Deleted?: string }> | null;
  SpaceReclaimed?: number;
}

export const DANGLING_WARNING = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
export const ALL_IMAGES_WARNING = 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?';

/** The prompt Docker prints before pruning (prompt.Confirm adds ` [y/N] `). */
export function prunePrompt(all: boolean): string {
  return (all ? ALL_IMAGES_WARNING : DANGLING_WARNING) + ' [y/N] ';
}

/** The report Docker prints after a prune. */
export function renderPruneReport(report: PruneReport): string {
  const deleted = report.ImagesDeleted ?? [];
  let s = '';
  let reclaimed = 0;
  if (deleted.length > 0) {
    s += 'Deleted Images:\n';
    for (const item of deleted) {
      if (item.Untagged) s += `untagged: ${item.Untagged}\n`;
      else s += `deleted: ${item.Deleted ?? ''}\n`;
    }
    s += '\n';
    reclaimed = report.SpaceReclaimed ?? 0;
  }
  return s + `Total reclaimed space: ${goHumanSize(reclaimed)}\n`;
}

export const imagePruneCommand: CommandSpec<CliContext> = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { long: 'filter', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const all = flags.all === true;
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '--filter', (parsed.path ?? ['berth', 'image', 'prune']).join(' '));
    (filters['dangling'] ??= {})[all ? 'false' : 'true'] = true;
    if (flags.force !== true) {
      if (!(await confirm(ctx, prunePrompt(all)))) return 0;
    }
    const report = await ctx.client().json<PruneReport>('POST', withQuery('/images/prune', [['filters', filtersQuery(filters) ?? '{}']]));
    ctx.out(renderPruneReport(report ?? {}));
    return 0;
  },
};
