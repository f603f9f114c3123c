/**
 * The container commands of `berth` that need no running process: `ps`
 * (`container ls`), `rm`, `rename`, `container prune`, `container inspect`,
 * and the generic `inspect` that looks a name up as a container, then as an
 * image, then as a network, as Docker's does. Output layouts, messages and
 * exit codes are Docker's.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { formatInspect, formatList, FormatError } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { parseWithBigInts } from '../../../lib/json.js';
import { ApiError } from '../../../client/client.js';
import { addFilterFlags, ellipsis, errorText, failIfAny, filtersQuery, inTurn, goHumanSize, humanDuration, pathEscape, truncateId, withQuery, confirm } from '../common.js';

interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: unknown[];
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts?: Array<{ Name?: string; Source?: string }>;
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

/** A row of `ps`, with the fields Docker's container formatter offers to templates. */
export function psRow(c: ContainerSummary, opts: { noTrunc: boolean; now?: number }): Record<string, unknown> {
  const now = opts.now ?? Date.now();
  const cmd = opts.noTrunc ? c.Command : ellipsis(c.Command, 20);
  const image = /^sha256:[0-9a-f]{64}$/.test(c.Image) && !opts.noTrunc ? truncateId(c.Image) : c.Image;
  const labels = c.Labels ?? {};
  return {
    ID: opts.noTrunc ? c.Id : truncateId(c.Id),
    Image: image,
    Command: JSON.stringify(cmd),
    CreatedAt: new Date(c.Created * 1000).toString(),
    RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
    Ports: '',
    State: c.State,
    Status: c.Status,
    Size: c.SizeRw !== undefined ? `${goHumanSize(c.SizeRw)} (virtual ${goHumanSize(c.SizeRootFs ?? 0)})` : '',
    Names: c.Names.map((n) => n.replace(/^\//, '')).filter((n) => !n.includes('/')).join(','),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(','),
    Label: (name: string) => labels[name] ?? '',
    Mounts: (c.Mounts ?? []).map((m) => (opts.noTrunc ? (m: string) => m : (m: string) => ellipsis(m, 15))(m.Name || m.Source || '')).join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
  };
}

const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const PS_HEADERS = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Status: 'STATUS', State: 'STATE', Ports: 'PORTS', Names: 'NAMES', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS' };

function fail(err: unknown): never {
  if (err instanceof FormatError) throw new CliError(err.message, err.status);
  throw err;
}

export const psCommand: CommandSpec<CliContext> = {
  name: 'ps',
  usage: '[OPTIONS]',
  short: 'List containers',
  group: 'Common Commands',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { long: 'filter', short: 'f', kind: 'stringArray', typeName: 'filter', help: 'Filter output based on conditions provided' },
    { long: 'format', kind: 'string', help: FORMAT_FLAG_HELP.table },
    { long: 'last', short: 'n', kind: 'int', help: 'Show n last created containers (includes all states)', default: -1 },
    { long: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  async run(ctx, { flags }) {
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '-f, --filter', 'berth ps');
    const pairs: Array<[string, string]> = [];
    if (flags.all === true) pairs.push(['all', '1']);
    const last = (flags.last as number | undefined) ?? -1;
    if (flags.latest === true) pairs.push(['limit', '1']);
    else if (last > 0) pairs.push(['limit', String(last)]);
    if (flags.size === true) pairs.push(['size', '1']);
    const fq = filtersQuery(filters);
    if (fq) pairs.push(['filters', fq]);
    const list = await ctx.client().json<ContainerSummary[]>('GET', withQuery('/containers/json', pairs));
    const noTrunc = flags['no-trunc'] === true;
    let format = (flags.format as string | undefined) ?? '';
    if (!format && flags.size === true) format = `${PS_TABLE}\t{{.Size}}`;
    try {
      ctx.out(formatList(list.map((c) => psRow(c, { noTrunc })), { format, defaultFormat: PS_TABLE, headers: PS_HEADERS, quiet: flags.quiet === true }));
    } catch (err) {
      fail(err);
    }
  },
};

export const rmCommand: CommandSpec<CliContext> = {
  name: 'rm',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Remove one or more containers',
  group: 'Commands',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  async run(ctx, { flags, args }) {
    const q: Array<[string, string]> = [];
    if (flags.force === true) q.push(['force', '1']);
    if (flags.volumes === true) q.push(['v', '1']);
    if (flags.link === true) q.push(['link', '1']);
    const remove = async (name: string) => {
      try {
        await ctx.client().json('DELETE', withQuery(`/containers/${pathEscape(name)}`, q));
        return name;
      } catch (err) {
        // As docker: with -f, containers that do not exist are not an error.
        if (flags.force === true && err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    };
    failIfAny(await inTurn(args, remove, ctx.out));
  },
};

export const renameCommand: CommandSpec<CliContext> = {
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  short: 'Rename a container',
  group: 'Commands',
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, { args }) {
    const [oldName, newName] = args as [string, string];
    if (!oldName.trim() || !newName.trim()) throw new CliError('Error: Neither old nor new names may be empty', 1);
    await ctx.client().json('POST', withQuery(`/containers/${pathEscape(oldName)}/rename`, [['name', newName]]));
  },
};

export const containerPruneCommand: CommandSpec<CliContext> = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [
    { long: 'filter', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, { flags }) {
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '--filter', 'berth container prune');
    if (flags.force !== true) {
      if (!(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
    }
    const r = await ctx.client().json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', withQuery('/containers/prune', [['filters', filtersQuery(filters) ?? '{}']]));
    let s = '';
    if (r.ContainersDeleted?.length) s += `Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n\n`;
    ctx.out(`${s}Total reclaimed space: ${goHumanSize(r.SpaceReclaimed)}\n`);
    return 0;
  },
};

async function fetchJson(ctx: CliContext, path: string): Promise<unknown> {
  const res = await ctx.client().stream('GET', path);
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return parseWithBigInts(text);
}

type Kind = 'container' | 'image' | 'network';

const KIND_PATHS: Record<Kind, (ref: string, size: boolean) => string> = {
  container: (ref, size) => `/containers/${pathEscape(ref)}/json${size ? '?size=1' : ''}`,
  image: (ref) => `/images/${pathEscape(ref)}/json`,
  network: (ref) => `/networks/${pathEscape(ref)}`,
};

async function inspectAll(ctx: CliContext, args: string[], format: string, kinds: Kind[], size: boolean): Promise<void> {
  try {
    formatInspect([], format);
  } catch (err) {
    fail(err);
  }
  const found: unknown[] = [];
  const failures: string[] = [];
  for (const ref of args) {
    let done = false;
    let lastErr: unknown = null;
    for (const kind of kinds) {
      const path = KIND_PATHS[kind](ref, size);
      try {
        found.push(await fetchJson(ctx, path));
        done = true;
        break;
      } catch (err) {
        lastErr = err;
        // As docker's inspect: not found (or not supported) means try the next kind of object.
        if (err instanceof ApiError && (err.status === 404 || err.status === 501)) continue;
        break;
      }
    }
    if (!done) failures.push(kinds.length > 1 && lastErr instanceof ApiError && lastErr.status === 404 ? `Error: No such object: ${ref}` : errorText(lastErr));
  }
  let r: { output: string; errors: string[] };
  try {
    r = formatInspect(found, format);
  } catch (err) {
    fail(err);
  }
  ctx.out(r.output);
  const errors = [...failures, ...r.errors];
  if (errors.length) throw new CliError(errors.join('\n'), 1);
}

const INSPECT_FLAGS = [
  { long: 'format', short: 'f', kind: 'string' as const, help: FORMAT_FLAG_HELP.single },
  { long: 'size', short: 's', kind: 'bool' as const, help: 'Display total file sizes' },
];

export const containerInspectCommand: CommandSpec<CliContext> = {
  name: 'inspect',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Display detailed information on one or more containers',
  minArgs: 1,
  flags: INSPECT_FLAGS,
  run: (ctx, { flags, args }) => inspectAll(ctx, args, (flags.format as string | undefined) ?? '', ['container'], flags.size === true),
};

export const inspectCommand: CommandSpec<CliContext> = {
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  short: 'Return low-level information on Berth objects',
  group: 'Commands',
  minArgs: 1,
  flags: [...INSPECT_FLAGS, { long: 'type', kind: 'string', help: 'Only inspect objects of the given type' }],
  run(ctx, { flags, args }) {
    const type = (flags.type as string | undefined) ?? '';
    let kinds: Kind[] = ['container', 'image', 'network'];
    if (type === 'container' || type === 'image' || type === 'network') kinds = [type];
    else if (type) throw new CliError(`"${type}" is not a valid value for --type`, 1);
    return inspectAll(ctx, args, (flags.format as string | undefined) ?? '', kinds, flags.size === true);
  },
};

export const containerCommand: CommandSpec<CliContext> = {
  name: 'container',
  usage: 'COMMAND',
  short: 'Manage containers',
  group: 'Management Commands',
  subcommands: [
    containerInspectCommand,
    { ...psCommand, name: 'ls', aliases: ['list', 'ps'], group: undefined },
    containerPruneCommand,
    renameCommand,
    { ...rmCommand, aliases: ['remove'], group: undefined },
  ],
};

export const topLevelContainerCommands: CommandSpec<CliContext>[] = [psCommand, rmCommand, renameCommand, inspectCommand];
