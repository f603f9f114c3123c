/**
 * The container-process commands (create, run, start, attach, exec, logs,
 * wait, stop, kill, restart, pause, unpause, top, port, diff) driven through
 * the real dispatcher (runCli) against a fake Engine API on a UNIX socket
 * that records requests, answers JSON, and upgrades attach / exec-start
 * connections to send multiplexed (stdcopy) or raw frames and read stdin.
 * The commands' local streams are in-memory (ctx.stdio).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import tarStream from 'tar-stream';
import type { CommandSpec } from '../../../src/cli/command.js';
import type { CliContext } from '../../../src/cli/context.js';
import { runCli } from '../../../src/cli/flags/index.js';
import { EngineClient } from '../../../src/client/client.js';
import { frame } from '../../../src/lib/stdcopy.js';
import { runContainerSubcommands, runTopLevelCommands } from '../../../src/cli/commands/run/index.js';
import type { Stdio } from '../../../src/cli/commands/run/stream.js';
import { onError } from '../../../src/cli/main.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  upgrade: boolean;
  at: number;
}

type Json = { status?: number; body?: unknown; delay?: number; raw?: Buffer; headers?: Record<string, string> };
interface Hijack {
  /** Called once the connection is upgraded. */
  hijack: (socket: Socket, req: Seen) => void;
}
type Handler = (req: Seen) => Json | Hijack | undefined;

const dir = mkdtempSync(join(tmpdir(), 'berth-cli-run-'));
const socketPath = join(dir, 'api.sock');
let server: Server;
let handler: Handler = () => undefined;
let seen: Seen[] = [];
let clock = 0;

function record(req: IncomingMessage, body: string, upgrade: boolean): Seen {
  const u = new URL(req.url ?? '/', 'http://x');
  const s: Seen = { method: req.method ?? '', path: u.pathname.replace(/^\/v1\.50/, ''), query: u.searchParams, body, upgrade, at: clock++ };
  seen.push(s);
  return s;
}

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      body = Buffer.concat(chunks).toString('latin1');
      const s = record(req, body, false);
      const r = handler(s);
      const reply = r && 'hijack' in r ? { status: 500, body: { message: 'not upgraded' } } : (r ?? { status: 404, body: { message: `page not found: ${s.path}` } });
      const send = (): void => {
        if (reply.raw !== undefined || reply.headers !== undefined) {
          res.writeHead(reply.status ?? 200, reply.headers ?? {});
          res.end(reply.raw ?? '');
          return;
        }
        if (reply.body === undefined) {
          res.writeHead(reply.status ?? 204);
          res.end();
          return;
        }
        res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      };
      if (reply.delay) setTimeout(send, reply.delay);
      else send();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const len = Number(req.headers['content-length'] ?? 0);
    let body = head;
    const go = (): void => {
      const s = record(req, body.subarray(0, len).toString('utf8'), true);
      const r = handler(s);
      if (!r || !('hijack' in r)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n{"message":"no such one"}');
        return;
      }
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      const rest = body.subarray(len);
      if (rest.length) socket.unshift(rest);
      r.hijack(socket, s);
    };
    if (body.length >= len) go();
    else {
      const onData = (c: Buffer): void => {
        body = Buffer.concat([body, c]);
        if (body.length >= len) {
          socket.removeListener('data', onData);
          go();
        }
      };
      socket.on('data', onData);
    }
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(() => {
  // Remove the files first: a hijacked (attach) connection can keep close() waiting past the end of the run.
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  server.close();
});

const root: CommandSpec<CliContext> = {
  name: 'berth',
  usage: '[OPTIONS] COMMAND',
  short: 'test root',
  subcommands: [...runTopLevelCommands, { name: 'container', short: 'Manage containers', usage: 'COMMAND', subcommands: runContainerSubcommands }],
};


class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

interface RunResult {
  code: number;
  out: string;
  err: string;
  seen: Seen[];
  raw: boolean[];
  resizes: number;
}

interface BerthOptions {
  stdin?: string | Buffer | null;
  /** Called with the stdin stream once the command runs (to write later). */
  stdinStream?: (s: PassThrough) => void;
  stdinTty?: boolean;
  stdoutTty?: boolean;
  signals?: (send: (name: string) => void) => void;
}

async function berth(argv: string[], h: Handler, o: BerthOptions = {}): Promise<RunResult> {
  handler = h;
  seen = [];
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = new PassThrough();
  if (o.stdinStream) o.stdinStream(stdin);
  else if (o.stdin !== null) stdin.end(o.stdin ?? '');
  const raw: boolean[] = [];
  let resizes = 0;
  let signalCb: ((n: string) => void) | null = null;
  const stdio: Stdio = {
    stdin,
    stdout,
    stderr,
    stdinIsTty: o.stdinTty ?? false,
    stdoutIsTty: o.stdoutTty ?? false,
    setRawMode: (on) => void raw.push(on),
    size: () => [24, 80],
    onResize: () => {
      resizes++;
      return () => {};
    },
    onSignal: (cb) => {
      signalCb = cb;
      return () => (signalCb = null);
    },
  };
  if (o.signals) o.signals((n) => signalCb?.(n));
  let client: EngineClient | null = null;
  const ctx: CliContext & { stdio: Stdio } = {
    host: `unix://${socketPath}`,
    tls: null,
    debug: false,
    client() {
      client ??= new EngineClient({ host: `unix://${socketPath}`, apiVersion: '1.50' });
      return client;
    },
    out: (s) => void stdout.write(s),
    err: (s) => void stderr.write(s),
    dispose() {
      client?.close();
    },
    stdio,
  };
  const code = await runCli(root, argv, { stdout: (s) => void stdout.write(s), stderr: (s) => void stderr.write(s) }, () => ctx, { onError });
  ctx.dispose();
  return { code, out: stdout.text(), err: stderr.text(), seen, raw, resizes };
}

