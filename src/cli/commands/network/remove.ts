/**
 * `berth network rm NETWORK...` (alias `remove`), as docker's CLI does it
 * (cli/command/network/remove.go): each network is looked up first (an
 * ingress network asks for confirmation), then DELETE /networks/{id}; a
 * removed network's name is printed, each failure goes to stderr at once and
 * the command goes on; `-f` ignores networks that do not exist. Any failure
 * ends with `exit status 1` (status 1).
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { ApiError } from '../../../client/client.js';
import { CliError } from '../../flags/index.js';
import { errorText, pathEscape, confirm } from '../common.js';
import type { NetworkSummary } from './types.js';
import { trimId } from './values.js';

export const INGRESS_WARNING =
  'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. ' +
  'Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

export const networkRemoveCommand: CommandSpec<CliContext> = {
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  short: 'Remove one or more networks',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  async run(ctx, { flags, args }) {
    const client = ctx.client();
    let failed = false;
    for (const name of args) {
      let ingress = false;
      try {
        const n = await client.json<NetworkSummary>('GET', `/networks/${pathEscape(trimId('network', name))}`);
        ingress = n.Ingress === true;
      } catch {
        // As docker: a failed lookup leaves the answer to the removal.
      }
      if (ingress) {
        if (!(await confirm(ctx, `${INGRESS_WARNING} [y/N] `))) continue;
      }
      try {
        await client.json('DELETE', `/networks/${pathEscape(trimId('network', name))}`);
      } catch (err) {
        if (flags.force === true && err instanceof ApiError && err.status === 404) continue;
        ctx.err(`${errorText(err)}\n`);
        failed = true;
        continue;
      }
      ctx.out(`${name}\n`);
    }
    if (failed) throw new CliError('exit status 1', 1);
    return 0;
  },
};
