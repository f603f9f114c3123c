/**
 * The HTTP face of the engine: turns requests into handler calls. It strips
 * and checks the API version prefix (`/v1.24` … `/v1.50`, or none), finds the
 * route, reads JSON bodies for routes that take them, sets the headers every
 * dockerd response carries, and turns thrown errors into Docker's JSON error
 * responses. Every operation of the Engine API is routed: those Berth does
 * not implement yet answer 501 with the operation's name, unknown paths 404.
 *
 * Listening (UNIX, TCP, TLS) is the daemon's job: it hands each server's
 * `request` and `upgrade` events to `handleRequest` and `handleUpgrade`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from '../lib/nodehttp.js';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Router } from './router.js';
import { SPEC_ROUTES, type BodyKind } from './spec-routes.js';
import { sendError } from './errors.js';
import { readJsonBody, checkJsonContentType, MAX_JSON_BODY } from './body.js';
import type { Handler, RequestContext } from './context.js';
import { systemRoutes } from './routes/system.js';
import { imageRoutes } from './routes/images.js';
import { containerRoutes } from './routes/containers.js';
import { runningRoutes } from './routes/running.js';
import { execRoutes } from './routes/exec.js';
import { networkRoutes } from './routes/networks.js';
import { volumeRoutes } from './routes/volumes.js';
import { buildRoutes } from './routes/build.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../lib/log.js';
import { invalidArgument, notFound, notImplemented, kindOf, payloadTooLarge } from '../errdefs/index.js';
import { API_VERSION, MIN_API_VERSION, BUILD, compareApiVersions } from '../version.js';

export interface RouteDef {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
  /** How the body is read; defaults to what the API definition says for this operation. */
  body?: BodyKind;
}

interface Entry {
  handler: Handler;
  body: BodyKind;
  operationId: string;
}

const VERSION_PREFIX = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)$/;

export class ApiServer {
  private readonly router = new Router<Entry>();
  private readonly commonHeaders: Array<[string, string]>;
  readonly engine: Engine;
  private readonly log: Logger;
  /** Upgraded connections (attach, exec): the HTTP servers do not track them, so shutdown ends them here. */
  private readonly hijacked = new Set<Duplex>();

  constructor(engine: Engine, log: Logger, extraRoutes: RouteDef[] = []) {
    this.engine = engine;
    this.log = log;
    this.commonHeaders = [
      ['Api-Version', API_VERSION],
      ['Docker-Experimental', String(engine.config.experimental)],
      ['Ostype', 'linux'],
      ['Server', `Berth/${BUILD.version} (linux)`],
    ];
    const implemented = new Map<string, RouteDef>();
    for (const r of [...systemRoutes, ...imageRoutes, ...containerRoutes, ...runningRoutes, ...execRoutes, ...networkRoutes, ...volumeRoutes, ...buildRoutes, ...extraRoutes]) implemented.set(`${r.method} ${r.path}`, r);
    for (const spec of SPEC_ROUTES) {
      const key = `${spec.method} ${spec.path}`;
      const def = implemented.get(key);
      implemented.delete(key);
      const handler: Handler =
        def?.handler ??
        (() => {
          // "not supported" is the phrase the docker CLI recognises to try the next kind of object (docker inspect).
          throw notImplemented(`${spec.operationId} (${spec.method} ${spec.path}) is not implemented: not supported by Berth yet`);
        });
      this.router.add(spec.method, spec.path, { handler, body: def?.body ?? spec.body, operationId: spec.operationId });
    }
    // Routes outside the API definition (none expected, but allowed).
    for (const def of implemented.values()) this.router.add(def.method, def.path, { handler: def.handler, body: def.body ?? 'none', operationId: '' });
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    void this.dispatch(req, res, null);
  }

  /** Requests carrying `Upgrade:` arrive here with the raw socket (Node hands them out of the normal flow). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const res = new http.ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.on('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    this.hijacked.add(socket);
    socket.once('close', () => this.hijacked.delete(socket));
    void this.dispatch(req, res, { socket, head });
  }

  /** Ends every upgraded connection (at shutdown, after the listeners stopped accepting). */
  closeHijacked(): void {
    for (const s of this.hijacked) s.destroy();
    this.hijacked.clear();
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, upgrade: RequestContext['upgrade']): Promise<void> {
    for (const [k, v] of this.commonHeaders) res.setHeader(k, v);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const started = this.log.enabled('debug') ? performance.now() : 0;
    let ctx: RequestContext | null = null;
    try {
      let path = rawPath;
      let apiVersion = API_VERSION;
      const m = rawPath.startsWith('/v') ? VERSION_PREFIX.exec(rawPath) : null;
      if (m) {
        apiVersion = m[1]!;
        path = m[2]!;
      }
      checkPath(path);
      const match = this.router.match(method, path);
      if (!match) throw notFound('page not found');
      if (m) checkApiVersion(apiVersion);
      ctx = new Context(req, res, method, path, match.params, q < 0 ? '' : url.slice(q + 1), apiVersion, this.engine, this.log, upgrade);
      if (match.handler.body === 'json') ctx.body = upgrade ? await takeUpgradeBody(req, upgrade) : await readJsonBody(req);
      await match.handler.handler(ctx);
    } catch (err) {
      const kind = kindOf(err);
      if (kind === 'system') this.log.error('request failed', { method, path: rawPath, err });
      else this.log.debug('request refused', { method, path: rawPath, err });
      if (kind === 'payload-too-large') res.shouldKeepAlive = false;
      if (ctx?.hijacked) {
        // The connection carries a raw stream now: end it rather than write an HTTP response into it.
        if (upgrade) upgrade.socket.destroy();
        else res.destroy();
      } else sendError(res, err);
    } finally {
      if (started) this.log.debug('request', { method, path: rawPath, status: res.statusCode, ms: (performance.now() - started).toFixed(2) });
    }
  }
}

