/**
 * Routes of running containers: start, stop, restart, kill, wait, attach
 * (hijacked, before or after start), resize, and logs from the json-file log.
 */
import type { RouteDef } from '../server.js';
import { queryBool, queryInt, sendJson, sendNoContent, type RequestContext } from '../context.js';
import { hijack } from '../streams.js';
import { frame, STDOUT, STDERR } from '../../lib/stdcopy.js';
import { readAll, readFrom, streamAll, type LogRecord } from '../../engine/containers/logs.js';
import { formatRFC3339NanoFixed, getTimestamp, parseApiTimestamp, instantToNanos } from '../../lib/timetypes.js';
import { invalidArgument, unavailable } from '../../errdefs/index.js';
import type { ContainerStore } from '../../engine/containers/store.js';

function store(ctx: RequestContext): ContainerStore {
  const s = ctx.engine.containers;
  if (!s) throw unavailable('the container store is not ready');
  return s;
}

function optTimeout(ctx: RequestContext): number | undefined {
  const t = ctx.query.get('t') ?? ctx.query.get('timeout');
  if (t === null || t === '') return undefined;
  if (!/^-?\d+$/.test(t)) throw invalidArgument(`invalid value for t: ${t}`);
  return Number(t);
}

async function start(ctx: RequestContext): Promise<void> {
  await store(ctx).start(ctx.params.id!);
  sendNoContent(ctx);
}

async function stop(ctx: RequestContext): Promise<void> {
  const t = optTimeout(ctx);
  const signal = ctx.query.get('signal') ?? undefined;
  await store(ctx).stop(ctx.params.id!, { ...(t !== undefined ? { timeout: t } : {}), ...(signal ? { signal } : {}) });
  sendNoContent(ctx);
}

async function restart(ctx: RequestContext): Promise<void> {
  const t = optTimeout(ctx);
  await store(ctx).restart(ctx.params.id!, t !== undefined ? { timeout: t } : {});
  sendNoContent(ctx);
}

async function kill(ctx: RequestContext): Promise<void> {
  await store(ctx).kill(ctx.params.id!, ctx.query.get('signal') || 'SIGKILL');
  sendNoContent(ctx);
}

async function wait(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  s.resolve(ctx.params.id!);
  // Docker sends the head at once, so a client can start the container after registering its wait.
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const r = await s.wait(ctx.params.id!, ctx.query.get('condition') ?? 'not-running');
  ctx.res.end(JSON.stringify(r) + '\n');
}

async function resize(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  const c = s.resolve(ctx.params.id!);
  const h = queryInt(ctx.query, 'h', 0);
  const w = queryInt(ctx.query, 'w', 0);
  const conn = s.shim(c.ID);
  if (!conn) throw invalidArgument(`Container ${c.ID} is not running`);
  if (c.Config.Tty) await conn.resize(h, w);
  sendNoContent(ctx);
}

async function attach(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  const c = s.resolve(ctx.params.id!);
  const q = ctx.query;
  const wantStdin = queryBool(q, 'stdin') && c.Config.OpenStdin === true;
  const wantStdout = queryBool(q, 'stdout');
  const wantStderr = queryBool(q, 'stderr');
  const tty = c.Config.Tty === true;
  const logs = queryBool(q, 'logs');
  const stream = queryBool(q, 'stream');
  const h = hijack(ctx, { multiplexed: !tty });
  const send = (which: 'stdout' | 'stderr', data: Buffer) => {
    if ((which === 'stdout' && !wantStdout) || (which === 'stderr' && !wantStderr)) return;
    if (tty) h.output.write(data);
    else h.send(which === 'stdout' ? STDOUT : STDERR, data);
  };
  if (logs) for (const r of (await readAll(c.LogPath)).records) send(r.stream, r.data);
  if (!stream) return h.close();
  ctx.engine.events.publish('container', 'attach', { id: c.ID, attributes: s.attrs(c) });
  let conn = s.shim(c.ID);
  if (!conn) {
    if (c.State.Status !== 'created' && c.State.Status !== 'exited') return h.close();
    // Attached before start (docker run): connect once the shim exists, before the process runs.
    await new Promise<void>((resolve) => {
      const done = () => {
        s.lifecycle.off(`created:${c.ID}`, done);
        s.lifecycle.off(`startfailed:${c.ID}`, done);
        s.lifecycle.off(`removed:${c.ID}`, done);
        ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      s.lifecycle.on(`created:${c.ID}`, done);
      s.lifecycle.on(`startfailed:${c.ID}`, done);
      s.lifecycle.on(`removed:${c.ID}`, done);
      ctx.signal.addEventListener('abort', done);
    });
    conn = s.shim(c.ID);
    if (!conn) return h.close();
  }
  const onOut = (b: Buffer) => send('stdout', b);
  const onErr = (b: Buffer) => send('stderr', b);
  conn.on('stdout', onOut);
  conn.on('stderr', onErr);
  if (wantStdin && h.input) {
    h.input.on('data', (b: Buffer) => conn.writeStdin(b));
    h.input.on('end', () => {
      if (c.Config.StdinOnce) conn.closeStdin();
    });
    h.input.resume();
  }
  await Promise.race([conn.exited, new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }))]);
  conn.off('stdout', onOut);
  conn.off('stderr', onErr);
  h.close();
}

