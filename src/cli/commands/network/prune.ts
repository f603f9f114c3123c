/**
 * `berth network prune`: docker's confirmation question unless `-f` (any
 * answer but y/Y cancels, silently, with status 0), then POST
 * /networks/prune with the `--filter` values (until, label, label!), and the
 * report docker prints (cli/command/network/prune.go): `Deleted Networks:`
 * and one name per line, then a blank line; nothing when none was removed.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { addFilterFlags, filtersQuery, withQuery, confirm } from '../common.js';
import type { NetworkPruneResponse } from './types.js';

export const NETWORK_PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

/** What docker prints after a network prune. */
export function renderNetworkPruneReport(report: NetworkPruneResponse): string {
  const deleted = report.NetworksDeleted ?? [];
  if (deleted.length === 0) return '';
  return `Deleted Networks:\n${deleted.map((id) => `${id}\n`).join('')}\n`;
}

export const networkPruneCommand: CommandSpec<CliContext> = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove all unused networks',
  maxArgs: 0,
  flags: [
    { long: 'filter', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '--filter', (parsed.path ?? ['berth', 'network', 'prune']).join(' '));
    if (flags.force !== true) {
      if (!(await confirm(ctx, `${NETWORK_PRUNE_WARNING} [y/N] `))) return 0;
    }
    const fq = filtersQuery(filters);
    const report = await ctx.client().json<NetworkPruneResponse | undefined>('POST', withQuery('/networks/prune', fq === undefined ? [] : [['filters', fq]]));
    ctx.out(renderNetworkPruneReport(report ?? {}));
    return 0;
  },
};