const ID = 'f'.repeat(64);
const json = (body: unknown, status = 200): Json => ({ status, body });
const noContent: Json = { status: 204 };
const inspect = (o: { tty?: boolean; openStdin?: boolean; running?: boolean; paused?: boolean; ports?: unknown; autoRemove?: boolean } = {}): Json =>
  json({
    Id: ID,
    Config: { Tty: o.tty ?? false, OpenStdin: o.openStdin ?? false },
    HostConfig: { AutoRemove: o.autoRemove ?? false },
    State: { Running: o.running ?? true, Paused: o.paused ?? false, Restarting: false },
    NetworkSettings: { Ports: o.ports ?? {} },
  });

/** A daemon for run: create, attach (hijack), wait, start; `attach` decides what the container prints. */
function runDaemon(opts: {
  attach?: (socket: Socket, req: Seen) => void;
  exitCode?: number;
  startError?: { status: number; message: string };
  createStatus?: Json;
}): Handler {
  let started: () => void = () => {};
  const startedP = new Promise<void>((r) => (started = r));
  return (req) => {
    if (req.method === 'POST' && req.path === '/containers/create') return opts.createStatus ?? json({ Id: ID, Warnings: [] }, 201);
    if (req.upgrade && req.path === `/containers/${ID}/attach`) {
      return {
        hijack: (socket, r) => {
          void startedP.then(() => opts.attach?.(socket, r));
          if (!opts.attach) void startedP.then(() => socket.end());
        },
      };
    }
    if (req.path === `/containers/${ID}/wait`) return { status: 200, body: { StatusCode: opts.exitCode ?? 0, Error: null }, delay: 60 };
    if (req.path === `/containers/${ID}/start`) {
      if (opts.startError) return json({ message: opts.startError.message }, opts.startError.status);
      setTimeout(started, 5);
      return noContent;
    }
    if (req.path === `/containers/${ID}/resize`) return json({});
    if (req.path === `/containers/${ID}/kill`) return noContent;
    return undefined;
  };
}

const hijacked = (seenList: Seen[]): Seen | undefined => seenList.find((s) => s.upgrade);
const find = (seenList: Seen[], path: string): Seen | undefined => seenList.find((s) => s.path === path);

