/**
 * `berth network ls` (alias `list`): GET /networks with the `--filter` values
 * (driver, id, label, name, scope, type, dangling: the daemon applies them),
 * sorted by name in natural order and rendered as docker's network formatter
 * does (cli/command/network/formatter.go): the table `NETWORK ID NAME DRIVER
 * SCOPE`, 12-character IDs unless `--no-trunc`, `-q` for IDs only (a custom
 * `--format` wins over `-q`), `raw`, `json`, and Go templates over `.ID .Name
 * .Driver .Scope .IPv4 .IPv6 .Internal .Labels .Label "k" .CreatedAt`.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { formatList, GO_TYPE } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { addFilterFlags, filtersQuery, goTimeStringOfRfc3339, naturalCompare, truncateId, withQuery, withFormat } from '../common.js';
import type { NetworkSummary } from './types.js';
import { compareStrings } from '../../format/value.js';

export const DEFAULT_NETWORK_TABLE_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const RAW_FORMAT = 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
const RAW_QUIET_FORMAT = 'network_id: {{.ID}}';

/** Column titles of the network table. */
export const NETWORK_HEADERS: Readonly<Record<string, string>> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** One row of the list: docker's networkContext, whose methods are the template's fields. */
export class NetworkRow {
  readonly #n: NetworkSummary;
  readonly #trunc: boolean;

  constructor(n: NetworkSummary, trunc: boolean) {
    this.#n = n;
    this.#trunc = trunc;
    Object.defineProperty(this, GO_TYPE, { value: '*network.networkContext', enumerable: false });
  }

  ID(): string {
    return this.#trunc ? truncateId(this.#n.Id ?? '') : (this.#n.Id ?? '');
  }
  Name(): string {
    return this.#n.Name ?? '';
  }
  Driver(): string {
    return this.#n.Driver ?? '';
  }
  Scope(): string {
    return this.#n.Scope ?? '';
  }
  IPv4(): string {
    return String(this.#n.EnableIPv4 === true);
  }
  IPv6(): string {
    return String(this.#n.EnableIPv6 === true);
  }
  Internal(): string {
    return String(this.#n.Internal === true);
  }
  /** `k=v` pairs joined by commas (docker's order is its map's; here keys are sorted). */
  Labels(): string {
    const labels = this.#n.Labels;
    if (!labels) return '';
    return Object.keys(labels)
      .sort(compareStrings)
      .map((k) => `${k}=${labels[k] ?? ''}`)
      .join(',');
  }
  Label(name: string): string {
    return this.#n.Labels?.[name] ?? '';
  }
  CreatedAt(): string {
    return goTimeStringOfRfc3339(this.#n.Created);
  }
  /** `{{json .}}`: every field, keys sorted, as formatter.MarshalJSON emits them. */
  toJSON(): Record<string, string> {
    return {
      CreatedAt: this.CreatedAt(),
      Driver: this.Driver(),
      ID: this.ID(),
      IPv4: this.IPv4(),
      IPv6: this.IPv6(),
      Internal: this.Internal(),
      Labels: this.Labels(),
      Name: this.Name(),
      Scope: this.Scope(),
    };
  }
}

export interface RenderNetworksOptions {
  /** --format ('' for the default table). */
  format?: string;
  quiet?: boolean;
  noTrunc?: boolean;
}

/** The whole output of `network ls` for a network list; throws FormatError for a bad template. */
export function renderNetworks(networks: readonly NetworkSummary[], opts: RenderNetworksOptions = {}): string {
  const sorted = [...networks].sort((a, b) => naturalCompare(a.Name ?? '', b.Name ?? ''));
  const trunc = !(opts.noTrunc ?? false);
  return formatList(
    sorted.map((n) => new NetworkRow(n, trunc)),
    {
      format: opts.format ?? '',
      defaultFormat: DEFAULT_NETWORK_TABLE_FORMAT,
      headers: NETWORK_HEADERS,
      quiet: opts.quiet ?? false,
      rawFormat: RAW_FORMAT,
      rawQuietFormat: RAW_QUIET_FORMAT,
      quietOverridesCustom: false,
    },
  );
}

export const networkListCommand: CommandSpec<CliContext> = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  short: 'List networks',
  maxArgs: 0,
  flags: [
    { long: 'filter', short: 'f', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "driver=bridge")' },
    { long: 'format', kind: 'string', help: FORMAT_FLAG_HELP.table },
    { long: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '-f, --filter', (parsed.path ?? ['berth', 'network', 'ls']).join(' '));
    const fq = filtersQuery(filters);
    const networks = await ctx.client().json<NetworkSummary[] | null>('GET', withQuery('/networks', fq === undefined ? [] : [['filters', fq]]));
    withFormat(() => ctx.out(renderNetworks(networks ?? [], { format: (flags.format as string | undefined) ?? '', quiet: flags.quiet === true, noTrunc: flags['no-trunc'] === true })));
    return 0;
  },
};
