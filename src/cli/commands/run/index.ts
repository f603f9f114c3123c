/**
 * The commands of `berth` that create containers and drive their processes,
 * as docker's CLI has them: `create`, `run` (detached or attached, with or
 * without a TTY), `start`, `stop`, `kill`, `restart`, `wait`, `logs`,
 * `attach`, `exec`, `pause`, `unpause`, `top`, `port`, `diff`, and (from
 * more.ts) `update`, `commit`, `export`, `stats` and `cp`. Each is a
 * CommandSpec; `runTopLevelCommands` lists the top-level forms and
 * `runContainerSubcommands` the `container X` forms for the owner to wire.
 * Texts, request shapes and exit codes follow docker/cli (run.go, create.go,
 * start.go, attach.go, exec.go, logs.go, stop.go, kill.go, wait.go...).
 */
import { openSync, closeSync, writeSync, existsSync, unlinkSync, readFileSync } from 'node:fs';
import type { CommandSpec, FlagSpec, ParsedArgs } from '../../command.js';
import type { CliContext } from '../../context.js';
import { CliError, goQuote } from '../../flags/index.js';
import { ApiError, readAll } from '../../../client/client.js';
import type { EngineClient } from '../../../client/client.js';
import { StdDemuxer } from '../../../lib/stdcopy.js';
import { getTimestamp } from '../../../lib/timetypes.js';
import { familiarString, parseAnyReference, referenceName, tagNameOnly, type Reference } from '../../../engine/images/reference.js';
import { tabwrite } from '../../format/index.js';
import { displayJsonMessages, errorText, failIfAny, inTurn, naturalCompare, pathEscape, withQuery } from '../common.js';
import { trimId } from '../network/values.js';
import { buildCreateRequest, CREATE_FLAGS, OptsError, parseKeyValueFile, RUN_FLAGS, validateEnv, windowsOnlyFlag, type CreateRequest } from './opts.js';
import {
  DEFAULT_DETACH_KEYS,
  DetachedError,
  detachKeyBytes,
  flushed,
  forwardSignals,
  monitorTtySize,
  stdioOf,
  streamHijacked,
  type Stdio,
} from './stream.js';
import { commitCommand, cpCommand, exportCommand, statsCommand, updateCommand } from './more.js';

export { commitCommand, cpCommand, exportCommand, statsCommand, updateCommand };

// ---- shared pieces ---------------------------------------------------------------------

/** docker's reportError: `berth: <msg>`, and the help hint when asked. */
function reportText(cmd: string, message: string, withHelp: boolean): string {
  return `berth: ${message}` + (withHelp ? `\n\nRun 'berth ${cmd} --help' for more information` : '');
}

/** Options errors as the commands print them (exit 125). */
function optsFailure(cmd: string, err: unknown): CliError {
  if (err instanceof OptsError && err.kind === 'flag') return new CliError(`${err.message}\nSee 'berth ${cmd} --help'.`, 125);
  if (err instanceof OptsError) return new CliError(reportText(cmd, err.message, true), 125);
  throw err;
}

/** runStartContainerErr: 127 for a missing executable, 126 for one that cannot run, else 125. */
export function startErrorCode(message: string): number {
  const m = message.replace(/^Error response from daemon: /, '');
  if (m.includes('executable file not found') || m.includes('no such file or directory') || m.includes('system cannot find the file specified')) return 127;
  if (m.includes('permission denied') || m.includes('is a directory')) return 126;
  return 125;
}

function detachKeysOf(flag: string, warn: (s: string) => void): Buffer {
  if (!flag) return DEFAULT_DETACH_KEYS;
  try {
    return detachKeyBytes(flag);
  } catch (err) {
    warn(`invalid detach escape keys, using default: ${(err as Error).message}\n`);
    return DEFAULT_DETACH_KEYS;
  }
}

function containerPath(id: string, tail = ''): string {
  return `/containers/${pathEscape(id)}${tail}`;
}