describe('create', () => {
  it('sends the body, the name and platform in the query, and prints the ID', async () => {
    const r = await berth(['create', '--name', 'web', '--platform', 'linux/amd64', '-e', 'A=1', 'busybox', 'echo', 'hi'], (req) =>
      req.path === '/containers/create' ? json({ Id: ID, Warnings: ['careful'] }, 201) : undefined,
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${ID}\n`);
    assert.equal(r.err, 'WARNING: careful\n');
    const c = r.seen[0];
    assert.equal(c?.query.get('name'), 'web');
    assert.equal(c?.query.get('platform'), 'linux/amd64');
    const body = JSON.parse(c?.body ?? '{}') as Record<string, unknown>;
    assert.deepEqual(body.Cmd, ['echo', 'hi']);
    assert.deepEqual(body.Env, ['A=1']);
    assert.equal(body.Image, 'busybox');
  });

  it('writes --cidfile and refuses an existing one', async () => {
    const cid = join(dir, 'cid1');
    const h: Handler = (req) => (req.path === '/containers/create' ? json({ Id: ID }, 201) : undefined);
    const r = await berth(['create', '--cidfile', cid, 'busybox'], h);
    assert.equal(r.code, 0);
    assert.equal(readFileSync(cid, 'utf8'), ID);
    const again = await berth(['create', '--cidfile', cid, 'busybox'], h);
    assert.equal(again.code, 1);
    assert.equal(again.err, `container ID file found, make sure the other container isn't running or delete ${cid}\n`);
  });

  it('removes the cidfile when the create fails', async () => {
    const cid = join(dir, 'cid2');
    const r = await berth(['create', '--cidfile', cid, '--pull', 'never', 'busybox'], () => json({ message: 'No such image: busybox:latest' }, 404));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Error response from daemon: No such image: busybox:latest\n');
    assert.equal(existsSync(cid), false);
  });

  it('pulls a missing image (--pull missing) and reports the daemon refusing', async () => {
    const r = await berth(['create', 'busybox'], (req) => {
      if (req.path === '/containers/create') return json({ message: 'No such image: busybox:latest' }, 404);
      if (req.path === '/images/create') return json({ message: 'pulling is not implemented' }, 501);
      return undefined;
    });
    assert.equal(r.code, 1);
    assert.equal(r.err, "Unable to find image 'busybox:latest' locally\nError response from daemon: pulling is not implemented\n");
    const pull = find(r.seen, '/images/create');
    assert.equal(pull?.query.get('fromImage'), 'docker.io/library/busybox');
    assert.equal(pull?.query.get('tag'), 'latest');
  });

  it('retries the create after a successful pull', async () => {
    let creates = 0;
    const r = await berth(['create', '-q', 'me/app:v1'], (req) => {
      if (req.path === '/containers/create') return ++creates === 1 ? json({ message: 'No such image' }, 404) : json({ Id: ID }, 201);
      if (req.path === '/images/create') return json({ status: 'Pulled' });
      return undefined;
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${ID}\n`);
    assert.equal(r.err, '');
    assert.equal(find(r.seen, '/images/create')?.query.get('fromImage'), 'docker.io/me/app');
    assert.equal(find(r.seen, '/images/create')?.query.get('tag'), 'v1');
  });

  it('--pull always pulls first', async () => {
    const r = await berth(['create', '--pull', 'always', 'busybox'], (req) => {
      if (req.path === '/images/create') return json({ status: 'Downloaded newer image for busybox:latest' });
      if (req.path === '/containers/create') return json({ Id: ID }, 201);
      return undefined;
    });
    assert.equal(r.code, 0);
    assert.deepEqual(r.seen.map((s) => s.path), ['/images/create', '/containers/create']);
    assert.equal(r.err, 'Downloaded newer image for busybox:latest\n');
  });

  it('reports option errors with exit 125', async () => {
    const a = await berth(['create', '--restart', 'always', '--rm', 'busybox'], () => undefined);
    assert.equal(a.code, 125);
    assert.equal(a.err, "berth: conflicting options: cannot specify both --restart and --rm\n\nRun 'berth create --help' for more information\n");
    const b = await berth(['create', '-m', 'x', 'busybox'], () => undefined);
    assert.equal(b.code, 125);
    assert.equal(b.err, `invalid argument "x" for "-m, --memory" flag: invalid size: 'x'\nSee 'berth create --help'.\n`);
    const c = await berth(['create', '--pull', 'maybe', 'busybox'], () => undefined);
    assert.equal(c.code, 125);
    assert.match(c.err, /^berth: invalid pull option: 'maybe': must be one of "always", "missing" or "never"\n/);
    assert.equal(a.seen.length + b.seen.length + c.seen.length, 0);
  });

  it('stops reading flags at the image', async () => {
    const r = await berth(['create', 'busybox', 'ls', '-l', '--name', 'x'], (req) => (req.path === '/containers/create' ? json({ Id: ID }, 201) : undefined));
    assert.equal(r.code, 0);
    assert.deepEqual((JSON.parse(r.seen[0]?.body ?? '{}') as { Cmd: string[] }).Cmd, ['ls', '-l', '--name', 'x']);
    assert.equal(r.seen[0]?.query.get('name'), null);
  });

  it('needs an image', async () => {
    const r = await berth(['create'], () => undefined);
    assert.equal(r.code, 1);
    assert.match(r.err, /^"berth create" requires at least 1 argument\./);
  });
});

describe('run', () => {
  it('-d creates, starts and prints the ID without attaching', async () => {
    const r = await berth(['run', '-d', 'busybox', 'sleep', '10'], runDaemon({}));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${ID}\n`);
    assert.deepEqual(r.seen.map((s) => s.path).sort(), ['/containers/create', `/containers/${ID}/start`, `/containers/${ID}/wait`].sort());
    const body = JSON.parse(r.seen[0]?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body.AttachStdout, false);
    assert.equal(body.AttachStderr, false);
  });

  it('attaches before start, demultiplexes output and exits with the container status', async () => {
    const r = await berth(
      ['run', 'busybox', 'sh', '-c', 'echo hello; echo oops >&2; exit 3'],
      runDaemon({
        exitCode: 3,
        attach: (socket) => {
          socket.write(frame(1, Buffer.from('hello\n')));
          socket.write(frame(2, Buffer.from('oops\n')));
          socket.end();
        },
      }),
    );
    assert.equal(r.code, 3, r.err);
    assert.equal(r.out, 'hello\n');
    assert.equal(r.err, 'oops\n');
    const attach = hijacked(r.seen);
    const start = find(r.seen, `/containers/${ID}/start`);
    const wait = find(r.seen, `/containers/${ID}/wait`);
    assert.ok(attach && start && wait);
    assert.ok(attach.at < start.at && wait.at < start.at, 'attach and wait come before start');
    assert.equal(wait.query.get('condition'), 'next-exit');
    assert.deepEqual([...attach.query], [['stderr', '1'], ['stdout', '1'], ['stream', '1']]);
  });

  it('--rm waits for removal', async () => {
    const r = await berth(['run', '--rm', 'busybox'], runDaemon({}));
    assert.equal(r.code, 0);
    assert.equal(find(r.seen, `/containers/${ID}/wait`)?.query.get('condition'), 'removed');
    assert.equal((JSON.parse(r.seen[0]?.body ?? '{}') as { HostConfig: { AutoRemove: boolean } }).HostConfig.AutoRemove, true);
  });

  it('-i sends stdin and half-closes the connection when it ends', async () => {
    const r = await berth(
      ['run', '-i', 'busybox', 'cat'],
      runDaemon({
        attach: (socket) => {
          const got: Buffer[] = [];
          socket.on('data', (c: Buffer) => got.push(c));
          socket.on('end', () => {
            socket.end(frame(1, Buffer.concat(got)));
          });
        },
      }),
      { stdin: 'line one\nline two\n' },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'line one\nline two\n');
    assert.equal(hijacked(r.seen)?.query.get('stdin'), '1');
    const body = JSON.parse(r.seen[0]?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body.OpenStdin, true);
    assert.equal(body.StdinOnce, true);
    assert.equal(body.AttachStdin, true);
  });

  it('-t copies the raw stream, sets raw mode and the window size on a terminal', async () => {
    const r = await berth(
      ['run', '-it', 'busybox', 'sh'],
      runDaemon({
        attach: (socket) => {
          socket.end('\x1b[1mprompt\r\n');
        },
      }),
      { stdinTty: true, stdoutTty: true, stdin: null, stdinStream: () => {} },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '\x1b[1mprompt\r\n');
    assert.deepEqual(r.raw, [true, false]);
    const resize = find(r.seen, `/containers/${ID}/resize`);
    assert.equal(resize?.query.get('h'), '24');
    assert.equal(resize?.query.get('w'), '80');
    assert.equal(r.resizes, 1);
    const body = JSON.parse(r.seen[0]?.body ?? '{}') as { Tty: boolean; HostConfig: { ConsoleSize: number[] } };
    assert.equal(body.Tty, true);
    assert.deepEqual(body.HostConfig.ConsoleSize, [24, 80]);
  });

  it('-it without a terminal on stdin is refused before anything is created', async () => {
    const r = await berth(['run', '-it', 'busybox'], runDaemon({}));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'the input device is not a TTY\n');
    assert.equal(r.seen.length, 0);
  });

  it('the detach keys end the attachment quietly (exit 0)', async () => {
    const r = await berth(
      ['run', '-it', 'busybox', 'sh'],
      runDaemon({ attach: (socket) => socket.write('$ ') }),
      { stdinTty: true, stdoutTty: false, stdin: null, stdinStream: (s) => void setTimeout(() => s.write(Buffer.from([0x61, 0x10, 0x11])), 100) },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '$ ');
    assert.equal(r.err, '');
  });

  it('--detach-keys picks another sequence and is passed to the daemon', async () => {
    const r = await berth(['run', '-i', '--detach-keys', 'ctrl-a,x', 'busybox', 'sh'], runDaemon({ attach: () => {} }), { stdin: Buffer.from([0x01, 0x78]) });
    assert.equal(r.code, 0, r.err);
    assert.equal(hijacked(r.seen)?.query.get('detachKeys'), 'ctrl-a,x');
  });

  it('maps start errors to 127, 126 and 125', async () => {
    const cases: Array<[string, number]> = [
      ['failed to create task: exec: "nope": executable file not found in $PATH', 127],
      ['exec /bin/x: permission denied', 126],
      ['driver failed programming external connectivity', 125],
    ];
    for (const [message, code] of cases) {
      const r = await berth(['run', 'busybox', 'nope'], runDaemon({ startError: { status: 400, message } }));
      assert.equal(r.code, code, message);
      assert.equal(r.err, `berth: Error response from daemon: ${message}\n\nRun 'berth run --help' for more information\n`);
    }
  });

  it('a failed create is reported with the help hint (125)', async () => {
    const r = await berth(['run', '--pull', 'never', 'busybox'], runDaemon({ createStatus: json({ message: 'No such image: busybox:latest' }, 404) }));
    assert.equal(r.code, 125);
    assert.equal(r.err, "berth: Error response from daemon: No such image: busybox:latest\n\nRun 'berth run --help' for more information\n");
  });

  it('a refused pull ends with 125', async () => {
    const h = runDaemon({ createStatus: json({ message: 'No such image: busybox:latest' }, 404) });
    const r = await berth(['run', 'busybox'], (req) => (req.path === '/images/create' ? json({ message: 'not implemented' }, 501) : h(req)));
    assert.equal(r.code, 125);
    assert.equal(r.err, "Unable to find image 'busybox:latest' locally\nberth: Error response from daemon: not implemented\n\nRun 'berth run --help' for more information\n");
  });

  it('-a and -d conflict', async () => {
    const r = await berth(['run', '-d', '-a', 'stdout', 'busybox'], runDaemon({}));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Conflicting options: -a and -d\n');
  });

  it('forwards signals to the container without a TTY', async () => {
    let send: (n: string) => void = () => {};
    const r = await berth(
      ['run', 'busybox', 'sleep', '5'],
      runDaemon({
        attach: (socket) => {
          send('TERM');
          setTimeout(() => socket.end(), 50);
        },
      }),
      { signals: (s) => (send = s) },
    );
    assert.equal(r.code, 0);
    assert.equal(find(r.seen, `/containers/${ID}/kill`)?.query.get('signal'), 'TERM');
  });

  it('is also `container run`', async () => {
    const r = await berth(['container', 'run', '-d', 'busybox'], runDaemon({}));
    assert.equal(r.code, 0);
    assert.equal(r.out, `${ID}\n`);
  });
});

describe('start and attach', () => {
  it('start prints the names and collects failures', async () => {
    const r = await berth(['start', 'a', 'b', 'c'], (req) => (req.path === '/containers/b/start' ? json({ message: 'No such container: b' }, 404) : noContent));
    assert.equal(r.code, 1);
    assert.equal(r.out, 'a\nc\n');
    assert.equal(r.err, 'Error response from daemon: No such container: b\nError: failed to start containers: b\n');
  });

  it('start -a attaches, starts and exits with the status', async () => {
    const d = runDaemon({ exitCode: 2, attach: (s) => s.end(frame(1, Buffer.from('out\n'))) });
    const r = await berth(['start', '-a', 'web'], (req) => (req.path === '/containers/web/json' ? inspect() : d(req)));
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, 'out\n');
  });

  it('start -a refuses several containers', async () => {
    const r = await berth(['start', '-a', 'x', 'y'], () => undefined);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'you cannot start and attach multiple containers at once\n');
  });

  it('attach streams a running container and returns its exit code', async () => {
    const r = await berth(['attach', 'web'], (req) => {
      if (req.path === '/containers/web/json') return inspect({ openStdin: true });
      if (req.path === '/containers/web/wait') return { status: 200, body: { StatusCode: 5 }, delay: 30 };
      if (req.upgrade) return { hijack: (s) => s.end(frame(2, Buffer.from('err\n'))) };
      return undefined;
    }, { stdin: null, stdinStream: () => {} });
    assert.equal(r.code, 5, r.err);
    assert.equal(r.err, 'err\n');
    const a = hijacked(r.seen);
    assert.equal(a?.query.get('stdin'), '1');
  });

  it('attach refuses a stopped container', async () => {
    const r = await berth(['attach', 'web'], (req) => {
      if (req.path === '/containers/web/json') return inspect({ running: false });
      if (req.path === '/containers/web/wait') return { status: 200, body: { StatusCode: 0 }, delay: 10 };
      return undefined;
    });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'You cannot attach to a stopped container, start it first\n');
  });

  it('attach: the detach keys print `read escape sequence` (exit 1)', async () => {
    const r = await berth(['attach', 'web'], (req) => {
      if (req.path === '/containers/web/json') return inspect({ openStdin: true });
      if (req.path === '/containers/web/wait') return { status: 200, body: { StatusCode: 0 }, delay: 300 };
      if (req.upgrade) return { hijack: () => {} };
      return undefined;
    }, { stdin: Buffer.from([0x10, 0x11]) });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'read escape sequence\n');
  });
});

