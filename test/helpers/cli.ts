/**
 * Running `berth` inside the test process against a fake Engine API on a
 * UNIX socket, with its standard streams captured: the twin of running the
 * real docker CLI against the same socket, for tests that compare the two.
 * The error policy is main's own (`onError`).
 */
import { PassThrough, Writable } from 'node:stream';
import type { CommandSpec } from '../../src/cli/command.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/flags/index.js';
import { EngineClient } from '../../src/client/client.js';
import { onError, rootCommand } from '../../src/cli/main.js';
import type { Stdio } from '../../src/cli/commands/run/stream.js';

/** A writable stream that keeps what it is given as text. */
export class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

export interface BerthRun {
  code: number;
  out: string;
  err: string;
}

/** Runs berth's command line `args` against `socketPath` (API 1.50), with `input` as its standard input. */
export async function berthInProcess(socketPath: string, args: string[], opts: { input?: string; root?: CommandSpec<CliContext> } = {}): Promise<BerthRun> {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  const stdio: Stdio = { stdin, stdout, stderr, stdinIsTty: false, stdoutIsTty: false };
  const client = new EngineClient({ host: `unix://${socketPath}`, apiVersion: '1.50' });
  const ctx: CliContext & { stdio: Stdio } = {
    host: `unix://${socketPath}`,
    tls: null,
    debug: false,
    client: () => client,
    out: (s) => void stdout.write(s),
    err: (s) => void stderr.write(s),
    dispose: () => client.close(),
    stdio,
  };
  try {
    const code = await runCli(opts.root ?? rootCommand, args, { stdout: (s) => void stdout.write(s), stderr: (s) => void stderr.write(s) }, () => ctx, { onError });
    return { code, out: stdout.text, err: stderr.text };
  } finally {
    ctx.dispose();
  }
}
