/**
 * `berth volume inspect VOLUME...`: GET /volumes/{name} for each, printed as
 * Docker's inspect prints (JSON array, `--format` per volume); the volumes
 * found first, then each failure, exit status 1 when any failed.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { formatInspect } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { errorText, pathEscape, withFormat } from '../common.js';

export const volumeInspectCommand: CommandSpec<CliContext> = {
  name: 'inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  short: 'Display detailed information on one or more volumes',
  minArgs: 1,
  flags: [{ long: 'format', short: 'f', kind: 'string', help: FORMAT_FLAG_HELP.single }],
  async run(ctx, { flags, args }) {
    const format = (flags.format as string | undefined) ?? '';
    withFormat(() => formatInspect([], format));
    const found: unknown[] = [];
    const failures: string[] = [];
    for (const name of args) {
      try {
        found.push(await ctx.client().json('GET', `/volumes/${pathEscape(name)}`));
      } catch (err) {
        failures.push(errorText(err));
      }
    }
    let r;
    r = withFormat(() => formatInspect(found, format));
    ctx.out(r.output);
    const errors = [...failures, ...r.errors];
    if (errors.length) throw new CliError(errors.join('\n'), 1);
  },
};