interface ContainerInspect {
  Id: string;
  Name?: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  HostConfig?: { AutoRemove?: boolean };
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

async function inspectContainer(client: EngineClient, id: string): Promise<ContainerInspect> {
  return client.json<ContainerInspect>('GET', containerPath(id, '/json'));
}

/**
 * POST /containers/{id}/wait, sent now (before the container starts, as docker
 * registers it); resolves to the exit status (125 when waiting failed, with
 * docker's log line on stderr).
 */
function waitExit(client: EngineClient, id: string, condition: string, stderr: (s: string) => void): { ready: Promise<void>; status: Promise<number>; cancel: () => void } {
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const abort = new AbortController();
  const status = (async (): Promise<number> => {
    try {
      const res = await client.request('POST', withQuery(containerPath(id, '/wait'), condition ? [['condition', condition]] : []), { signal: abort.signal });
      markReady();
      const body = await readAll(res);
      if ((res.statusCode ?? 500) >= 400) {
        const err = new ApiError(res.statusCode ?? 500, messageOf(body));
        stderr(`error waiting for container: ${errorText(err)}\n`);
        return 125;
      }
      const r = JSON.parse(body.toString('utf8') || '{}') as { StatusCode?: number; Error?: { Message?: string } | null };
      if (r.Error?.Message) {
        stderr(`Error waiting for container: ${r.Error.Message}\n`);
        return 125;
      }
      return r.StatusCode ?? 0;
    } catch (err) {
      markReady();
      if (!abort.signal.aborted) stderr(`error waiting for container: ${errorText(err)}\n`);
      return 125;
    }
  })();
  // The daemon answers the headers once the wait is registered; don't hang on one that does not.
  const settled = Promise.race([ready, new Promise<void>((r) => setTimeout(r, 500).unref())]);
  return { ready: settled, status, cancel: () => abort.abort() };
}

function messageOf(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    /* plain text */
  }
  return text;
}

// ---- create ------------------------------------------------------------------------------

/** The container ID file of --cidfile (docker's cidFile): refused when it exists, removed when no ID was written. */
class CidFile {
  private fd: number | null = null;
  private written = false;
  private readonly path: string;
  constructor(path: string) {
    this.path = path;
    if (!path) return;
    if (existsSync(path)) throw new CliError(`container ID file found, make sure the other container isn't running or delete ${path}`, 1);
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new CliError(`failed to create the container ID file: open ${path}: ${(err as Error).message}`, 1);
    }
  }
  write(id: string): void {
    if (this.fd === null) return;
    writeSync(this.fd, id);
    this.written = true;
  }
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (!this.written) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }
}

async function pullImage(ctx: CliContext, ref: Reference, platform: string, quiet: boolean): Promise<void> {
  const q: Array<[string, string]> = [
    ['fromImage', referenceName(ref)],
    ['tag', ref.digest ?? ref.tag ?? 'latest'],
  ];
  if (platform) q.push(['platform', platform]);
  const res = await ctx.client().stream('POST', withQuery('/images/create', q));
  await displayJsonMessages(res as AsyncIterable<Buffer>, quiet ? () => {} : ctx.err);
}

const LOCALHOST_DNS = /((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)/;

/** docker's createContainer: warnings, --cidfile, --pull, the create request and its retry after a pull. */
async function createContainer(ctx: CliContext, req: CreateRequest, quiet: boolean): Promise<string> {
  const hc = req.body.HostConfig;
  if (hc.OomKillDisable === true && hc.Memory === 0) ctx.err("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n");
  const dnsLocal = (hc.Dns as string[]).find((d) => LOCALHOST_DNS.test(d));
  if (dnsLocal) ctx.err(`WARNING: Localhost DNS setting (--dns=${dnsLocal}) may fail in containers.\n`);
  const cid = new CidFile(req.cidfile);
  try {
    let named: Reference | null = null;
    let parsed;
    try {
      parsed = parseAnyReference(String(req.body.Image));
    } catch (err) {
      throw new CliError((err as Error).message, 1);
    }
    if (parsed.kind === 'named') named = tagNameOnly(parsed.ref);
    if (req.platform) {
      const parts = req.platform.split('/');
      if (parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
        throw new CliError(`error parsing specified platform: ${JSON.stringify(req.platform)}: cannot parse platform specifier: invalid argument`, 1);
      }
    }
    if (req.pull === 'always' && named) await pullImage(ctx, named, req.platform, quiet);
    const q: Array<[string, string]> = [];
    if (req.name) q.push(['name', req.name]);
    if (req.platform) q.push(['platform', req.platform]);
    const path = withQuery('/containers/create', q);
    let r: { Id: string; Warnings?: string[] | null };
    try {
      r = await ctx.client().json('POST', path, { body: req.body });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404 && named && req.pull === 'missing')) throw err;
      if (!quiet) ctx.err(`Unable to find image '${familiarString(named)}' locally\n`);
      await pullImage(ctx, named, req.platform, quiet);
      r = await ctx.client().json('POST', path, { body: req.body });
    }
    for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
    cid.write(r.Id);
    return r.Id;
  } finally {
    cid.close();
  }
}