function logTime(ctx: RequestContext, name: 'since' | 'until'): bigint | undefined {
  const v = ctx.query.get(name);
  if (v === null || v === '' || v === '0') return undefined;
  try {
    return instantToNanos(parseApiTimestamp(v.includes('-') || /[a-z]$/i.test(v) ? getTimestamp(v) : v));
  } catch (err) {
    throw invalidArgument(`invalid value for ${name}: ${(err as Error).message}`);
  }
}

async function logs(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  const c = s.resolve(ctx.params.id!);
  const q = ctx.query;
  const driver = (c.HostConfig as { LogConfig?: { Type?: string } }).LogConfig?.Type || 'json-file';
  if (driver === 'none') throw invalidArgument('configured logging driver does not support reading');
  const out = queryBool(q, 'stdout');
  const err = queryBool(q, 'stderr');
  if (!out && !err) throw invalidArgument('You must choose at least one stream');
  const follow = queryBool(q, 'follow');
  const timestamps = queryBool(q, 'timestamps');
  const since = logTime(ctx, 'since');
  const until = logTime(ctx, 'until');
  const tailRaw = q.get('tail') ?? 'all';
  const tail = tailRaw === 'all' || tailRaw === '' ? -1 : Number.parseInt(tailRaw, 10);
  const tty = c.Config.Tty === true;
  ctx.res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  ctx.res.flushHeaders();
  const wanted = (r: LogRecord) => ((r.stream === 'stdout' && out) || (r.stream === 'stderr' && err)) && (since === undefined || r.nanos >= since) && (until === undefined || r.nanos <= until);
  // Records are framed one by one (as dockerd does) but written in batches, and writes wait for
  // the client to drain: a 100 MB log never sits in memory.
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async () => {
    if (batched === 0) return;
    const chunk = Buffer.concat(batch);
    batch = [];
    batched = 0;
    if (!ctx.res.write(chunk) && !ctx.res.destroyed) {
      await new Promise<void>((res) => {
        const done = () => {
          ctx.res.off('drain', done);
          ctx.res.off('close', done);
          res();
        };
        ctx.res.once('drain', done);
        ctx.res.once('close', done);
      });
    }
  };
  const emit = async (r: LogRecord) => {
    let data = r.data;
    if (timestamps) data = Buffer.concat([Buffer.from(formatRFC3339NanoFixed(r.nanos, true) + ' '), data]);
    const f = tty ? data : frame(r.stream === 'stdout' ? STDOUT : STDERR, data);
    batch.push(f);
    batched += f.length;
    if (batched >= 64 * 1024) await flush();
  };
  let start: number;
  if (tail >= 0) {
    const last: LogRecord[] = [];
    start = await streamAll(c.LogPath, (r) => {
      if (!wanted(r)) return;
      last.push(r);
      if (last.length > tail) last.shift();
    });
    for (const r of last) await emit(r);
  } else {
    start = await streamAll(c.LogPath, async (r) => {
      if (wanted(r) && !ctx.res.destroyed) await emit(r);
    });
  }
  await flush();
  if (!follow || !c.State.Running || (until !== undefined && until < BigInt(Date.now()) * 1_000_000n)) {
    ctx.res.end();
    return;
  }
  let offset = start;
  let stopped = false;
  const onExit = () => (stopped = true);
  s.lifecycle.once(`exited:${c.ID}`, onExit);
  try {
    while (!ctx.signal.aborted) {
      const r = await readFrom(c.LogPath, offset);
      offset = r.offset;
      for (const rec of r.records) if (wanted(rec)) await emit(rec);
      await flush();
      if (stopped) {
        const last = await readFrom(c.LogPath, offset);
        for (const rec of last.records) if (wanted(rec)) await emit(rec);
        await flush();
        break;
      }
      if (until !== undefined && BigInt(Date.now()) * 1_000_000n > until) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    s.lifecycle.off(`exited:${c.ID}`, onExit);
  }
  ctx.res.end();
}

async function pause(ctx: RequestContext): Promise<void> {
  await store(ctx).pause(ctx.params.id!);
  sendNoContent(ctx);
}

async function unpause(ctx: RequestContext): Promise<void> {
  await store(ctx).unpause(ctx.params.id!);
  sendNoContent(ctx);
}

async function top(ctx: RequestContext): Promise<void> {
  sendJson(ctx, 200, await store(ctx).top(ctx.params.id!, ctx.query.get('ps_args') ?? ''));
}

async function stats(ctx: RequestContext): Promise<void> {
  const s = store(ctx);
  const stream = queryBool(ctx.query, 'stream', true);
  const oneShot = queryBool(ctx.query, 'one-shot');
  const { emptyStats } = await import('../../engine/containers/stats.js');
  let { c, sample } = await s.stats(ctx.params.id!);
  const shape = (cur: Record<string, unknown> | null, pre: Record<string, unknown> | null) => {
    const base = cur ?? emptyStats();
    const prev = pre ?? emptyStats();
    return { ...base, preread: prev.read, precpu_stats: prev.cpu_stats, num_procs: 0, storage_stats: {}, name: c.Name, id: c.ID };
  };
  if (!stream) {
    let pre: Record<string, unknown> | null = null;
    if (!oneShot && sample) {
      // A CPU percentage needs two samples: the CLI's --no-stream gets one from a second apart, as from dockerd.
      pre = sample;
      await new Promise((r) => setTimeout(r, 1000));
      ({ c, sample } = await s.stats(c.ID));
    }
    sendJson(ctx, 200, shape(sample, pre));
    return;
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  let pre: Record<string, unknown> | null = null;
  while (!ctx.signal.aborted) {
    ctx.res.write(JSON.stringify(shape(sample, pre)) + '\n');
    if (!sample) break;
    pre = sample;
    await new Promise((r) => setTimeout(r, 1000));
    ({ c, sample } = await s.stats(c.ID));
  }
  ctx.res.end();
}

export const runningRoutes: RouteDef[] = [
  { method: 'GET', path: '/containers/{id}/stats', handler: stats },
  { method: 'POST', path: '/containers/{id}/pause', handler: pause },
  { method: 'POST', path: '/containers/{id}/unpause', handler: unpause },
  { method: 'GET', path: '/containers/{id}/top', handler: top },
  { method: 'POST', path: '/containers/{id}/start', handler: start },
  { method: 'POST', path: '/containers/{id}/stop', handler: stop },
  { method: 'POST', path: '/containers/{id}/restart', handler: restart },
  { method: 'POST', path: '/containers/{id}/kill', handler: kill },
  { method: 'POST', path: '/containers/{id}/wait', handler: wait },
  { method: 'POST', path: '/containers/{id}/resize', handler: resize },
  { method: 'POST', path: '/containers/{id}/attach', handler: attach },
  { method: 'GET', path: '/containers/{id}/logs', handler: logs },
];

// ---- files: archive (cp), export, changes (diff) ---------------------------------------------

async function archiveHead(ctx: RequestContext): Promise<void> {
  const path = ctx.query.get('path') ?? '';
  if (!path) throw invalidArgument('path is required');
  const { statPath } = await import('../../engine/containers/archive.js');
  const st = await store(ctx).withRoot(ctx.params.id!, (root) => statPath(root, path), { volumes: true });
  ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64'), 'Content-Type': 'application/x-tar' });
  ctx.res.end();
}

async function archiveGet(ctx: RequestContext): Promise<void> {
  const path = ctx.query.get('path') ?? '';
  if (!path) throw invalidArgument('path is required');
  const { statPath, archivePath } = await import('../../engine/containers/archive.js');
  const { pipeline } = await import('node:stream/promises');
  await store(ctx).withRoot(ctx.params.id!, async (root) => {
    const st = await statPath(root, path);
    const tar = await archivePath(root, path);
    ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64'), 'Content-Type': 'application/x-tar' });
    await pipeline(tar, ctx.res).catch(() => ctx.res.destroy());
  }, { volumes: true });
}

let sharedFsutil: import('../../engine/layers/fsutil.js').FsUtil | null = null;

async function archivePut(ctx: RequestContext): Promise<void> {
  const path = ctx.query.get('path') ?? '';
  if (!path) throw invalidArgument('path is required');
  const { extractInto } = await import('../../engine/containers/archive.js');
  const { FsUtil } = await import('../../engine/layers/fsutil.js');
  sharedFsutil ??= new FsUtil({});
  const fsutil = sharedFsutil;
  const c = store(ctx).resolve(ctx.params.id!);
  if (c.HostConfig.ReadonlyRootfs) throw invalidArgument('container rootfs is marked read-only');
  // Without copyUIDGID (docker cp without -a) the files become root's, as Docker makes them.
  const keepOwners = queryBool(ctx.query, 'copyUIDGID');
  await store(ctx).withRoot(c.ID, (root) => extractInto(root, path, ctx.req, fsutil, keepOwners), { volumes: true });
  sendNoContent(ctx, 200);
}

async function exportContainer(ctx: RequestContext): Promise<void> {
  const { archivePath } = await import('../../engine/containers/archive.js');
  const { pipeline } = await import('node:stream/promises');
  const s = store(ctx);
  await s.withRoot(ctx.params.id!, async (root, c) => {
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await pipeline(await archivePath(root, '/'), ctx.res).catch(() => ctx.res.destroy());
    ctx.engine.events.publish('container', 'export', { id: c.ID, attributes: s.attrs(c) });
  });
}

async function changes(ctx: RequestContext): Promise<void> {
  const list = await store(ctx).changes(ctx.params.id!);
  sendJson(ctx, 200, list.length ? list : null);
}

async function update(ctx: RequestContext): Promise<void> {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const warnings = await store(ctx).update(ctx.params.id!, body);
  sendJson(ctx, 200, { Warnings: warnings });
}

async function commit(ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const container = q.get('container') ?? '';
  if (!container) throw invalidArgument('container is required');
  const repo = q.get('repo') ?? '';
  const tag = q.get('tag') ?? '';
  const ref = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
  const id = await store(ctx).commit(container, {
    ...(ref ? { ref } : {}),
    comment: q.get('comment') ?? '',
    author: q.get('author') ?? '',
    pause: queryBool(q, 'pause', true),
    changes: q.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim() !== ''),
    ...(ctx.body && typeof ctx.body === 'object' ? { config: ctx.body as Record<string, unknown> } : {}),
  });
  sendJson(ctx, 201, { Id: id });
}

runningRoutes.push(
  { method: 'POST', path: '/commit', handler: commit },
  { method: 'POST', path: '/containers/{id}/update', handler: update },
  { method: 'HEAD', path: '/containers/{id}/archive', handler: archiveHead },
  { method: 'GET', path: '/containers/{id}/archive', handler: archiveGet },
  { method: 'PUT', path: '/containers/{id}/archive', handler: archivePut },
  { method: 'GET', path: '/containers/{id}/export', handler: exportContainer },
  { method: 'GET', path: '/containers/{id}/changes', handler: changes },
);