describe('exec', () => {
  it('creates the exec, streams it and returns its exit code', async () => {
    const r = await berth(['exec', '-e', 'A=1', '-u', 'nobody', '-w', '/tmp', 'web', 'sh', '-c', 'exit 4'], (req) => {
      if (req.path === '/containers/web/json') return inspect();
      if (req.path === '/containers/web/exec') return json({ Id: 'e1' }, 201);
      if (req.upgrade && req.path === '/exec/e1/start') return { hijack: (s) => s.end(frame(1, Buffer.from('x\n'))) };
      if (req.path === '/exec/e1/json') return json({ ExitCode: 4, Running: false });
      return undefined;
    });
    assert.equal(r.code, 4, r.err);
    assert.equal(r.out, 'x\n');
    const create = find(r.seen, '/containers/web/exec');
    assert.deepEqual(JSON.parse(create?.body ?? '{}'), {
      User: 'nobody',
      Privileged: false,
      Tty: false,
      AttachStdin: false,
      AttachStderr: true,
      AttachStdout: true,
      Detach: false,
      DetachKeys: '',
      Env: ['A=1'],
      WorkingDir: '/tmp',
      Cmd: ['sh', '-c', 'exit 4'],
    });
    assert.deepEqual(JSON.parse(hijacked(r.seen)?.body ?? '{}'), { Detach: false, Tty: false });
  });

  it('-d starts the exec detached', async () => {
    const r = await berth(['exec', '-d', 'web', 'touch', '/x'], (req) => {
      if (req.path === '/containers/web/json') return inspect();
      if (req.path === '/containers/web/exec') return json({ Id: 'e2' }, 201);
      if (req.path === '/exec/e2/start') return json({});
      return undefined;
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.deepEqual(JSON.parse(find(r.seen, '/exec/e2/start')?.body ?? '{}'), { Detach: true, Tty: false });
    assert.equal((JSON.parse(find(r.seen, '/containers/web/exec')?.body ?? '{}') as { Detach: boolean }).Detach, true);
  });

  it('reports a paused container as the daemon refuses it', async () => {
    const r = await berth(['exec', 'web', 'ls'], (req) => {
      if (req.path === '/containers/web/json') return inspect({ paused: true });
      if (req.path === '/containers/web/exec') return json({ message: 'Container web is paused, unpause the container before exec' }, 409);
      return undefined;
    });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Error response from daemon: Container web is paused, unpause the container before exec\n');
  });

  it('a missing container comes first', async () => {
    const r = await berth(['exec', '-it', 'nope', 'sh'], () => json({ message: 'No such container: nope' }, 404));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Error response from daemon: No such container: nope\n');
  });
});

describe('logs', () => {
  it('demultiplexes and sends the query docker sends', async () => {
    const r = await berth(['logs', '--tail', '5', '-t', '--since', '1700000000', '--details', 'web'], (req) => {
      if (req.path === '/containers/web/json') return inspect();
      if (req.path === `/containers/${ID}/logs`) return { status: 200, body: undefined };
      return undefined;
    });
    assert.equal(r.code, 0, r.err);
    const q = find(r.seen, `/containers/${ID}/logs`)?.query;
    assert.deepEqual([...(q ?? [])], [['details', '1'], ['since', '1700000000'], ['stderr', '1'], ['stdout', '1'], ['tail', '5'], ['timestamps', '1']]);
  });

  it('writes stdout and stderr frames to their streams', async () => {
    const payload = Buffer.concat([frame(1, Buffer.from('a\n')), frame(2, Buffer.from('b\n')), frame(1, Buffer.from('c\n'))]);
    handler = () => undefined;
    const r = await berthRaw(['logs', '-f', 'web'], payload, false);
    assert.equal(r.out, 'a\nc\n');
    assert.equal(r.err, 'b\n');
    assert.equal(r.code, 0);
  });

  it('copies a TTY container`s log as is', async () => {
    const r = await berthRaw(['logs', 'web'], Buffer.from('raw\r\n'), true);
    assert.equal(r.out, 'raw\r\n');
  });

  it('refuses a bad --since', async () => {
    const r = await berth(['logs', '--since', 'yesterday', 'web'], (req) => (req.path === '/containers/web/json' ? inspect() : undefined));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'invalid value for "since": failed to parse value as time or duration: "yesterday"\n');
  });
});

/** logs against a daemon answering `payload` as the log body. */
async function berthRaw(argv: string[], payload: Buffer, tty: boolean): Promise<RunResult> {
  const origListeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    req.resume();
    if (u.pathname.endsWith('/json')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Id: ID, Config: { Tty: tty, OpenStdin: false }, State: { Running: true, Paused: false, Restarting: false } }));
      return;
    }
    res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
    res.write(payload.subarray(0, 5));
    setTimeout(() => res.end(payload.subarray(5)), 10);
  });
  try {
    return await berth(argv, () => undefined);
  } finally {
    server.removeAllListeners('request');
    for (const l of origListeners) server.on('request', l as (...a: unknown[]) => void);
  }
}