function consoleSize(io: Stdio): [number, number] {
  return io.stdoutIsTty ? (io.size?.() ?? [0, 0]) : [0, 0];
}

export const createCommand: CommandSpec<CliContext> = {
  name: 'create',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create a new container',
  group: 'Commands',
  minArgs: 1,
  interspersed: false,
  flags: CREATE_FLAGS,
  async run(ctx, parsed) {
    const io = stdioOf(ctx);
    const osOnly = windowsOnlyFlag(parsed);
    if (osOnly) throw new CliError(osOnly, 1);
    let req: CreateRequest;
    try {
      req = buildCreateRequest(parsed, { consoleSize: consoleSize(io) });
    } catch (err) {
      throw optsFailure('create', err);
    }
    const id = await createContainer(ctx, req, parsed.flags.quiet === true);
    ctx.out(`${id}\n`);
    return 0;
  },
};

// ---- run ------------------------------------------------------------------------------------

interface Attachment {
  done: Promise<void>;
  cancel: () => void;
}

async function attachStreams(
  ctx: CliContext,
  io: Stdio,
  path: string,
  query: Array<[string, string]>,
  body: unknown,
  o: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; detachKeys: Buffer },
): Promise<Attachment> {
  // Go's url.Values encode their keys sorted.
  const sorted = [...query].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const conn = await ctx.client().hijack('POST', withQuery(path, sorted), body === undefined ? {} : { body });
  const raw = o.tty && o.stdin && io.stdinIsTty && io.setRawMode ? io.setRawMode : undefined;
  let rawOn = false;
  const done = streamHijacked(conn, {
    stdin: o.stdin ? io.stdin : null,
    stdout: o.stdout ? io.stdout : null,
    stderr: o.stderr ? (o.tty ? io.stdout : io.stderr) : null,
    tty: o.tty,
    detachKeys: o.detachKeys,
    raw: raw
      ? (on) => {
          if (on === rawOn) return;
          rawOn = on;
          raw(on);
        }
      : undefined,
  });
  // The user may detach before anyone awaits this (stdin is read at once).
  done.catch(() => undefined);
  return { done, cancel: () => conn.socket.destroy() };
}

export const runCommand: CommandSpec<CliContext> = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create and run a new container from an image',
  group: 'Common Commands',
  minArgs: 1,
  interspersed: false,
  flags: RUN_FLAGS,
  async run(ctx, parsed) {
    const io = stdioOf(ctx);
    const f = parsed.flags;
    const detach = f.detach === true;
    const osOnly = windowsOnlyFlag(parsed);
    if (osOnly) throw new CliError(osOnly, 1);
    let req: CreateRequest;
    try {
      req = buildCreateRequest(parsed, { detach, consoleSize: consoleSize(io) });
    } catch (err) {
      throw optsFailure('run', err);
    }
    const config = req.body as Record<string, unknown>;
    const tty = config.Tty === true;
    if (!detach) {
      if (config.AttachStdin === true && tty && !io.stdinIsTty) throw new CliError('the input device is not a TTY', 1);
    } else if (((f.attach as string[] | undefined) ?? []).length > 0) {
      throw new CliError('Conflicting options: -a and -d', 1);
    }
    const client = ctx.client();
    let id: string;
    try {
      id = await createContainer(ctx, req, f.quiet === true);
    } catch (err) {
      const text = errorText(err);
      ctx.err(reportText('run', text, true) + '\n');
      return startErrorCode(text);
    }
    const stops: Array<() => void> = [];
    let wait: ReturnType<typeof waitExit> | null = null;
    try {
      if (f['sig-proxy'] !== false && !tty) stops.push(forwardSignals(client, id, io));
      const attachOut = config.AttachStdout === true || config.AttachStderr === true;
      if (!attachOut) ctx.out(`${id}\n`);
      const stdin = config.AttachStdin === true;
      let attachment: Attachment | null = null;
      const detachKeysFlag = (f['detach-keys'] as string | undefined) ?? '';
      if (stdin || attachOut) {
        const q: Array<[string, string]> = [['stream', '1']];
        if (stdin) q.push(['stdin', '1']);
        if (config.AttachStdout === true) q.push(['stdout', '1']);
        if (config.AttachStderr === true) q.push(['stderr', '1']);
        if (detachKeysFlag) q.push(['detachKeys', detachKeysFlag]);
        attachment = await attachStreams(ctx, io, containerPath(id, '/attach'), q, undefined, {
          stdin,
          stdout: config.AttachStdout === true,
          stderr: config.AttachStderr === true,
          tty,
          detachKeys: detachKeysOf(detachKeysFlag, ctx.err),
        });
      }
      const autoRemove = req.body.HostConfig.AutoRemove === true;
      // Registered before the start, as docker does (even detached, where it is dropped at the end).
      wait = waitExit(client, id, autoRemove ? 'removed' : 'next-exit', ctx.err);
      await wait.ready;
      try {
        await client.json('POST', containerPath(id, '/start'));
      } catch (err) {
        if (attachment) {
          attachment.cancel();
          await attachment.done.catch(() => undefined);
        }
        const text = errorText(err);
        ctx.err(reportText('run', text, true) + '\n');
        if (autoRemove) await wait.status;
        else wait.cancel();
        return startErrorCode(text);
      }
      if (attachment && tty && io.stdoutIsTty) stops.push(monitorTtySize(client, containerPath(id, '/resize'), io));
      if (attachment) {
        try {
          await attachment.done;
        } catch (err) {
          if (err instanceof DetachedError) return 0;
          throw err;
        }
      }
      if (!attachOut) return 0;
      return await wait.status;
    } finally {
      // A wait nobody reads any more (detached, detach keys, errors) is dropped quietly.
      wait?.cancel();
      for (const stop of stops) stop();
    }
  },
};

