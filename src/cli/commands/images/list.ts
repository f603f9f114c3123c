/**
 * `berth images` and `berth image ls` (alias `image list`): the daemon's image
 * list (GET /images/json) rendered as Docker's image formatter renders it
 * (docker/cli cli/command/formatter/image.go): one row per repository and tag,
 * `<none>` for dangling images, digests in their own column with `--digests`,
 * 12-character IDs unless `--no-trunc`, CREATED as go-units' HumanDuration and
 * SIZE as HumanSizeWithPrecision(size, 3); `--format` takes `table`, `json`,
 * `raw` and Go templates over the formatter's fields (`.ID .Repository .Tag
 * .Digest .CreatedSince .CreatedAt .Size .SharedSize .UniqueSize .VirtualSize
 * .Containers`, plus `.Labels` and `.Label "key"`).
 */
import type { CommandSpec, FlagSpec, ParsedArgs } from '../../command.js';
import type { CliContext } from '../../context.js';
import { GO_TYPE, ListFormatter, isTableFormat } from '../../format/index.js';
import { FORMAT_FLAG_HELP } from '../../output.js';
import { parseNormalizedNamed, familiarName } from '../../../engine/images/reference.js';
import { addFilterFlags, filtersQuery, goHumanSize, goTimeString, humanDuration, humanSizeWithPrecision, truncateId, withQuery, withFormat } from '../common.js';

/** An image as GET /images/json returns it (ImageSummary). */
export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  SharedSize?: number;
  VirtualSize?: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

export const DEFAULT_IMAGE_TABLE_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
export const DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';

const RAW_FORMAT = 'repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';
const RAW_FORMAT_WITH_DIGEST = 'repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';

/** Column titles of the image table (Docker's newImageContext headers). */
export const IMAGE_HEADERS: Readonly<Record<string, string>> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Labels: 'LABELS',
};

/** Docker's NewImageFormat: the format to render with, from --format, --quiet and --digests. */
export function imageFormat(source: string, quiet: boolean, digest: boolean): string {
  if (source === '' || source === 'table') {
    if (quiet) return '{{.ID}}';
    return digest ? DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST : DEFAULT_IMAGE_TABLE_FORMAT;
  }
  if (source === 'raw') {
    if (quiet) return 'image_id: {{.ID}}';
    return digest ? RAW_FORMAT_WITH_DIGEST : RAW_FORMAT;
  }
  if (isTableFormat(source) && digest && !source.includes('{{.Digest}}')) return source + '\t{{.Digest}}';
  return source;
}

/** One row of the image list: Docker's imageContext, whose methods are the template's fields. */
export class ImageRow {
  readonly #image: ImageSummary;
  readonly #trunc: boolean;
  readonly #repo: string;
  readonly #tag: string;
  readonly #digest: string;
  readonly #now: number;

  constructor(image: ImageSummary, repo: string, tag: string, digest: string, trunc: boolean, now: number) {
    this.#image = image;
    this.#repo = repo;
    this.#tag = tag;
    this.#digest = digest;
    this.#trunc = trunc;
    this.#now = now;
    Object.defineProperty(this, GO_TYPE, { value: '*formatter.imageContext', enumerable: false });
  }

