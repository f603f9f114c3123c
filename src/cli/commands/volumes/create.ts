/**
 * `berth volume create [OPTIONS] [VOLUME]`: POST /volumes/create with
 * Docker's flags (`--driver`/`-d`, `--label`, `--name`, `--opt`/`-o`) and
 * output (the volume's name).
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';

/** `key=value` strings as a map (a bare key maps to ''), as Docker's MapOpts and ConvertKVStringsToMap read them. */
export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

export const volumeCreateCommand: CommandSpec<CliContext> = {
  name: 'create',
  usage: '[OPTIONS] [VOLUME]',
  short: 'Create a volume',
  maxArgs: 1,
  flags: [
    { long: 'driver', short: 'd', kind: 'string', help: 'Specify volume driver name', default: 'local' },
    { long: 'label', kind: 'stringArray', typeName: 'list', help: 'Set metadata for a volume' },
    { long: 'name', kind: 'string', help: 'Specify volume name' },
    { long: 'opt', short: 'o', kind: 'stringArray', typeName: 'map', help: 'Set driver specific options (default map[])' },
  ],
  async run(ctx, { flags, args }) {
    let name = (flags.name as string | undefined) ?? '';
    if (args.length === 1) {
      if (name) throw new CliError('conflicting options: cannot specify a volume-name through both --name and as a positional arg', 1);
      name = args[0]!;
    }
    for (const l of (flags.label as string[] | undefined) ?? []) {
      if (l.startsWith('=') || l === '') throw new CliError(`invalid argument "${l}" for "--label" flag: invalid label '${l}': empty name`, 125);
    }
    const v = await ctx.client().json<{ Name: string }>('POST', '/volumes/create', {
      body: {
      Driver: (flags.driver as string | undefined) ?? 'local',
      DriverOpts: kvMap((flags.opt as string[] | undefined) ?? []),
      Labels: kvMap((flags.label as string[] | undefined) ?? []),
      Name: name,
      },
    });
    ctx.out(`${v.Name}\n`);
  },
};