// ---- start, attach -------------------------------------------------------------------------------

export const startCommand: CommandSpec<CliContext> = {
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Start one or more stopped containers',
  group: 'Commands',
  minArgs: 1,
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'checkpoint', kind: 'string', help: 'Restore from this checkpoint' },
    { long: 'checkpoint-dir', kind: 'string', help: 'Use a custom checkpoint storage directory' },
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, { flags, args }) {
    const client = ctx.client();
    const attach = flags.attach === true;
    const interactive = flags.interactive === true;
    if (attach || interactive) {
      if (args.length > 1) throw new CliError('you cannot start and attach multiple containers at once', 1);
      const io = stdioOf(ctx);
      const c = await inspectContainer(client, args[0] ?? '');
      const tty = c.Config.Tty;
      if (tty && interactive && !io.stdinIsTty) throw new CliError('the input device is not a TTY', 1);
      const stops: Array<() => void> = [];
      try {
        if (!tty) stops.push(forwardSignals(client, c.Id, io));
        const detachKeysFlag = (flags['detach-keys'] as string | undefined) ?? '';
        const stdin = interactive && c.Config.OpenStdin;
        const q: Array<[string, string]> = [['stream', '1']];
        if (stdin) q.push(['stdin', '1']);
        q.push(['stdout', '1'], ['stderr', '1']);
        if (detachKeysFlag) q.push(['detachKeys', detachKeysFlag]);
        const attachment = await attachStreams(ctx, io, containerPath(c.Id, '/attach'), q, undefined, {
          stdin,
          stdout: true,
          stderr: true,
          tty,
          detachKeys: detachKeysOf(detachKeysFlag, ctx.err),
        });
        const wait = waitExit(client, c.Id, c.HostConfig?.AutoRemove ? 'removed' : 'next-exit', ctx.err);
        stops.push(wait.cancel);
        await wait.ready;
        try {
          await client.json('POST', containerPath(c.Id, '/start'));
        } catch (err) {
          attachment.cancel();
          await attachment.done.catch(() => undefined);
          throw err;
        }
        if (tty && io.stdoutIsTty) stops.push(monitorTtySize(client, containerPath(c.Id, '/resize'), io));
        try {
          await attachment.done;
        } catch (err) {
          if (err instanceof DetachedError) return 0;
          throw err;
        }
        return await wait.status;
      } finally {
        for (const stop of stops) stop();
      }
    }
    const failed: string[] = [];
    const cq: Array<[string, string]> = [];
    if (flags.checkpoint) cq.push(['checkpoint', String(flags.checkpoint)]);
    if (flags['checkpoint-dir']) cq.push(['checkpoint-dir', String(flags['checkpoint-dir'])]);
    for (const name of args) {
      try {
        await client.json('POST', withQuery(containerPath(name, '/start'), cq));
        ctx.out(`${name}\n`);
      } catch (err) {
        ctx.err(`${errorText(err)}\n`);
        failed.push(name);
      }
    }
    if (failed.length) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`, 1);
    return 0;
  },
};

async function checkAttachable(client: EngineClient, id: string): Promise<ContainerInspect> {
  const c = await inspectContainer(client, id);
  if (!c.State.Running) throw new CliError('You cannot attach to a stopped container, start it first', 1);
  if (c.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first', 1);
  if (c.State.Restarting) throw new CliError('You cannot attach to a restarting container, wait until it is running', 1);
  return c;
}

export const attachCommand: CommandSpec<CliContext> = {
  name: 'attach',
  usage: '[OPTIONS] CONTAINER',
  short: 'Attach local standard input, output, and error streams to a running container',
  group: 'Commands',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { long: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
    { long: 'sig-proxy', kind: 'bool', help: 'Proxy all received signals to the process', default: true },
  ],
  async run(ctx, { flags, args }) {
    const client = ctx.client();
    const io = stdioOf(ctx);
    const name = args[0] ?? '';
    const wait = waitExit(client, name, '', ctx.err);
    try {
      return await attachTo(ctx, io, name, flags, wait);
    } catch (err) {
      wait.cancel();
      throw err;
    }
  },
};

/** The attachment of `berth attach` (docker's RunAttach after its wait request). */
async function attachTo(ctx: CliContext, io: Stdio, name: string, flags: ParsedArgs['flags'], wait: { status: Promise<number> }): Promise<number> {
  const client = ctx.client();
  const c = await checkAttachable(client, name);
  const noStdin = flags['no-stdin'] === true;
  if (!noStdin && c.Config.Tty && !io.stdinIsTty) throw new CliError('the input device is not a TTY', 1);
  const detachKeysFlag = (flags['detach-keys'] as string | undefined) ?? '';
  const stdin = !noStdin && c.Config.OpenStdin;
  const stops: Array<() => void> = [];
  try {
    if (flags['sig-proxy'] !== false && !c.Config.Tty) stops.push(forwardSignals(client, c.Id, io));
    const q: Array<[string, string]> = [['stream', '1']];
    if (stdin) q.push(['stdin', '1']);
    q.push(['stdout', '1'], ['stderr', '1']);
    if (detachKeysFlag) q.push(['detachKeys', detachKeysFlag]);
    const attachment = await attachStreams(ctx, io, containerPath(name, '/attach'), q, undefined, {
      stdin,
      stdout: true,
      stderr: true,
      tty: c.Config.Tty,
      detachKeys: detachKeysOf(detachKeysFlag, ctx.err),
    });
    try {
      await checkAttachable(client, name);
    } catch (err) {
      attachment.cancel();
      throw err;
    }
    if (c.Config.Tty && io.stdoutIsTty) stops.push(monitorTtySize(client, containerPath(c.Id, '/resize'), io));
    // As docker: detaching is reported as the error `read escape sequence` (exit 1).
    await attachment.done.catch((err: unknown) => {
      if (err instanceof DetachedError) throw new CliError(err.message, 1);
      throw err;
    });
    return await wait.status;
  } finally {
    for (const stop of stops) stop();
  }
}

// ---- exec --------------------------------------------------------------------------------------

export const execCommand: CommandSpec<CliContext> = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  short: 'Execute a command in a running container',
  group: 'Common Commands',
  minArgs: 2,
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { long: 'env', short: 'e', kind: 'stringArray', typeName: 'list', help: 'Set environment variables' },
    { long: 'env-file', kind: 'stringArray', typeName: 'list', help: 'Read in a file of environment variables' },
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
    { long: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
    { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    { long: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { long: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  ],
  async run(ctx, { flags, args }) {
    const [name = '', ...cmd] = args;
    const client = ctx.client();
    const io = stdioOf(ctx);
    const detach = flags.detach === true;
    const tty = flags.tty === true;
    let env: string[];
    try {
      const fromFiles: string[] = [];
      for (const file of (flags['env-file'] as string[] | undefined) ?? []) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new OptsError('parse', `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
        }
        fromFiles.push(...parseKeyValueFile(file, text, (k) => process.env[k]));
      }
      env = [...fromFiles, ...((flags.env as string[] | undefined) ?? []).map((e) => validateEnv(e, process.env))];
    } catch (err) {
      if (err instanceof OptsError && err.kind === 'flag') throw new CliError(`${err.message}\nSee 'berth exec --help'.`, 125);
      if (err instanceof OptsError) throw new CliError(err.message, 1);
      throw err;
    }
    const attachStdin = !detach && flags.interactive === true;
    const detachKeysFlag = (flags['detach-keys'] as string | undefined) ?? '';
    // Inspect first so that "no such container" comes before the TTY check (as docker).
    await inspectContainer(client, name);
    if (!detach && attachStdin && tty && !io.stdinIsTty) throw new CliError('the input device is not a TTY', 1);
    const size = tty ? consoleSize(io) : null;
    const body: Record<string, unknown> = {
      User: (flags.user as string | undefined) ?? '',
      Privileged: flags.privileged === true,
      Tty: tty,
    };
    if (size) body.ConsoleSize = size;
    Object.assign(body, {
      AttachStdin: attachStdin,
      AttachStderr: !detach,
      AttachStdout: !detach,
      Detach: detach,
      DetachKeys: detachKeysFlag,
      Env: env.length ? env : null,
      WorkingDir: (flags.workdir as string | undefined) ?? '',
      Cmd: cmd,
    });
    const created = await client.json<{ Id: string }>('POST', containerPath(name, '/exec'), { body });
    if (!created?.Id) throw new CliError('exec ID empty', 1);
    const execPath = `/exec/${pathEscape(created.Id)}`;
    const startBody: Record<string, unknown> = { Detach: detach, Tty: tty };
    if (body.ConsoleSize) startBody.ConsoleSize = body.ConsoleSize;
    if (detach) {
      await client.json('POST', `${execPath}/start`, { body: startBody });
      return 0;
    }
    const stops: Array<() => void> = [];
    try {
      const attachment = await attachStreams(ctx, io, `${execPath}/start`, [], startBody, {
        stdin: attachStdin,
        stdout: true,
        stderr: true,
        tty,
        detachKeys: detachKeysOf(detachKeysFlag, ctx.err),
      });
      if (tty && io.stdinIsTty) stops.push(monitorTtySize(client, `${execPath}/resize`, io));
      await attachment.done.catch((err: unknown) => {
        if (err instanceof DetachedError) throw new CliError(err.message, 1);
        throw err;
      });
    } finally {
      for (const stop of stops) stop();
    }
    const r = await client.json<{ ExitCode?: number | null }>('GET', `${execPath}/json`);
    return r.ExitCode ?? 0;
  },
};