  ID(): string {
    return this.#trunc ? truncateId(this.#image.Id) : this.#image.Id;
  }
  Repository(): string {
    return this.#repo;
  }
  Tag(): string {
    return this.#tag;
  }
  Digest(): string {
    return this.#digest;
  }
  CreatedSince(): string {
    return humanDuration(this.#now - this.#image.Created * 1000) + ' ago';
  }
  CreatedAt(): string {
    return goTimeString(this.#image.Created);
  }
  Size(): string {
    return humanSizeWithPrecision(this.#image.Size, 3);
  }
  Containers(): string {
    const c = this.#image.Containers ?? -1;
    return c === -1 ? 'N/A' : String(c);
  }
  VirtualSize(): string {
    return goHumanSize(this.#image.Size);
  }
  SharedSize(): string {
    const s = this.#image.SharedSize ?? -1;
    return s === -1 ? 'N/A' : goHumanSize(s);
  }
  UniqueSize(): string {
    const s = this.#image.SharedSize ?? -1;
    if (this.#image.Size === -1 || s === -1) return 'N/A';
    return goHumanSize(this.#image.Size - s);
  }
  /** The image's labels as `k=v` pairs, sorted, comma-separated (Berth addition). */
  Labels(): string {
    const labels = this.#image.Labels ?? {};
    return Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k] ?? ''}`)
      .join(',');
  }
  /** One label's value (Berth addition), '' when absent. */
  Label(name: string): string {
    return this.#image.Labels?.[name] ?? '';
  }
  /** `{{json .}}`: the fields Docker's formatter.MarshalJSON emits, keys sorted. */
  toJSON(): Record<string, string> {
    return {
      Containers: this.Containers(),
      CreatedAt: this.CreatedAt(),
      CreatedSince: this.CreatedSince(),
      Digest: this.Digest(),
      ID: this.ID(),
      Repository: this.Repository(),
      SharedSize: this.SharedSize(),
      Size: this.Size(),
      Tag: this.Tag(),
      UniqueSize: this.UniqueSize(),
      VirtualSize: this.VirtualSize(),
    };
  }
}

function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

export interface ImageRowsOptions {
  /** Truncate IDs (not --no-trunc). */
  trunc: boolean;
  /** --digests. */
  digests: boolean;
  /** Whether the format shows digests (`{{.Digest}}` in it): digests get rows of their own, as with --digests. */
  formatHasDigest: boolean;
  /** Now, in milliseconds (for CREATED). */
  now: number;
}

/**
 * The rows Docker's imageFormat makes from the image list: one per
 * repository and tag (times each digest of the repository when digests are
 * shown), one per digest-only repository, `<none> <none>` for dangling images.
 */
export function imageRows(images: readonly ImageSummary[], opts: ImageRowsOptions): ImageRow[] {
  const rows: ImageRow[] = [];
  const needDigest = opts.digests || opts.formatHasDigest;
  for (const img of images) {
    const add = (repo: string, tag: string, digest: string): void => {
      rows.push(new ImageRow(img, repo, tag, digest, opts.trunc, opts.now));
    };
    if (isDangling(img)) {
      add('<none>', '<none>', '<none>');
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const s of img.RepoTags ?? []) {
      let ref;
      try {
        ref = parseNormalizedNamed(s);
      } catch {
        continue;
      }
      if (ref.tag === undefined) continue;
      const name = familiarName(ref);
      repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
    }
    for (const s of img.RepoDigests ?? []) {
      let ref;
      try {
        ref = parseNormalizedNamed(s);
      } catch {
        continue;
      }
      if (ref.digest === undefined) continue;
      const name = familiarName(ref);
      repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
    }
    for (const [repo, tags] of repoTags) {
      const digests = needDigest ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of tags) {
        if (digests.length === 0) add(repo, tag, '<none>');
        else for (const d of digests) add(repo, tag, d);
      }
    }
    for (const [repo, digests] of repoDigests) {
      if (opts.digests) for (const d of digests) add(repo, '<none>', d);
      else add(repo, '<none>', '');
    }
  }
  return rows;
}

export interface RenderImagesOptions {
  /** --format ('' for the default table). */
  format?: string;
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  /** Now, in milliseconds; default Date.now(). */
  now?: number;
}

/** The whole output of `berth images` for an image list. Throws FormatError for a bad template. */
export function renderImages(images: readonly ImageSummary[], opts: RenderImagesOptions = {}): string {
  const format = imageFormat(opts.format ?? '', opts.quiet ?? false, opts.digests ?? false);
  const formatter = new ListFormatter(format, IMAGE_HEADERS);
  const rows = imageRows(images, {
    trunc: !(opts.noTrunc ?? false),
    digests: opts.digests ?? false,
    formatHasDigest: format.includes('{{.Digest}}'),
    now: opts.now ?? Date.now(),
  });
  return formatter.render(rows);
}

const FLAGS: FlagSpec[] = [
  { long: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides intermediate images)' },
  { long: 'digests', kind: 'bool', help: 'Show digests' },
  { long: 'filter', short: 'f', kind: 'stringArray', typeName: 'filter', help: 'Filter output based on conditions provided' },
  { long: 'format', kind: 'string', help: FORMAT_FLAG_HELP.table },
  { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
];

async function runImages(ctx: CliContext, parsed: ParsedArgs): Promise<number> {
  const { flags, args } = parsed;
  const filters = addFilterFlags({}, (flags.filter as string[] | undefined) ?? [], '-f, --filter', (parsed.path ?? ['berth', 'images']).join(' '));
  const match = args[0];
  if (match !== undefined && match !== '') (filters['reference'] ??= {})[match] = true;
  const format = (flags.format as string | undefined) ?? '';
  const quiet = flags.quiet === true;
  const digests = flags.digests === true;
  // As Docker: the list is fetched first, the format compiled after (a bad template fails then).
  const pairs: [string, string][] = [];
  if (flags.all === true) pairs.push(['all', '1']);
  const fq = filtersQuery(filters);
  if (fq !== undefined) pairs.push(['filters', fq]);
  const images = await ctx.client().json<ImageSummary[] | null>('GET', withQuery('/images/json', pairs));
  withFormat(() => ctx.out(renderImages(images ?? [], { format, quiet, digests, noTrunc: flags['no-trunc'] === true })));
  return 0;
}

/** `berth images`: listed under the root's Common Commands, as Docker lists it. */
export const imagesCommand: CommandSpec<CliContext> = {
  name: 'images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  short: 'List images',
  group: 'Common Commands',
  maxArgs: 1,
  aliasPaths: ['image ls', 'image list', 'images'],
  flags: FLAGS,
  run: runImages,
};

/** `berth image ls` (alias `image list`). */
export const imageListCommand: CommandSpec<CliContext> = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  short: 'List images',
  maxArgs: 1,
  aliasPaths: ['image ls', 'image list', 'images'],
  flags: FLAGS,
  run: runImages,
};
