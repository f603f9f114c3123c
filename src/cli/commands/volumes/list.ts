/**
 * `berth volume ls`: GET /volumes with `--filter`, printed as Docker's
 * volume formatter prints it (default `table {{.Driver}}\t{{.Name}}`, names in
 * natural order, `-q` for names only, a custom `--format` winning over `-q`,
 * the fields Name, Driver, Scope, Mountpoint, Labels, Label, Links, Size).
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { GO_TYPE, formatList } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { addFilterFlags, filtersQuery, goHumanSize, withQuery, withFormat } from '../common.js';

export interface VolumeInfo {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  CreatedAt?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

/** One row: Docker's volumeContext, whose methods are the template's fields. */
export class VolumeRow {
  readonly #v: VolumeInfo;
  constructor(v: VolumeInfo) {
    this.#v = v;
    Object.defineProperty(this, GO_TYPE, { value: '*formatter.volumeContext', enumerable: false });
  }
  Name(): string {
    return this.#v.Name;
  }
  Driver(): string {
    return this.#v.Driver;
  }
  Scope(): string {
    return this.#v.Scope ?? 'local';
  }
  Mountpoint(): string {
    return this.#v.Mountpoint;
  }
  Labels(): string {
    const l = this.#v.Labels ?? {};
    return Object.keys(l)
      .sort()
      .map((k) => `${k}=${l[k]}`)
      .join(',');
  }
  Label(name: string): string {
    return this.#v.Labels?.[name] ?? '';
  }
  Links(): string {
    return this.#v.UsageData ? String(this.#v.UsageData.RefCount) : 'N/A';
  }
  Size(): string {
    const u = this.#v.UsageData;
    return !u || u.Size === -1 ? 'N/A' : goHumanSize(u.Size);
  }
  Availability(): string {
    return 'N/A';
  }
  Group(): string {
    return 'N/A';
  }
  Status(): string {
    return 'N/A';
  }
  toJSON(): Record<string, string> {
    return {
      Availability: this.Availability(),
      Driver: this.Driver(),
      Group: this.Group(),
      Labels: this.Labels(),
      Links: this.Links(),
      Mountpoint: this.Mountpoint(),
      Name: this.Name(),
      Scope: this.Scope(),
      Size: this.Size(),
      Status: this.Status(),
    };
  }
}

/** Go's sortorder.NaturalLess: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return pa.length < pb.length;
}

export const VOLUME_HEADERS = { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Availability: 'AVAILABILITY', Group: 'GROUP', Status: 'STATUS' };

export function renderVolumes(vols: readonly VolumeInfo[], format: string, quiet: boolean): string {
  const sorted = [...vols].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
  return formatList(
    sorted.map((v) => new VolumeRow(v)),
    { format, defaultFormat: 'table {{.Driver}}\t{{.Name}}', headers: VOLUME_HEADERS, quiet, quietFormat: '{{.Name}}', quietOverridesCustom: false },
  );
}

export const volumeListCommand: CommandSpec<CliContext> = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  short: 'List volumes',
  maxArgs: 0,
  flags: [
    { long: 'filter', short: 'f', kind: 'stringArray', typeName: 'filter', help: 'Provide filter values (e.g. "dangling=true")' },
    { long: 'format', kind: 'string', help: FORMAT_FLAG_HELP.table },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
  ],
  async run(ctx, parsed) {
    const { flags } = parsed;
    const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '--filter', (parsed.path ?? ['berth', 'volume', 'ls']).join(' '));
    const q = filtersQuery(filters);
    const r = await ctx.client().json<{ Volumes: VolumeInfo[] | null }>('GET', withQuery('/volumes', q ? [['filters', q]] : []));
    withFormat(() => ctx.out(renderVolumes(r.Volumes ?? [], (flags.format as string | undefined) ?? '', flags.quiet === true)));
  },
};
