/**
 * How the network commands end on a refusal of their input, as docker's CLI
 * does: a `flag` OptsError is pflag's `invalid argument "v" for "--x" flag:
 * ...` (docker stops while parsing: exit 125 with the help hint); a `parse`
 * one is a message of the command itself, printed as is (exit 1).
 */
import { CliError } from '../../flags/index.js';
import { OptsError } from '../run/opts.js';

/** The CliError an OptsError ends a network command with; other errors pass through. */
export function asCliError(err: unknown, path: readonly string[]): unknown {
  if (!(err instanceof OptsError)) return err;
  if (err.kind === 'flag') return new CliError(`${err.message}\nSee '${path.join(' ')} --help'.`, 125);
  return new CliError(err.message, 1);
}