describe('stop, kill, restart, pause, unpause, wait', () => {
  it('stop sends -t and -s and prints the names', async () => {
    const r = await berth(['stop', '-t', '3', '-s', 'SIGINT', 'a', 'b'], () => noContent);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'a\nb\n');
    assert.deepEqual(Object.fromEntries(r.seen[0]?.query ?? []), { signal: 'SIGINT', t: '3' });
  });

  it('stop without -t sends no timeout', async () => {
    const r = await berth(['stop', 'a'], () => noContent);
    assert.equal([...(r.seen[0]?.query ?? [])].length, 0);
  });

  it('errors are listed after the successes (exit 1)', async () => {
    const r = await berth(['kill', '-s', 'HUP', 'a', 'gone'], (req) =>
      req.path === '/containers/gone/kill' ? json({ message: 'No such container: gone' }, 404) : noContent,
    );
    assert.equal(r.code, 1);
    assert.equal(r.out, 'a\n');
    assert.equal(r.err, 'Error response from daemon: No such container: gone\n');
    assert.equal(r.seen.find((s) => s.path === '/containers/a/kill')?.query.get('signal'), 'HUP');
  });

  it('restart, pause and unpause', async () => {
    const a = await berth(['restart', '-t', '0', 'x'], () => noContent);
    assert.equal(a.out, 'x\n');
    assert.equal(a.seen[0]?.path, '/containers/x/restart');
    assert.equal(a.seen[0]?.query.get('t'), '0');
    const b = await berth(['pause', 'x'], () => noContent);
    assert.equal(b.seen[0]?.path, '/containers/x/pause');
    const c = await berth(['unpause', 'x'], (req) => (req.path === '/containers/x/unpause' ? json({ message: 'Container x is not paused' }, 409) : undefined));
    assert.equal(c.code, 1);
    assert.equal(c.err, 'Error response from daemon: Container x is not paused\n');
  });

  it('wait prints one exit code a line', async () => {
    const r = await berth(['wait', 'a', 'b', 'c'], (req) => {
      if (req.path === '/containers/a/wait') return json({ StatusCode: 0 });
      if (req.path === '/containers/b/wait') return json({ StatusCode: 137 });
      return json({ message: 'No such container: c' }, 404);
    });
    assert.equal(r.code, 1);
    assert.equal(r.out, '0\n137\n');
    assert.equal(r.err, 'Error response from daemon: No such container: c\n');
  });
});

