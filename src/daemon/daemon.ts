/**
 * The berthd process: from a validated configuration to a serving daemon and
 * back. Start order: logger, data-root lock, pid file, engine, API server,
 * listeners; stop runs it backwards. Signals: SIGTERM and SIGINT stop
 * gracefully; SIGHUP re-reads the configuration file and applies what can
 * change while running (log level and format, debug, labels), keeping the old
 * configuration when the new one is invalid.
 */
import { readFile, rm, mkdir } from 'node:fs/promises';
import { Engine, type EngineConfig } from '../engine/engine.js';
import { ApiServer } from '../api/server.js';
import { openListener, type Listener } from './listeners.js';
import { lockDataRoot, type DataRootLock } from './lock.js';
import { mergeConfig, readConfigFile, nonReloadableChanges, type DaemonConfig } from './config.js';
import type { ParsedArgs } from '../cli/command.js';
import type { Logger } from '../lib/log.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { conflict, messageOf } from '../errdefs/index.js';
import { BUILD } from '../version.js';

function engineConfig(c: DaemonConfig): EngineConfig {
  return {
    dataRoot: c.dataRoot,
    execRoot: c.execRoot,
    debug: c.debug,
    experimental: c.experimental,
    labels: c.labels,
    network: c.network,
    reloadable: { debug: c.debug, labels: c.labels, 'log-level': c.logLevel, 'log-format': c.logFormat },
  };
}

async function writePidfile(path: string): Promise<void> {
  const old = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (/^\d+$/.test(old) && Number(old) !== process.pid) {
    let alive = false;
    try {
      process.kill(Number(old), 0);
      alive = true;
    } catch {
      /* stale */
    }
    if (alive && (await readFile(`/proc/${old}/cmdline`, 'utf8').catch(() => '')).includes('berthd')) {
      throw conflict(`pid file found, ensure berthd is not running or delete ${path} (pid ${old})`);
    }
  }
  await writeFileAtomic(path, `${process.pid}\n`);
}

export class Daemon {
  private cfg: DaemonConfig;
  private readonly flags: ParsedArgs;
  readonly log: Logger;
  private lock: DataRootLock | null = null;
  private engine: Engine | null = null;
  private listeners: Listener[] = [];
  private api: ApiServer | null = null;
  private stopping: Promise<void> | null = null;
  private wrotePidfile = false;

  constructor(cfg: DaemonConfig, flags: ParsedArgs, log: Logger) {
    this.cfg = cfg;
    this.flags = flags;
    this.log = log;
  }

  get config(): DaemonConfig {
    return this.cfg;
  }

  async start(): Promise<void> {
    const c = this.cfg;
    await mkdir(c.dataRoot, { recursive: true, mode: 0o711 });
    this.lock = await lockDataRoot(c.dataRoot);
    try {
      await writePidfile(c.pidfile);
      this.wrotePidfile = true;
      this.engine = await Engine.open(engineConfig(c), this.log.with({ component: 'engine' }));
      const api = new ApiServer(this.engine, this.log.with({ component: 'api' }));
      this.api = api;
      const tls = c.tls ? { verify: c.tlsVerify, ca: c.tlsCaCert, cert: c.tlsCert, key: c.tlsKey } : null;
      for (const addr of c.hosts) {
        const ls = await openListener(api, addr, { tls: addr.kind === 'tcp' ? tls : null, group: c.group, groupExplicit: c.groupExplicit, log: this.log });
        for (const l of ls) {
          this.listeners.push(l);
          this.log.info('API listening', { addr: l.bound, tls: addr.kind === 'tcp' && !!tls });
        }
      }
    } catch (err) {
      await this.teardown(0);
      throw err;
    }
    this.log.info('berthd started', { version: BUILD.version, commit: BUILD.gitCommit, pid: process.pid, dataRoot: c.dataRoot, execRoot: c.execRoot });
  }

  /** Re-reads the configuration file; applies the reloadable options. */
  async reload(): Promise<void> {
    let next: DaemonConfig;
    try {
      const file = await readConfigFile(this.cfg.configFile, this.flags.set.has('config-file'));
      next = mergeConfig(this.flags, file, this.cfg.configFile);
    } catch (err) {
      this.log.error('reload failed; keeping the current configuration', { err: messageOf(err) });
      return;
    }
    const fixed = nonReloadableChanges(this.cfg, next);
    if (fixed.length) this.log.warn('these options only change with a restart; their new values are ignored', { options: fixed.join(',') });
    const merged: DaemonConfig = { ...this.cfg, logLevel: next.logLevel, logFormat: next.logFormat, debug: next.debug, labels: next.labels };
    merged.effective = { ...this.cfg.effective };
    for (const k of ['log-level', 'log-format', 'debug', 'labels']) {
      if (next.effective[k] === undefined) delete merged.effective[k];
      else merged.effective[k] = next.effective[k];
    }
    this.cfg = merged;
    this.log.setLevel(merged.logLevel);
    this.log.setFormat(merged.logFormat);
    this.engine?.reload(engineConfig(merged));
    this.log.info('configuration reloaded', { logLevel: merged.logLevel, debug: merged.debug });
  }

  stop(graceMs = 10_000): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('berthd stopping');
      await this.teardown(graceMs);
      this.log.info('berthd stopped');
    })();
    return this.stopping;
  }

  private async teardown(graceMs: number): Promise<void> {
    // Upgraded connections (attach, exec) count as the listeners' connections but no HTTP timeout
    // ends them: cut them first, or closing the listeners would wait for them forever.
    this.api?.closeHijacked();
    await Promise.all(this.listeners.map((l) => l.close(graceMs).catch((err: unknown) => this.log.warn('closing listener', { err: messageOf(err) }))));
    this.listeners = [];
    this.api = null;
    if (this.engine) await this.engine.close();
    this.engine = null;
    if (this.wrotePidfile) await rm(this.cfg.pidfile, { force: true }).catch(() => {});
    this.wrotePidfile = false;
    if (this.lock) await this.lock.release();
    this.lock = null;
  }
}
