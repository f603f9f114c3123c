/**
 * `berth network inspect NETWORK...`: each network's GET /networks/{id}
 * (`?verbose=true` with `-v`), printed as docker's inspect package prints it
 * (a JSON array indented by 4 spaces, `json` compact, or a Go template per
 * network, run on the network as docker's Go type holds it and, when that
 * fails, on the raw JSON). Failures are reported after the output, one per
 * line in argument order, with exit status 1; a template that does not parse
 * fails with status 64 before any request.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { FormatError, formatInspect } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { parseWithBigInts } from '../../../lib/json.js';
import { errorText, pathEscape } from '../common.js';
import { typedNetwork } from './typed.js';
import { trimId } from './values.js';

function fail(err: unknown): never {
  if (err instanceof FormatError) throw new CliError(err.message, err.status);
  throw err;
}

/** GET /networks/{id} as raw JSON values (numbers beyond 2^53 kept), for inspect's templates. */
export async function fetchNetwork(ctx: CliContext, name: string, verbose: boolean): Promise<unknown> {
  const id = trimId('network', name);
  const res = await ctx.client().stream('GET', `/networks/${pathEscape(id)}${verbose ? '?verbose=true' : ''}`);
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return parseWithBigInts(text);
}

export const networkInspectCommand: CommandSpec<CliContext> = {
  name: 'inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  short: 'Display detailed information on one or more networks',
  minArgs: 1,
  flags: [
    { long: 'format', short: 'f', kind: 'string', help: FORMAT_FLAG_HELP.single },
    { long: 'verbose', short: 'v', kind: 'bool', help: 'Verbose output for diagnostics' },
  ],
  async run(ctx, { flags, args }) {
    const format = (flags.format as string | undefined) ?? '';
    try {
      formatInspect([], format);
    } catch (err) {
      fail(err);
    }
    // Docker reports failures in argument order, template errors among them.
    const found: unknown[] = [];
    const errors: string[] = [];
    let output = '';
    const perElement = format !== '' && format !== 'json';
    for (const name of args) {
      let el: unknown;
      try {
        el = await fetchNetwork(ctx, name, flags.verbose === true);
      } catch (err) {
        errors.push(errorText(err));
        continue;
      }
      if (!perElement) {
        found.push(el);
        continue;
      }
      // As docker: the template runs on the typed network first, on the raw JSON if that fails.
      let r: { output: string; errors: string[] };
      try {
        r = formatInspect([typedNetwork(el)], format, { missingKey: 'default' });
        if (r.errors.length > 0) r = formatInspect([el], format);
      } catch (err) {
        fail(err);
      }
      if (r.errors.length > 0) errors.push(...r.errors);
      else output += r.output;
    }
    if (!perElement) {
      try {
        output = formatInspect(found, format).output;
      } catch (err) {
        fail(err);
      }
    } else if (output === '') output = '\n';
    ctx.out(output);
    if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
    return 0;
  },
};
