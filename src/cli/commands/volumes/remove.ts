/**
 * `berth volume rm [-f] VOLUME...`: DELETE /volumes/{name} one after the
 * other, printing each name removed; failures are printed together at the
 * end with exit status 1, as Docker does.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { failIfAny, inTurn, pathEscape, withQuery } from '../common.js';

export const volumeRemoveCommand: CommandSpec<CliContext> = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  short: 'Remove one or more volumes',
  long: 'Remove one or more volumes. You cannot remove a volume that is in use by a container.',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  async run(ctx, { flags, args }) {
    const q: Array<[string, string]> = flags.force === true ? [['force', '1']] : [];
    failIfAny(
      await inTurn(
        args,
        async (name) => {
          await ctx.client().json('DELETE', withQuery(`/volumes/${pathEscape(name)}`, q));
          return name;
        },
        ctx.out,
      ),
    );
  },
};