// ---- stop, kill, restart, pause, unpause, wait ---------------------------------------------------------

/** Runs `op` on each container; prints each name that succeeded, then the errors (exit 1), as docker's parallel operations. */
async function eachContainer(ctx: CliContext, names: string[], op: (name: string) => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(names.map((n) => op(n)));
  const errs: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') ctx.out(`${names[i] ?? ''}\n`);
    else errs.push(errorText(r.reason));
  });
  if (errs.length) throw new CliError(errs.join('\n'), 1);
  return 0;
}

const TIMEOUT_FLAG: FlagSpec = { long: 'timeout', short: 't', kind: 'int', help: 'Seconds to wait before killing the container' };
const TIME_FLAG: FlagSpec = { long: 'time', kind: 'int', help: 'Seconds to wait before killing the container (deprecated: use --timeout)', hidden: true };
const SIGNAL_FLAG: FlagSpec = { long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' };

function stopQuery(parsed: ParsedArgs): Array<[string, string]> {
  const q: Array<[string, string]> = [];
  const signal = (parsed.flags.signal as string | undefined) ?? '';
  if (signal) q.push(['signal', signal]);
  if (parsed.set.has('time') && parsed.set.has('timeout')) throw new CliError('conflicting options: --time and --timeout', 1);
  if (parsed.set.has('timeout')) q.push(['t', String(parsed.flags.timeout)]);
  else if (parsed.set.has('time')) q.push(['t', String(parsed.flags.time)]);
  return q;
}

export const stopCommand: CommandSpec<CliContext> = {
  name: 'stop',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Stop one or more running containers',
  group: 'Commands',
  minArgs: 1,
  flags: [SIGNAL_FLAG, TIME_FLAG, TIMEOUT_FLAG],
  run(ctx, parsed) {
    const q = stopQuery(parsed);
    return eachContainer(ctx, parsed.args, (n) => ctx.client().json('POST', withQuery(containerPath(n, '/stop'), q)));
  },
};

export const restartCommand: CommandSpec<CliContext> = {
  name: 'restart',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Restart one or more containers',
  group: 'Commands',
  minArgs: 1,
  flags: [SIGNAL_FLAG, TIME_FLAG, TIMEOUT_FLAG],
  async run(ctx, parsed) {
    const q = stopQuery(parsed);
    // docker restarts one container after the other.
    failIfAny(
      await inTurn(
        parsed.args,
        async (n) => {
          await ctx.client().json('POST', withQuery(containerPath(n, '/restart'), q));
          return n;
        },
        ctx.out,
      ),
    );
    return 0;
  },
};

export const killCommand: CommandSpec<CliContext> = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Kill one or more running containers',
  group: 'Commands',
  minArgs: 1,
  flags: [SIGNAL_FLAG],
  run(ctx, { flags, args }) {
    const signal = (flags.signal as string | undefined) ?? '';
    return eachContainer(ctx, args, (n) => ctx.client().json('POST', withQuery(containerPath(n, '/kill'), signal ? [['signal', signal]] : [])));
  },
};

