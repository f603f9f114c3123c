/**
 * `berth system df`: disk use by images, containers, local volumes and the
 * build cache, as Docker prints it (summary table, `-v` per object, or
 * `--format`). Berth has no build cache yet: it is listed empty, which is
 * what it is.
 */
import type { CommandSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { formatList } from '../../format/formatter.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { goHumanSize, humanDuration, humanSizeWithPrecision, truncateId } from '../common.js';
import { psRow } from '../containers/index.js';
import { VolumeRow, type VolumeInfo } from '../volumes/list.js';

interface DfImage {
  Id: string;
  RepoTags?: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Containers: number;
}

interface DiskUsage {
  LayersSize?: number;
  Images?: DfImage[] | null;
  Containers?: Array<{ SizeRw?: number; State?: string; Mounts?: Array<{ Type?: string }> }> | null;
  Volumes?: Array<{ UsageData?: { Size: number; RefCount: number } | null }> | null;
  BuildCache?: Array<{ Size: number; InUse: boolean; Shared: boolean }> | null;
}

interface SummaryRow {
  Type: string;
  TotalCount: string;
  Active: string;
  Size: string;
  Reclaimable: string;
}

function pct(reclaimable: number, total: number): string {
  return total > 0 ? `${goHumanSize(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)` : goHumanSize(reclaimable);
}

export function summaryRows(du: DiskUsage): SummaryRow[] {
  const images = du.Images ?? [];
  const total = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images) if (i.Containers > 0 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  const containers = du.Containers ?? [];
  const cSize = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const cReclaim = containers.filter((c) => c.State !== 'running').reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const volumes = du.Volumes ?? [];
  const vSize = volumes.reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const vReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const cache = du.BuildCache ?? [];
  const bSize = cache.filter((b) => !b.Shared).reduce((a, b) => a + b.Size, 0);
  const bReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((a, b) => a + b.Size, 0);
  return [
    { Type: 'Images', TotalCount: String(images.length), Active: String(images.filter((i) => i.Containers > 0).length), Size: goHumanSize(total), Reclaimable: pct(total - used, total) },
    { Type: 'Containers', TotalCount: String(containers.length), Active: String(containers.filter((c) => c.State === 'running').length), Size: goHumanSize(cSize), Reclaimable: pct(cReclaim, cSize) },
    { Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: goHumanSize(vSize), Reclaimable: pct(vReclaim, vSize) },
    { Type: 'Build Cache', TotalCount: String(cache.length), Active: String(cache.filter((b) => b.InUse).length), Size: goHumanSize(bSize), Reclaimable: goHumanSize(bReclaim) },
  ];
}

const SUMMARY_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const SUMMARY_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

export function renderVerbose(du: DiskUsage, now = Date.now()): string {
  const rows: Array<Record<string, string>> = [];
  for (const img of du.Images ?? []) {
    const tags = img.RepoTags?.length ? img.RepoTags : ['<none>:<none>'];
    for (const t of tags) {
      const colon = t.lastIndexOf(':');
      rows.push({
        Repository: colon > 0 ? t.slice(0, colon) : t,
        Tag: colon > 0 ? t.slice(colon + 1) : '<none>',
        ID: truncateId(img.Id),
        CreatedSince: `${humanDuration(now - img.Created * 1000)} ago`,
        Size: humanSizeWithPrecision(img.Size, 3),
        SharedSize: img.SharedSize === -1 ? 'N/A' : goHumanSize(img.SharedSize),
        UniqueSize: img.SharedSize === -1 ? 'N/A' : goHumanSize(img.Size - img.SharedSize),
        Containers: String(img.Containers),
      });
    }
  }
  let s = 'Images space usage:\n\n';
  s += formatList(rows, {
    defaultFormat: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
    headers: { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' },
  });
  s += '\nContainers space usage:\n\n';
  s += formatList(
    (du.Containers ?? []).map((c) => ({ ...psRow(c as never, { noTrunc: false, now }), LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Type === 'volume').length), Size: goHumanSize(c.SizeRw ?? 0) })),
    {
      defaultFormat: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
      headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' },
    },
  );
  s += '\nLocal Volumes space usage:\n\n';
  s += formatList(
    (du.Volumes ?? []).map((v) => new VolumeRow(v as VolumeInfo)),
    { defaultFormat: 'table {{.Name}}\t{{.Links}}\t{{.Size}}', headers: { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' } },
  );
  const cache = (du.BuildCache ?? []).reduce((a, b) => a + (b.Shared ? 0 : b.Size), 0);
  s += `\nBuild cache usage: ${goHumanSize(cache)}\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n`;
  return s;
}

export const dfCommand: CommandSpec<CliContext> = {
  name: 'df',
  usage: '[OPTIONS]',
  short: 'Show Berth disk usage',
  maxArgs: 0,
  flags: [
    { long: 'format', kind: 'string', help: FORMAT_FLAG_HELP.table },
    { long: 'verbose', short: 'v', kind: 'bool', help: 'Show detailed information on space usage' },
  ],
  async run(ctx, { flags }) {
    const du = await ctx.client().json<DiskUsage>('GET', '/system/df');
    const format = (flags.format as string | undefined) ?? '';
    if (flags.verbose === true && !format) {
      ctx.out(renderVerbose(du));
      return;
    }
    ctx.out(formatList(summaryRows(du), { format, defaultFormat: SUMMARY_TABLE, headers: SUMMARY_HEADERS }));
  },
};