/**
 * A request's context. The query and the abort signal are built on first use:
 * most requests never read them, and an AbortController per request costs
 * more than the whole `_ping` handler.
 */
class Context implements RequestContext {
  body: unknown = undefined;
  private q: URLSearchParams | null = null;
  private ac: AbortController | null = null;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly apiVersion: string;
  readonly engine: Engine;
  readonly log: Logger;
  readonly upgrade: RequestContext['upgrade'];
  hijacked = false;
  private readonly rawQuery: string;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    params: Record<string, string>,
    rawQuery: string,
    apiVersion: string,
    engine: Engine,
    log: Logger,
    upgrade: RequestContext['upgrade'],
  ) {
    this.req = req;
    this.res = res;
    this.method = method;
    this.path = path;
    this.params = params;
    this.rawQuery = rawQuery;
    this.apiVersion = apiVersion;
    this.engine = engine;
    this.log = log;
    this.upgrade = upgrade;
  }

  get query(): URLSearchParams {
    this.q ??= new URLSearchParams(this.rawQuery);
    return this.q;
  }

  get signal(): AbortSignal {
    if (!this.ac) {
      const ac = new AbortController();
      this.ac = ac;
      const res = this.res;
      if (res.destroyed && !res.writableFinished) ac.abort();
      else
        res.once('close', () => {
          if (!res.writableFinished) ac.abort();
        });
    }
    return this.ac.signal;
  }
}

/**
 * An upgraded request (exec start) carries its JSON body before the raw
 * stream: Node gives both in the upgrade's first bytes. The body is
 * Content-Length bytes of them; what follows is the client's stream.
 */
async function takeUpgradeBody(req: IncomingMessage, upgrade: { socket: Duplex; head: Buffer }): Promise<unknown> {
  checkJsonContentType(req);
  const len = Number(req.headers['content-length'] ?? '0');
  if (!Number.isFinite(len) || len <= 0) return undefined;
  if (len > MAX_JSON_BODY) throw payloadTooLarge(`request body too large: ${len} bytes, limit is ${MAX_JSON_BODY}`);
  // The body may come in later packets than the headers (Go's client writes them apart).
  while (upgrade.head.length < len) {
    const chunk = await new Promise<Buffer>((resolve, reject) => {
      const onData = (b: Buffer) => done(() => resolve(b));
      const onEnd = () => done(() => reject(invalidArgument('the connection ended inside the request body')));
      const done = (f: () => void) => {
        upgrade.socket.off('data', onData);
        upgrade.socket.off('end', onEnd);
        upgrade.socket.off('error', onEnd);
        upgrade.socket.pause();
        f();
      };
      upgrade.socket.on('data', onData);
      upgrade.socket.once('end', onEnd);
      upgrade.socket.once('error', onEnd);
    });
    upgrade.head = Buffer.concat([upgrade.head, chunk]);
  }
  const text = upgrade.head.subarray(0, len).toString('utf8');
  upgrade.head = upgrade.head.subarray(len);
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
}

/** Refuses dot segments, empty segments and NUL bytes in a raw path: no request may name `..`. */
function checkPath(path: string): void {
  if (path.charCodeAt(0) !== 47) throw invalidArgument(`invalid path ${JSON.stringify(path)}`);
  if (
    path.includes('//') ||
    path.includes('\0') ||
    (path.includes('/.') && /\/\.\.?(\/|$)/.test(path)) ||
    (path.includes('%') && /%2e%2e(\/|%2f|$)/i.test(path))
  ) {
    throw invalidArgument(`invalid path ${JSON.stringify(path)}: dot segments and empty segments are not allowed`);
  }
}

function checkApiVersion(v: string): void {
  if (compareApiVersions(v, API_VERSION) > 0) {
    throw invalidArgument(`client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareApiVersions(v, MIN_API_VERSION) < 0) {
    throw invalidArgument(`client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
}