export const pauseCommand: CommandSpec<CliContext> = {
  name: 'pause',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Pause all processes within one or more containers',
  group: 'Commands',
  minArgs: 1,
  run: (ctx, { args }) => eachContainer(ctx, args, (n) => ctx.client().json('POST', containerPath(n, '/pause'))),
};

export const unpauseCommand: CommandSpec<CliContext> = {
  name: 'unpause',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Unpause all processes within one or more containers',
  group: 'Commands',
  minArgs: 1,
  run: (ctx, { args }) => eachContainer(ctx, args, (n) => ctx.client().json('POST', containerPath(n, '/unpause'))),
};

export const waitCommand: CommandSpec<CliContext> = {
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Block until one or more containers stop, then print their exit codes',
  group: 'Commands',
  minArgs: 1,
  async run(ctx, { args }) {
    const wait = async (n: string) => {
      const r = await ctx.client().json<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', containerPath(n, '/wait'));
      if (r.Error?.Message) throw new Error(r.Error.Message);
      return String(r.StatusCode);
    };
    failIfAny(await inTurn(args, wait, ctx.out));
    return 0;
  },
};

// ---- logs ----------------------------------------------------------------------------------------------

export const logsCommand: CommandSpec<CliContext> = {
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  short: 'Fetch the logs of a container',
  group: 'Commands',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'details', kind: 'bool', help: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { long: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { long: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs', default: 'all' },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { long: 'until', kind: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(ctx, { flags, args }) {
    const name = args[0] ?? '';
    const client = ctx.client();
    const io = stdioOf(ctx);
    const c = await inspectContainer(client, name);
    const q: Array<[string, string]> = [
      ['stdout', '1'],
      ['stderr', '1'],
    ];
    const now = new Date();
    for (const key of ['since', 'until'] as const) {
      const v = (flags[key] as string | undefined) ?? '';
      if (!v) continue;
      try {
        q.push([key, getTimestamp(v, now)]);
      } catch (err) {
        throw new CliError(`invalid value for "${key}": ${(err as Error).message}`, 1);
      }
    }
    if (flags.timestamps === true) q.push(['timestamps', '1']);
    if (flags.details === true) q.push(['details', '1']);
    if (flags.follow === true) q.push(['follow', '1']);
    q.push(['tail', (flags.tail as string | undefined) ?? 'all']);
    q.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const res = await client.stream('GET', withQuery(containerPath(c.Id, '/logs'), q));
    if (c.Config.Tty) {
      for await (const chunk of res as AsyncIterable<Buffer>) io.stdout.write(chunk);
    } else {
      let sysErr: string | null = null;
      const demux = new StdDemuxer((stream, payload) => {
        if (stream === 1) io.stdout.write(payload);
        else if (stream === 2) io.stderr.write(payload);
        else if (stream === 3) sysErr = payload.toString('utf8');
      });
      for await (const chunk of res as AsyncIterable<Buffer>) demux.push(chunk);
      if (sysErr !== null) throw new CliError(sysErr, 1);
    }
    await Promise.all([flushed(io.stdout), flushed(io.stderr)]);
    return 0;
  },
};

// ---- top, port, diff --------------------------------------------------------------------------------------

export const topCommand: CommandSpec<CliContext> = {
  name: 'top',
  usage: 'CONTAINER [ps OPTIONS]',
  short: 'Display the running processes of a container',
  group: 'Commands',
  minArgs: 1,
  interspersed: false,
  async run(ctx, { args }) {
    const [name = '', ...psArgs] = args;
    const q: Array<[string, string]> = psArgs.length ? [['ps_args', psArgs.join(' ')]] : [];
    const r = await ctx.client().json<{ Titles: string[] | null; Processes: string[][] | null }>('GET', withQuery(containerPath(name, '/top'), q));
    let text = (r.Titles ?? []).join('\t') + '\n';
    for (const p of r.Processes ?? []) text += p.join('\t') + '\n';
    ctx.out(tabwrite(text, { minwidth: 20, tabwidth: 1, padding: 3, padchar: ' ', width: 'display' }));
    return 0;
  },
};

export const portCommand: CommandSpec<CliContext> = {
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  short: 'List port mappings or a specific mapping for the container',
  group: 'Commands',
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { args }) {
    const name = args[0] ?? '';
    const c = await inspectContainer(ctx.client(), trimId('container', name));
    ctx.out(renderPorts(c.NetworkSettings?.Ports ?? {}, name, args[1]));
    return 0;
  },
};