describe('top, port, diff', () => {
  it('top passes ps options and prints a table', async () => {
    const r = await berth(['top', 'web', '-o', 'pid,comm'], () => json({ Titles: ['PID', 'COMMAND'], Processes: [['1', 'sh'], ['42', 'sleep']] }));
    assert.equal(r.code, 0);
    assert.equal(r.seen[0]?.query.get('ps_args'), '-o pid,comm');
    assert.equal(r.out, 'PID                 COMMAND\n1                   sh\n42                  sleep\n');
  });

  it('port lists and looks up mappings', async () => {
    const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }], '9/tcp': null };
    const all = await berth(['port', 'web'], () => inspect({ ports }));
    assert.equal(all.out, '53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n');
    const one = await berth(['port', 'web', '80'], () => inspect({ ports }));
    assert.equal(one.out, '0.0.0.0:8080\n[::]:8080\n');
    const none = await berth(['port', 'web', '443/tcp'], () => inspect({ ports }));
    assert.equal(none.code, 1);
    assert.equal(none.err, "Error: No public port '443/tcp' published for web\n");
  });

  it('diff prints C/A/D lines', async () => {
    const r = await berth(['diff', 'web'], () => json([{ Kind: 0, Path: '/etc' }, { Kind: 1, Path: '/etc/new' }, { Kind: 2, Path: '/old' }]));
    assert.equal(r.out, 'C /etc\nA /etc/new\nD /old\n');
  });
});

