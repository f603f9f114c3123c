/**
 * The volume commands of the `berth` CLI, as Docker's CLI has them: the
 * `volume` management command with `create`, `inspect`, `ls`, `prune`, `rm`.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { volumeCreateCommand } from './create.js';
import { volumeInspectCommand } from './inspect.js';
import { volumeListCommand } from './list.js';
import { volumePruneCommand } from './prune.js';
import { volumeRemoveCommand } from './remove.js';

export { kvMap } from './create.js';
export { renderVolumes, naturalLess, VolumeRow, type VolumeInfo } from './list.js';
export { pruneVolumes, renderVolumesDeleted, type VolumePruneReport } from './prune.js';

export const volumeCommand: CommandSpec<CliContext> = {
  name: 'volume',
  usage: 'COMMAND',
  short: 'Manage volumes',
  group: 'Management Commands',
  subcommands: [volumeCreateCommand, volumeInspectCommand, volumeListCommand, volumePruneCommand, volumeRemoveCommand],
};