/** A published address as net.JoinHostPort writes it: `0.0.0.0:8080`, `[::]:8080`. */
function joinHostPort(b: { HostIp?: string; HostPort?: string }): string {
  const host = b.HostIp ?? '';
  return `${host.includes(':') ? `[${host}]` : host}:${b.HostPort ?? ''}`;
}

/**
 * What `port` prints for a container's NetworkSettings.Ports (docker/cli
 * cli/command/container/port.go): every binding as `80/tcp -> 0.0.0.0:8080`,
 * or the bindings of one PRIVATE_PORT[/PROTO] (tcp by default); lines in
 * natural order. Throws CliError for a port that is not a number and for
 * one without bindings (`Error: No public port '80/tcp' published for web`).
 */
export function renderPorts(ports: Readonly<Record<string, ReadonlyArray<{ HostIp?: string; HostPort?: string }> | null>>, container: string, which?: string): string {
  const lines: string[] = [];
  if (which !== undefined && which !== '') {
    const slash = which.indexOf('/');
    const port = slash < 0 ? which : which.slice(0, slash);
    let proto = slash < 0 ? '' : which.slice(slash + 1);
    if (proto === '') proto = 'tcp';
    if (!/^[0-9]+$/.test(port)) throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${goQuote(port)}: invalid syntax`, 1);
    if (Number(port) > 65535) throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${goQuote(port)}: value out of range`, 1);
    const bindings = ports[`${port}/${proto}`];
    if (!bindings || bindings.length === 0) throw new CliError(`Error: No public port '${which}' published for ${container}`, 1);
    for (const b of bindings) lines.push(joinHostPort(b));
  } else {
    for (const [key, bindings] of Object.entries(ports)) for (const b of bindings ?? []) lines.push(`${key} -> ${joinHostPort(b)}`);
  }
  lines.sort(naturalCompare);
  return lines.map((l) => `${l}\n`).join('');
}

