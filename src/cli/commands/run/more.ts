/**
 * The remaining container commands of `berth`, as docker's CLI has them:
 * `update` (resources and restart policy of running containers), `commit`
 * (a container's changes into an image), `export` (its filesystem as a tar
 * stream), `stats` (resource usage, one-shot with --no-stream, refreshed
 * every second otherwise) and `cp` (files between a container and the local
 * filesystem through the archive API, or a tar stream on stdin/stdout with
 * `-`). Texts, requests and exit codes follow docker/cli's update.go,
 * commit.go, export.go, stats.go / stats_helpers.go / formatter_stats.go and
 * cp.go with moby's archive.CopyTo / PrepareArchiveCopy rules.
 */
import { createReadStream, createWriteStream, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, chownSync, utimesSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { CommandSpec, FlagSpec } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError } from '../../flags/index.js';
import { formatList } from '../../format/index.js';
import { formatFloat } from '../../format/gofmt.js';
import { bytesSize } from '../../../lib/units.js';
import { parseNormalizedNamed, referenceName, tagNameOnly } from '../../../engine/images/reference.js';
import { errorText, failIfAny, humanSizeWithPrecision, inTurn, JsonValueSplitter, pathEscape, truncateId, withQuery, withFormat } from '../common.js';
import { validateSaveDestination, writeFileAtomically } from '../images/save.js';
import { OptsError, parseNanoCpus, parseRestartPolicy } from './opts.js';
import { flushed, stdioOf } from './stream.js';

function containerPath(id: string, tail = ''): string {
  return `/containers/${pathEscape(id)}${tail}`;
}

// ---- update ------------------------------------------------------------------------

