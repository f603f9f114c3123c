/**
 * The network commands of the `berth` CLI, as Docker 28's CLI has them: the
 * `network` management command with `connect create disconnect inspect ls
 * prune rm` (docker has no top-level shortcuts for them). The request
 * builders and renderers are exported for tests and for other commands.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { buildConnectBody, buildDisconnectBody, driverOpts, networkConnectCommand, networkDisconnectCommand } from './connect.js';
import { buildNetworkCreateBody, ipamConfigs, NETWORK_CREATE_FLAGS, networkCreateCommand, stringsFlag } from './create.js';
import { fetchNetwork, networkInspectCommand } from './inspect.js';
import { DEFAULT_NETWORK_TABLE_FORMAT, NETWORK_HEADERS, NetworkRow, networkListCommand, renderNetworks } from './list.js';
import { NETWORK_PRUNE_WARNING, networkPruneCommand, renderNetworkPruneReport } from './prune.js';
import { INGRESS_WARNING, networkRemoveCommand } from './remove.js';

export { buildConnectBody, buildDisconnectBody, driverOpts, networkConnectCommand, networkDisconnectCommand };
export { buildNetworkCreateBody, ipamConfigs, NETWORK_CREATE_FLAGS, networkCreateCommand, stringsFlag };
export { fetchNetwork, networkInspectCommand };
export { DEFAULT_NETWORK_TABLE_FORMAT, NETWORK_HEADERS, NetworkRow, networkListCommand, renderNetworks };
export { NETWORK_PRUNE_WARNING, networkPruneCommand, renderNetworkPruneReport };
export { INGRESS_WARNING, networkRemoveCommand };
export { asCliError } from './errors.js';
export { GoTime, typedNetwork } from './typed.js';
export type { IpamInput } from './create.js';
export type { RenderNetworksOptions } from './list.js';
export type * from './types.js';

/** `berth network`: Docker's `network` management command. */
export const networkCommand: CommandSpec<CliContext> = {
  name: 'network',
  usage: 'COMMAND',
  short: 'Manage networks',
  group: 'Management Commands',
  subcommands: [
    networkConnectCommand,
    networkCreateCommand,
    networkDisconnectCommand,
    networkInspectCommand,
    networkListCommand,
    networkPruneCommand,
    networkRemoveCommand,
  ],
};
