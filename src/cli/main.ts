/**
 * The `berth` command tree and its entry point: global options as Docker's
 * CLI has them, the commands, and Docker's error policy — "Error response
 * from daemon: ..." for refusals, the connection hint when no daemon answers,
 * exit code 1 for failures (125 for flag errors and for `run`-like commands,
 * as their CliErrors say).
 */
import type { CommandSpec } from './command.js';
import { makeContext, certDir, type CliContext } from './context.js';
import { runCli, CliError, type Invocation } from './flags/index.js';
import { errorText } from './commands/common.js';
import { versionCommand } from './commands/version.js';
import { infoCommand } from './commands/info.js';
import { eventsCommand } from './commands/events.js';
import { dfCommand } from './commands/system/df.js';
import { systemPruneCommand } from './commands/system/prune.js';
import { volumeCommand } from './commands/volumes/index.js';
import { containerCommand, topLevelContainerCommands } from './commands/containers/index.js';
import { runTopLevelCommands, runContainerSubcommands } from './commands/run/index.js';

const runCommands = runTopLevelCommands;
containerCommand.subcommands = [...(containerCommand.subcommands ?? []), ...runContainerSubcommands].sort((a, b) => a.name.localeCompare(b.name));
import { imageCommand, topLevelImageCommands } from './commands/images/index.js';
import { networkCommand } from './commands/network/index.js';
import { BUILD } from '../version.js';
import { join } from 'node:path';

const systemCommand: CommandSpec<CliContext> = {
  name: 'system',
  short: 'Manage Berth',
  usage: 'COMMAND',
  group: 'Management Commands',
  subcommands: [dfCommand, eventsCommand, infoCommand, systemPruneCommand],
};

export const rootCommand: CommandSpec<CliContext> = {
  name: 'berth',
  usage: '[OPTIONS] COMMAND',
  short: 'A container engine that speaks the Docker Engine API',
  flags: [
    { long: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' },
    { long: 'host', short: 'H', kind: 'stringArray', typeName: 'list', help: 'Daemon socket to connect to' },
    { long: 'log-level', short: 'l', kind: 'string', help: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', default: 'info' },
    { long: 'tls', kind: 'bool', help: 'Use TLS; implied by --tlsverify' },
    { long: 'tlscacert', kind: 'string', help: 'Trust certs signed only by this CA', default: join(certDir(), 'ca.pem') },
    { long: 'tlscert', kind: 'string', help: 'Path to TLS certificate file', default: join(certDir(), 'cert.pem') },
    { long: 'tlskey', kind: 'string', help: 'Path to TLS key file', default: join(certDir(), 'key.pem') },
    { long: 'tlsverify', kind: 'bool', help: 'Use TLS and verify the remote' },
    { long: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
  ],
  subcommands: [...runCommands, ...topLevelContainerCommands, ...topLevelImageCommands, versionCommand, infoCommand, eventsCommand, containerCommand, imageCommand, networkCommand, systemCommand, volumeCommand],
  async run(_ctx, parsed) {
    if (parsed.flags.version === true) {
      process.stdout.write(`Berth version ${BUILD.version}, build ${BUILD.gitCommit}\n`);
      return 0;
    }
    return undefined;
  },
};

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'fatal']);

/** Docker's error policy: the message (daemon refusals prefixed), exit 1 or the CliError's code. */
export function onError(err: unknown, inv: Invocation): number {
  const msg = errorText(err);
  if (msg) inv.io.stderr(msg + '\n');
  return err instanceof CliError ? err.exitCode || 1 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };
  let ctx: CliContext | null = null;
  try {
    return await runCli(
      rootCommand,
      argv,
      io,
      (globals) => {
        const level = String(globals.flags['log-level'] ?? 'info');
        if (!LOG_LEVELS.has(level)) throw new CliError(`Unable to parse logging level: ${level}`, 1);
        ctx = makeContext(globals);
        return ctx;
      },
      { onError, width: process.stdout.columns || 80 },
    );
  } finally {
    (ctx as CliContext | null)?.dispose();
  }
}