describe('update, commit, export, stats', () => {
  it('update sends the resources and restart policy, names then warnings on stdout', async () => {
    const r = await berth(['update', '--cpus', '1.5', '-m', '64m', '--restart', 'on-failure:2', '--pids-limit', '10', 'a', 'b'], () => json({ Warnings: ['w1'] }));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'a\nb\nw1\nw1\n');
    const body = JSON.parse(r.seen[0]?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body.NanoCpus, 1500000000);
    assert.equal(body.Memory, 67108864);
    assert.equal(body.PidsLimit, 10);
    assert.equal(body.MemorySwappiness, null);
    assert.deepEqual(body.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  });

  it('update needs a flag', async () => {
    const r = await berth(['update', 'a'], () => undefined);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'you must provide one or more flags when using this command\n');
  });

  it('commit sends docker`s query', async () => {
    const r = await berth(['commit', '-c', 'ENV A=1', '-c', 'CMD ["sh"]', '-m', 'msg', '-a', 'me', '--pause=false', 'web', 'repo/x:tag'], () => json({ Id: 'sha256:abc' }, 201));
    assert.equal(r.code, 0);
    assert.equal(r.out, 'sha256:abc\n');
    assert.deepEqual([...(r.seen[0]?.query ?? [])], [
      ['author', 'me'],
      ['changes', 'ENV A=1'],
      ['changes', 'CMD ["sh"]'],
      ['comment', 'msg'],
      ['container', 'web'],
      ['pause', '0'],
      ['repo', 'docker.io/repo/x'],
      ['tag', 'tag'],
    ]);
  });

  it('export writes the archive to -o', async () => {
    const out = join(dir, 'export.tar');
    const r = await berthRaw(['export', '-o', out, 'web'], Buffer.from('TARDATA-0123456789'), false);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(out, 'utf8'), 'TARDATA-0123456789');
  });

  it('export refuses a terminal', async () => {
    const r = await berth(['export', 'web'], () => undefined, { stdoutTty: true });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
  });

  it('stats --no-stream prints docker`s table', async () => {
    const stats = {
      id: ID,
      name: '/web',
      cpu_stats: { cpu_usage: { total_usage: 400 }, system_cpu_usage: 2000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 200 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 10 * 1024 * 1024, limit: 1024 * 1024 * 1024, stats: { inactive_file: 2 * 1024 * 1024 } },
      networks: { eth0: { rx_bytes: 1500, tx_bytes: 800 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'read', value: 4096 }, { op: 'write', value: 0 }] },
      pids_stats: { current: 3 },
    };
    const r = await berth(['stats', '--no-stream', 'web'], (req) => (req.path === '/containers/web/stats' ? json(stats) : undefined));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.seen[0]?.query.get('stream'), '0');
    assert.equal(
      r.out,
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O        BLOCK I/O    PIDS\n' +
        'ffffffffffff   web       40.00%    8MiB / 1GiB         0.78%     1.5kB / 800B   4.1kB / 0B   3\n',
    );
  });
});

/** A tar archive of `entries` (name → content; names ending in / are directories). */
async function makeTar(entries: Array<[string, string]>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, content] of entries) {
    if (name.endsWith('/')) pack.entry({ name, type: 'directory', mode: 0o755 });
    else pack.entry({ name, mode: 0o644 }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function tarEntries(data: Buffer): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const entry of extract as unknown as AsyncIterable<Readable & { header: { name: string } }>) {
      let text = '';
      for await (const c of entry) text += (c as Buffer).toString('utf8');
      out.push([entry.header.name, text]);
    }
  })();
  extract.end(data);
  await done;
  return out;
}

const pathStat = (o: { name: string; size: number; dir?: boolean }): string =>
  Buffer.from(JSON.stringify({ name: o.name, size: o.size, mode: o.dir ? 2 ** 31 + 0o755 : 0o644, mtime: '2024-01-01T00:00:00Z', linkTarget: '' })).toString('base64');