export const diffCommand: CommandSpec<CliContext> = {
  name: 'diff',
  usage: 'CONTAINER',
  short: "Inspect changes to files or directories on a container's filesystem",
  group: 'Commands',
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { args }) {
    const changes = await ctx.client().json<Array<{ Kind: number; Path: string }> | null>('GET', containerPath(args[0] ?? '', '/changes'));
    const kinds = ['C', 'A', 'D'];
    ctx.out((changes ?? []).map((c) => `${kinds[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
    return 0;
  },
};

// ---- lists for wiring ----------------------------------------------------------------------------------------

/** Top-level commands (`berth run`, `berth logs`...). */
export const runTopLevelCommands: CommandSpec<CliContext>[] = [
  attachCommand,
  commitCommand,
  cpCommand,
  createCommand,
  diffCommand,
  execCommand,
  exportCommand,
  killCommand,
  logsCommand,
  pauseCommand,
  portCommand,
  restartCommand,
  runCommand,
  startCommand,
  statsCommand,
  stopCommand,
  topCommand,
  unpauseCommand,
  updateCommand,
  waitCommand,
];

// Docker's help shows both forms: `Aliases: docker container run, docker run`.
for (const c of runTopLevelCommands) c.aliasPaths = [`container ${c.name}`, c.name];

/** The same commands as `berth container X` subcommands (no help group). */
export const runContainerSubcommands: CommandSpec<CliContext>[] = runTopLevelCommands.map((c) => ({ ...c, group: undefined }));
