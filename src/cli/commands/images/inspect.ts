/**
 * `berth image inspect IMAGE...`: each image's GET /images/{name}/json, printed
 * as Docker's inspect package prints it (a JSON array indented by 4 spaces,
 * `json` compact, or a Go template per image). As Docker does, the images
 * found are printed first and every failure afterwards, one per line
 * (`Error response from daemon: No such image: x:latest`), with exit status 1;
 * a template that does not parse fails with status 64 before any request.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { formatInspect } from '../../format/index.js';
import { parseWithBigInts } from '../../../lib/json.js';
import { errorText, pathEscape, withFormat } from '../common.js';

const INSPECT_FORMAT_HELP = `Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

export interface InspectOutcome {
  /** What goes to stdout. */
  output: string;
  /** Messages of the references that failed and of template errors, in Docker's order. */
  errors: string[];
}

/**
 * Renders inspect results: `found` are the decoded images (in argument order),
 * `failures` the messages of the references that could not be fetched.
 */
export function renderImageInspect(found: readonly unknown[], failures: readonly string[], format: string): InspectOutcome {
  const r = formatInspect(found, format);
  return { output: r.output, errors: [...failures, ...r.errors] };
}

export const imageInspectCommand: CommandSpec<CliContext> = {
  name: 'inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [{ long: 'format', short: 'f', kind: 'string', help: INSPECT_FORMAT_HELP }],
  async run(ctx, { flags, args }) {
    const format = (flags.format as string | undefined) ?? '';
    withFormat(() => formatInspect([], format));
    const found: unknown[] = [];
    const failures: string[] = [];
    const client = ctx.client();
    for (const ref of args) {
      if (ref === '') {
        failures.push('Error: No such image: ');
        continue;
      }
      try {
        const res = await client.stream('GET', `/images/${pathEscape(ref)}/json`);
        let text = '';
        res.setEncoding('utf8');
        for await (const chunk of res as AsyncIterable<string>) text += chunk;
        found.push(parseWithBigInts(text));
      } catch (err) {
        failures.push(errorText(err));
      }
    }
    let outcome: InspectOutcome;
    outcome = withFormat(() => renderImageInspect(found, failures, format));
    ctx.out(outcome.output);
    if (outcome.errors.length > 0) throw new CliError(outcome.errors.join('\n'), 1);
    return 0;
  },
};