describe('stats streaming', () => {
  it('reads stream=1 and redraws the table from the latest sample', async () => {
    const sample = (pids: number): string =>
      JSON.stringify({ id: ID, name: '/web', cpu_stats: {}, precpu_stats: {}, memory_stats: { usage: 0, limit: 0 }, pids_stats: { current: pids } }) + '\n';
    const origListeners = server.listeners('request');
    server.removeAllListeners('request');
    const urls: string[] = [];
    server.on('request', (req: IncomingMessage, res) => {
      urls.push(req.url ?? '');
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(sample(1));
      setTimeout(() => res.end(sample(2)), 700);
    });
    try {
      const r = await berth(['stats', 'web'], () => undefined);
      assert.equal(r.code, 0, r.err);
      assert.ok(urls[0]?.endsWith('/containers/web/stats?stream=1'));
      const tables = r.out.split('CONTAINER ID').slice(1);
      assert.ok(tables.length >= 1);
      assert.match(tables[0] ?? '', /\s1\n$/);
      assert.match(tables[tables.length - 1] ?? '', /\s2\n$/);
    } finally {
      server.removeAllListeners('request');
      for (const l of origListeners) server.on('request', l as (...a: unknown[]) => void);
    }
  });
});

describe('cp', () => {
  it('copies a file out of the container to a new local name', async () => {
    const tar = await makeTar([['hosts', '127.0.0.1 localhost\n']]);
    const dest = join(dir, 'cp-out-file');
    const r = await berth(['cp', 'web:/etc/hosts', dest], (req) =>
      req.path === '/containers/web/archive' ? { raw: tar, headers: { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': pathStat({ name: 'hosts', size: 20 }) } } : undefined,
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.equal(r.seen[0]?.query.get('path'), '/etc/hosts');
    assert.equal(readFileSync(dest, 'utf8'), '127.0.0.1 localhost\n');
  });

  it('copies a directory into an existing local directory, and prints the summary on a terminal', async () => {
    const tar = await makeTar([['conf/', ''], ['conf/a', 'A'], ['conf/sub/', ''], ['conf/sub/b', 'BB']]);
    const dest = join(dir, 'cp-out-dir');
    mkdirSync(dest, { recursive: true });
    const r = await berth(['cp', 'web:/conf', dest], (req) =>
      req.path === '/containers/web/archive' ? { raw: tar, headers: { 'X-Docker-Container-Path-Stat': pathStat({ name: 'conf', size: 4096, dir: true }) } } : undefined,
      { stdoutTty: true },
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(dest, 'conf', 'a'), 'utf8'), 'A');
    assert.equal(readFileSync(join(dest, 'conf', 'sub', 'b'), 'utf8'), 'BB');
    assert.equal(tar.length, 4096);
    assert.equal(r.err, `Successfully copied 4.1kB to ${dest}\n`);
  });

  it('writes the raw archive for -', async () => {
    const tar = await makeTar([['x', 'y']]);
    const r = await berth(['cp', 'web:/x', '-'], (req) => (req.path === '/containers/web/archive' ? { raw: tar, headers: { 'X-Docker-Container-Path-Stat': pathStat({ name: 'x', size: 1 }) } } : undefined));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(await tarEntries(Buffer.from(r.out, 'utf8')), [['x', 'y']]);
  });

  it('copies a local file to a new path in the container', async () => {
    const src = join(dir, 'local.txt');
    writeFileSync(src, 'hello');
    const r = await berth(['cp', src, 'web:/tmp/renamed.txt'], (req) => {
      if (req.method === 'HEAD') return json({ message: 'Could not find the file /tmp/renamed.txt in container web' }, 404);
      if (req.method === 'PUT') return { status: 200, headers: {} };
      return undefined;
    });
    assert.equal(r.code, 0, r.err);
    const put = r.seen.find((s) => s.method === 'PUT');
    console.log('DBG', put?.body.length, JSON.stringify(put?.body.slice(0, 30)));
    assert.deepEqual([...(put?.query ?? [])], [['noOverwriteDirNonDir', 'true'], ['path', '/tmp']]);
    assert.deepEqual(await tarEntries(Buffer.from(put?.body ?? '', 'latin1')), [['renamed.txt', 'hello']]);
  });

  it('copies a local directory into a container directory with -a', async () => {
    const src = join(dir, 'tree');
    mkdirSync(join(src, 'in'), { recursive: true });
    writeFileSync(join(src, 'in', 'f'), 'F');
    const r = await berth(['cp', '-a', src, 'web:/srv'], (req) => {
      if (req.method === 'HEAD') return { headers: { 'X-Docker-Container-Path-Stat': pathStat({ name: 'srv', size: 4096, dir: true }) } } as Json;
      if (req.method === 'PUT') return { status: 200, headers: {} };
      return undefined;
    });
    assert.equal(r.code, 0, r.err);
    const put = r.seen.find((s) => s.method === 'PUT');
    assert.deepEqual([...(put?.query ?? [])], [['copyUIDGID', 'true'], ['noOverwriteDirNonDir', 'true'], ['path', '/srv']]);
    assert.deepEqual(await tarEntries(Buffer.from(put?.body ?? '', 'latin1')), [['tree/', ''], ['tree/in/', ''], ['tree/in/f', 'F']]);
  });

  it('refuses two containers or none', async () => {
    const a = await berth(['cp', 'a:/x', 'b:/y'], () => undefined);
    assert.equal(a.code, 1);
    assert.equal(a.err, 'copying between containers is not supported\n');
    const b = await berth(['cp', './a:b', '/tmp/x'], () => undefined);
    assert.equal(b.code, 1);
    assert.equal(b.err, 'must specify at least one container source\n');
  });
});