const UPDATE_FLAGS: FlagSpec[] = [
  { long: 'blkio-weight', kind: 'string', typeName: 'uint16', help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable', default: '0' },
  { long: 'cpu-period', kind: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { long: 'cpu-quota', kind: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { long: 'cpu-rt-period', kind: 'int', help: 'Limit the CPU real-time period in microseconds' },
  { long: 'cpu-rt-runtime', kind: 'int', help: 'Limit the CPU real-time runtime in microseconds' },
  { long: 'cpu-shares', short: 'c', kind: 'int', help: 'CPU shares (relative weight)' },
  { long: 'cpus', kind: 'string', typeName: 'decimal', help: 'Number of CPUs' },
  { long: 'cpuset-cpus', kind: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'cpuset-mems', kind: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
  { long: 'memory', short: 'm', kind: 'string', typeName: 'bytes', help: 'Memory limit' },
  { long: 'memory-reservation', kind: 'string', typeName: 'bytes', help: 'Memory soft limit' },
  { long: 'memory-swap', kind: 'string', typeName: 'bytes', help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  { long: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { long: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits' },
];

function flagFail(raw: string, name: string, reason: string): CliError {
  return new CliError(`invalid argument "${raw}" for "${name}" flag: ${reason}\nSee 'berth update --help'.`, 125);
}

export const updateCommand: CommandSpec<CliContext> = {
  name: 'update',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Update configuration of one or more containers',
  group: 'Commands',
  minArgs: 1,
  flags: UPDATE_FLAGS,
  async run(ctx, parsed) {
    const { flags, set, args } = parsed;
    const s = (k: string): string => (typeof flags[k] === 'string' ? (flags[k] as string) : '');
    const n = (k: string): number => (typeof flags[k] === 'number' ? (flags[k] as number) : 0);
    const mem = (k: string, label: string): number => {
      if (!set.has(k) || s(k) === '') return 0;
      if (k === 'memory-swap' && s(k) === '-1') return -1;
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s(k));
      const units: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, p: 1024 ** 5, pb: 1024 ** 5 };
      const mult = m ? units[(m[2] ?? '').toLowerCase().replace(/ib$/, 'b')] : undefined;
      if (!m || mult === undefined) throw flagFail(s(k), label, `invalid size: '${s(k)}'`);
      return Math.floor(parseFloat(m[1] ?? '0') * mult);
    };
    if (set.size === 0) throw new CliError('you must provide one or more flags when using this command', 1);
    let nanoCpus = 0;
    if (set.has('cpus')) {
      try {
        nanoCpus = parseNanoCpus(s('cpus'));
      } catch (err) {
        if (err instanceof OptsError) throw new CliError(`${err.message}\nSee 'berth update --help'.`, 125);
        throw err;
      }
    }
    let blkio = 0;
    if (set.has('blkio-weight')) {
      if (!/^\d+$/.test(s('blkio-weight')) || Number(s('blkio-weight')) > 65535) throw flagFail(s('blkio-weight'), '--blkio-weight', `strconv.ParseUint: parsing "${s('blkio-weight')}": invalid syntax`);
      blkio = Number(s('blkio-weight'));
    }
    let restart = { Name: '', MaximumRetryCount: 0 };
    if (set.has('restart')) {
      try {
        restart = parseRestartPolicy(s('restart'));
      } catch (err) {
        throw new CliError((err as Error).message, 1);
      }
    }
    const body = {
      CpuShares: n('cpu-shares'),
      Memory: mem('memory', '-m, --memory'),
      NanoCpus: nanoCpus,
      CgroupParent: '',
      BlkioWeight: blkio,
      BlkioWeightDevice: null,
      BlkioDeviceReadBps: null,
      BlkioDeviceWriteBps: null,
      BlkioDeviceReadIOps: null,
      BlkioDeviceWriteIOps: null,
      CpuPeriod: n('cpu-period'),
      CpuQuota: n('cpu-quota'),
      CpuRealtimePeriod: n('cpu-rt-period'),
      CpuRealtimeRuntime: n('cpu-rt-runtime'),
      CpusetCpus: s('cpuset-cpus'),
      CpusetMems: s('cpuset-mems'),
      Devices: null,
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: mem('memory-reservation', '--memory-reservation'),
      MemorySwap: mem('memory-swap', '--memory-swap'),
      MemorySwappiness: null,
      OomKillDisable: null,
      PidsLimit: set.has('pids-limit') ? n('pids-limit') : null,
      Ulimits: null,
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      RestartPolicy: restart,
    };
    const warnings: string[] = [];
    const update = async (name: string) => {
      const r = await ctx.client().json<{ Warnings?: string[] | null }>('POST', containerPath(name, '/update'), { body });
      warnings.push(...(r?.Warnings ?? []));
      return name;
    };
    const errs = await inTurn(args, update, ctx.out);
    if (warnings.length) ctx.out(`${warnings.join('\n')}\n`);
    failIfAny(errs);
    return 0;
  },
};

// ---- commit -----------------------------------------------------------------------------

export const commitCommand: CommandSpec<CliContext> = {
  name: 'commit',
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  short: "Create a new image from a container's changes",
  group: 'Commands',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { long: 'author', short: 'a', kind: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { long: 'change', short: 'c', kind: 'stringArray', typeName: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', help: 'Commit message' },
    { long: 'pause', short: 'p', kind: 'bool', help: 'Pause container during commit', default: true },
  ],
  async run(ctx, { flags, args }) {
    const [container = '', ref = ''] = args;
    let repo = '';
    let tag = '';
    if (ref !== '') {
      let r;
      try {
        r = parseNormalizedNamed(ref);
      } catch (err) {
        throw new CliError((err as Error).message, 1);
      }
      if (r.digest !== undefined) throw new CliError('refusing to create a tag with a digest reference', 1);
      r = tagNameOnly(r);
      tag = r.tag ?? '';
      repo = referenceName(r);
    }
    const q: Array<[string, string]> = [['author', (flags.author as string | undefined) ?? '']];
    for (const c of (flags.change as string[] | undefined) ?? []) q.push(['changes', c]);
    q.push(['comment', (flags.message as string | undefined) ?? ''], ['container', container]);
    if (flags.pause === false) q.push(['pause', '0']);
    q.push(['repo', repo], ['tag', tag]);
    const r = await ctx.client().json<{ Id: string }>('POST', withQuery('/commit', q));
    ctx.out(`${r.Id}\n`);
    return 0;
  },
};

// ---- export ---------------------------------------------------------------------------------

export const exportCommand: CommandSpec<CliContext> = {
  name: 'export',
  usage: '[OPTIONS] CONTAINER',
  short: "Export a container's filesystem as a tar archive",
  group: 'Commands',
  minArgs: 1,
  maxArgs: 1,
  flags: [{ long: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, { flags, args }) {
    const io = stdioOf(ctx);
    const output = (flags.output as string | undefined) ?? '';
    if (output === '' && io.stdoutIsTty) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    if (output !== '') {
      const problem = await validateSaveDestination(output);
      if (problem !== '') throw new CliError(`failed to export container: ${problem}`, 1);
    }
    const res = await ctx.client().stream('GET', containerPath(args[0] ?? '', '/export'));
    if (output === '') {
      for await (const chunk of res as AsyncIterable<Buffer>) if (!io.stdout.write(chunk)) await new Promise((r) => io.stdout.once('drain', r));
      await flushed(io.stdout);
      return 0;
    }
    await writeFileAtomically(output, res as AsyncIterable<Buffer>, 0o600);
    return 0;
  },
};

// ---- stats ---------------------------------------------------------------------------------------

interface StatsJson {
  id?: string;
  name?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  pids_stats?: { current?: number };
}

/** One row of `stats`, computed as docker's stats_helpers does (Linux daemon). */
export function statsRow(id: string, s: StatsJson, noTrunc: boolean, container = id): Record<string, string> {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const online = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 0;
  const cpu = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
  const ms = s.memory_stats ?? {};
  const st = ms.stats ?? {};
  let used = ms.usage ?? 0;
  // cgroup v1 subtracts total_inactive_file, v2 inactive_file.
  const inactive = st.total_inactive_file ?? st.inactive_file;
  if (inactive !== undefined && inactive < used) used -= inactive;
  const limit = ms.limit ?? 0;
  const memPct = limit !== 0 ? (used / limit) * 100 : 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let rd = 0;
  let wr = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') rd += e.value;
    else if (op === 'write') wr += e.value;
  }
  const h3 = (v: number): string => humanSizeWithPrecision(v, 3);
  const name = (s.name ?? '').replace(/^\//, '');
  return {
    ID: noTrunc ? id : truncateId(id),
    Container: container,
    Name: name || '--',
    CPUPerc: `${formatFloat(cpu, 'f', 2)}%`,
    MemUsage: `${bytesSize(used)} / ${bytesSize(limit)}`,
    MemPerc: `${formatFloat(memPct, 'f', 2)}%`,
    NetIO: `${h3(rx)} / ${h3(tx)}`,
    BlockIO: `${h3(rd)} / ${h3(wr)}`,
    PIDs: String(s.pids_stats?.current ?? 0),
  };
}

const STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const STATS_HEADERS = { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };

export const statsCommand: CommandSpec<CliContext> = {
  name: 'stats',
  usage: '[OPTIONS] [CONTAINER...]',
  short: 'Display a live stream of container(s) resource usage statistics',
  group: 'Commands',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { long: 'format', kind: 'string', help: 'Format output using a custom template:\n\'table\':            Print output in table format with column headers (default)\n\'table TEMPLATE\':   Print output in table format using the given Go template\n\'json\':             Print in JSON format\n\'TEMPLATE\':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates' },
    { long: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { long: 'no-trunc', kind: 'bool', help: 'Do not truncate output' },
  ],
  async run(ctx, { flags, args }) {
    const client = ctx.client();
    const io = stdioOf(ctx);
    const noTrunc = flags['no-trunc'] === true;
    const format = (flags.format as string | undefined) ?? '';
    const listNames = async (): Promise<string[]> => {
      if (args.length) return args;
      const list = await client.json<Array<{ Id: string }>>('GET', flags.all === true ? '/containers/json?all=1' : '/containers/json');
      return list.map((c) => c.Id);
    };
    const sample = async (): Promise<{ rows: Array<Record<string, string>>; errs: string[] }> => {
      const names = await listNames();
      const rows: Array<Record<string, string>> = [];
      const errs: string[] = [];
      const results = await Promise.allSettled(names.map((n) => client.json<StatsJson>('GET', withQuery(containerPath(n, '/stats'), [['stream', '0']]))));
      results.forEach((r, i) => {
        const n = names[i] ?? '';
        if (r.status === 'fulfilled') rows.push(statsRow(r.value.id ?? n, r.value, noTrunc, n));
        else if (args.length) errs.push(errorText(r.reason));
      });
      return { rows, errs };
    };
    const render = (rows: Array<Record<string, string>>): string => {
      return withFormat(() => formatList(rows, { format, defaultFormat: STATS_TABLE, headers: STATS_HEADERS, quietFormat: '{{.ID}}' }));
    };
    if (flags['no-stream'] === true) {
      const { rows, errs } = await sample();
      if (errs.length) throw new CliError(errs.join('\n'), 1);
      ctx.out(render(rows));
      return 0;
    }
    // Streaming: one stats stream (stream=1) per container, the table redrawn every 500ms from the latest
    // sample of each, until every stream has ended.
    const names = await listNames();
    const latest = new Map<string, Record<string, string>>();
    const errs: string[] = [];
    let open = names.length;
    const streams = names.map(async (n) => {
      try {
        const res = await client.stream('GET', withQuery(containerPath(n, '/stats'), [['stream', '1']]));
        const splitter = new JsonValueSplitter();
        res.setEncoding('utf8');
        for await (const chunk of res as AsyncIterable<string>) {
          for (const v of splitter.push(chunk)) {
            const st = JSON.parse(v) as StatsJson;
            latest.set(n, statsRow(st.id ?? n, st, noTrunc, n));
          }
        }
      } catch (err) {
        if (args.length) errs.push(errorText(err));
      } finally {
        open--;
      }
    });
    const draw = (): void => {
      const rows = names.map((n) => latest.get(n)).filter((r): r is Record<string, string> => r !== undefined);
      // On a terminal docker redraws in place; elsewhere each refresh follows the last.
      ctx.out((io.stdoutIsTty ? '\x1b[2J\x1b[H' : '') + render(rows));
    };
    while (open > 0) {
      await new Promise((r) => setTimeout(r, 500));
      if (errs.length) break;
      draw();
    }
    await Promise.all(streams);
    if (errs.length) throw new CliError(errs.join('\n'), 1);
    return 0;
  },
};

// ---- cp --------------------------------------------------------------------------------------------

interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode bits the daemon sends. */
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;

function decodePathStat(header: string | string[] | undefined): PathStat | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  try {
    return JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as PathStat;
  } catch {
    return null;
  }
}

/** docker's splitCpArg: `CONTAINER:PATH`, unless the argument is an absolute or `.`-relative local path. */
export function splitCpArg(arg: string): [string, string] {
  if (arg.startsWith('/')) return ['', arg];
  const c = arg.indexOf(':');
  if (c < 0 || arg.startsWith('.')) return ['', arg];
  return [arg.slice(0, c), arg.slice(c + 1)];
}

function hasTrailingDot(p: string): boolean {
  return p.endsWith('/.') || p === '.';
}

function localAbs(p: string): string {
  const abs = resolvePath(p);
  if (hasTrailingDot(p)) return abs + '/.';
  if (p.endsWith('/') && abs !== '/') return abs + '/';
  return abs;
}

async function statContainerPath(ctx: CliContext, container: string, path: string): Promise<PathStat | null> {
  const res = await ctx.client().request('HEAD', withQuery(containerPath(container, '/archive'), [['path', path]]));
  res.resume();
  if ((res.statusCode ?? 500) >= 400) return null;
  return decodePathStat(res.headers['x-docker-container-path-stat']);
}

/** Packs a local file or directory as `archive.TarResource` does: entries named from `base` (or the directory's contents for `dir/.`). */
export function packLocal(src: string, followLink: boolean, base: string, archiveMode: boolean): Readable {
  const pack = tarStream.pack();
  const root = src.replace(/\/\.$/, '');
  const addEntry = async (full: string, name: string, top: boolean): Promise<void> => {
    const st: Stats = top && followLink ? statSync(full) : lstatSync(full);
    const common = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: archiveMode ? st.uid : 0, gid: archiveMode ? st.gid : 0 };
    if (st.isDirectory()) {
      if (name !== '') pack.entry({ ...common, name: name + '/', type: 'directory' });
      for (const child of readdirSync(full).sort()) await addEntry(join(full, child), name === '' ? child : `${name}/${child}`, false);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...common, type: 'symlink', linkname: readlinkSync(full) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ ...common, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
        createReadStream(full).on('error', reject).pipe(entry);
      });
    }
  };
  void addEntry(root, hasTrailingDot(src) ? '.' : base, true).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  return pack as unknown as Readable;
}

function safeJoin(dir: string, name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new CliError(`invalid archive entry: ${name}`, 1);
  return join(dir, ...parts);
}

/** Extracts a tar stream under `dir`, renaming the top-level `from` to `to` when asked (archive.CopyTo). */
async function extractTo(stream: Readable, dir: string, rename: { from: string; to: string } | null, archiveMode: boolean): Promise<number> {
  const extract = tarStream.extract();
  let total = 0;
  extract.on('entry', (header, body, next) => {
    let name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    if (rename && (name === rename.from || name.startsWith(rename.from + '/'))) name = rename.to + name.slice(rename.from.length);
    const target = safeJoin(dir, name);
    const done = (err?: unknown): void => {
      if (err) {
        extract.destroy(err as Error);
        return;
      }
      try {
        if (archiveMode && process.getuid?.() === 0) chownSync(target, header.uid ?? 0, header.gid ?? 0);
        if (header.mtime && header.type !== 'symlink') utimesSync(target, header.mtime, header.mtime);
      } catch {
        /* best effort, as lchown/chtimes failures on special files */
      }
      next();
    };
    try {
      if (header.type === 'directory') {
        mkdirSync(target, { recursive: true, mode: header.mode ?? 0o755 });
        body.resume();
        body.on('end', () => done());
      } else if (header.type === 'symlink') {
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(header.linkname ?? '', target);
        body.resume();
        body.on('end', () => next());
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        mkdirSync(dirname(target), { recursive: true });
        const out = createWriteStream(target, { mode: header.mode ?? 0o644 });
        body.on('data', (c: unknown) => void (total += (c as Buffer).length));
        pipeline(body, out).then(() => done(), done);
      } else {
        body.resume();
        body.on('end', () => next());
      }
    } catch (err) {
      body.resume();
      done(err);
    }
  });
  await pipeline(stream, extract);
  return total;
}

/** docker's localContentSize: the bytes of regular files under `path`. */
function localContentSize(path: string, st: Stats): number {
  if (st.isFile()) return st.size;
  if (!st.isDirectory()) return 0;
  let total = 0;
  for (const child of readdirSync(path)) {
    const full = join(path, child);
    total += localContentSize(full, lstatSync(full));
  }
  return total;
}

export const cpCommand: CommandSpec<CliContext> = {
  name: 'cp',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  short: 'Copy files/folders between a container and the local filesystem',
  long: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  group: 'Commands',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  async run(ctx, { flags, args, set }) {
    const io = stdioOf(ctx);
    const [src = '', dst = ''] = args;
    if (src === '') throw new CliError('source can not be empty', 1);
    if (dst === '') throw new CliError('destination can not be empty', 1);
    const [srcC, srcPath] = splitCpArg(src);
    const [dstC, dstPath] = splitCpArg(dst);
    const quiet = set.has('quiet') ? flags.quiet === true : !io.stdoutIsTty;
    const archiveMode = flags.archive === true;
    const followLink = flags['follow-link'] === true;
    if (srcC && dstC) throw new CliError('copying between containers is not supported', 1);
    if (!srcC && !dstC) throw new CliError('must specify at least one container source', 1);

    if (srcC) {
      // From the container.
      let path = srcPath;
      let rebase: string | null = null;
      if (followLink) {
        const st = await statContainerPath(ctx, srcC, path);
        if (st && (st.mode & GO_MODE_SYMLINK) !== 0) {
          const target = st.linkTarget.startsWith('/') ? st.linkTarget : join(dirname(path), st.linkTarget);
          rebase = basename(path);
          path = target;
        }
      }
      if (dstPath !== '-') {
        // docker's ValidateOutputPath, before anything is fetched.
        const parent = dirname(resolvePath(dstPath));
        let parentExists = true;
        try {
          statSync(parent);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') parentExists = false;
        }
        if (!parentExists) throw new CliError(`invalid output path: directory ${JSON.stringify(parent)} does not exist`, 1);
      }
      const res = await ctx.client().stream('GET', withQuery(containerPath(srcC, '/archive'), [['path', path]]));
      if (dstPath === '-') {
        for await (const chunk of res as AsyncIterable<Buffer>) io.stdout.write(chunk);
        await flushed(io.stdout);
        return 0;
      }
      const st = decodePathStat(res.headers['x-docker-container-path-stat']);
      let copied = 0;
      res.on('data', (c: Buffer) => void (copied += c.length));
      const srcIsDir = st ? (st.mode & GO_MODE_DIR) !== 0 : false;
      const srcBase = st?.name ?? basename(path);
      const dest = localAbs(dstPath);
      let dstStat: Stats | null = null;
      try {
        dstStat = statSync(dest.replace(/\/\.?$/, '') || '/');
      } catch {
        dstStat = null;
      }
      let total: number;
      if (hasTrailingDot(srcPath) && srcIsDir) {
        // The directory's contents: into dest (created when missing).
        if (dstStat && !dstStat.isDirectory()) throw new CliError('cannot copy directory', 1);
        mkdirSync(dest.replace(/\/\.?$/, ''), { recursive: true });
        total = await extractTo(res, dest.replace(/\/\.?$/, ''), { from: srcBase, to: '' }, archiveMode);
      } else if (dstStat?.isDirectory()) {
        total = await extractTo(res, dest.replace(/\/\.?$/, ''), rebase ? { from: srcBase, to: rebase } : null, archiveMode);
      } else {
        if (dstStat && srcIsDir) throw new CliError('cannot copy directory', 1);
        if (!dstStat && !srcIsDir && dstPath.endsWith('/')) throw new CliError('no such directory', 1);
        const parent = dirname(dest);
        try {
          if (!statSync(parent).isDirectory()) throw new Error('not a directory');
        } catch {
          throw new CliError(`stat ${parent}: no such file or directory`, 1);
        }
        total = await extractTo(res, parent, { from: srcBase, to: basename(dest) }, archiveMode);
      }
      void total;
      if (!quiet) {
        // As docker: a directory reports the archive's bytes, a file its size and, when different, the bytes transferred.
        const reported = srcIsDir ? copied : (st?.size ?? copied);
        ctx.err(`Successfully copied ${humanSizeWithPrecision(reported, 3)}${reported !== copied ? ` (transferred ${humanSizeWithPrecision(copied, 3)})` : ''} to ${dest}\n`);
      }
      return 0;
    }

    // To the container.
    const q = (path: string): Array<[string, string]> => {
      // Go's url.Values encode their keys sorted.
      const pairs: Array<[string, string]> = archiveMode ? [['copyUIDGID', 'true']] : [];
      pairs.push(['noOverwriteDirNonDir', 'true'], ['path', path]);
      return pairs;
    };
    let dstInfo = await statContainerPath(ctx, dstC, dstPath);
    let dstResolved = dstPath;
    if (dstInfo && (dstInfo.mode & GO_MODE_SYMLINK) !== 0) {
      dstResolved = dstInfo.linkTarget.startsWith('/') ? dstInfo.linkTarget : join(dirname(dstPath), dstInfo.linkTarget);
      dstInfo = await statContainerPath(ctx, dstC, dstResolved);
    }
    const dstIsDir = dstInfo !== null && (dstInfo.mode & GO_MODE_DIR) !== 0;
    if (srcPath === '-') {
      if (!dstIsDir) throw new CliError(`destination "${dstC}:${dstPath}" must be a directory`, 1);
      await ctx.client().json('PUT', withQuery(containerPath(dstC, '/archive'), q(dstResolved)), { stream: io.stdin, headers: { 'Content-Type': 'application/x-tar' } });
      return 0;
    }
    const local = localAbs(srcPath);
    const localPlain = local.replace(/\/\.$/, '').replace(/\/$/, '') || '/';
    let st: Stats;
    try {
      st = followLink ? statSync(localPlain) : lstatSync(localPlain);
    } catch (err) {
      throw new CliError(`${followLink ? 'stat' : 'lstat'} ${localPlain}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`, 1);
    }
    if (srcPath.endsWith('/') && !st.isDirectory()) throw new CliError(`lstat ${local}: not a directory`, 1);
    let extractDir: string;
    let base: string;
    if (dstIsDir) {
      extractDir = dstResolved;
      base = basename(localPlain);
    } else {
      if (dstInfo && st.isDirectory()) throw new CliError('cannot copy directory', 1);
      if (!dstInfo && !st.isDirectory() && dstPath.endsWith('/')) throw new CliError('no such directory', 1);
      const trimmed = dstResolved.replace(/\/+$/, '') || '/';
      extractDir = dirname(trimmed);
      base = basename(trimmed);
    }
    const archive = packLocal(hasTrailingDot(srcPath) && dstIsDir ? local : localPlain, followLink, base, archiveMode);
    let sent = 0;
    const counted = new PassThrough();
    // Counted on the source: a 'data' listener on `counted` would start it flowing before the request reads it.
    archive.on('data', (c: Buffer) => void (sent += c.length));
    archive.pipe(counted);
    await ctx.client().json('PUT', withQuery(containerPath(dstC, '/archive'), q(extractDir)), { stream: counted, headers: { 'Content-Type': 'application/x-tar' } });
    if (!quiet) {
      const content = localContentSize(localPlain, st);
      ctx.err(`Successfully copied ${humanSizeWithPrecision(content, 3)}${content !== sent ? ` (transferred ${humanSizeWithPrecision(sent, 3)})` : ''} to ${dstC}:${dstResolved}\n`);
    }
    return 0;
  },
};

/** Commands of this module, top-level forms. */
export const moreTopLevelCommands: CommandSpec<CliContext>[] = [commitCommand, cpCommand, exportCommand, statsCommand, updateCommand];
