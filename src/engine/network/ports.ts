/**
 * Published ports: what a container asks (`HostConfig.PortBindings`,
 * `PublishAllPorts` over `Config.ExposedPorts`) turned into concrete host
 * bindings, and the host ports held for them. Berth forwards published ports
 * in the kernel (see firewall.ts); the daemon still binds every host port it
 * publishes, as dockerd does, so that a port something else uses is refused
 * with a clear error and nothing else can take it while it is published; a
 * TCP port published on every address is also relayed from `[::]` (IPv6
 * cannot be forwarded to a container's IPv4 address by the kernel). A
 * host port given as "" or a range gets the first free port (from the
 * kernel's ephemeral range for "").
 */
import net from 'node:net';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { invalidArgument, systemError, errnoCode } from '../../errdefs/index.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface PortRequest {
  containerPort: number;
  proto: Proto;
  hostIP: string;
  /** Inclusive range; [0, 0] is "any free port". */
  hostPorts: [number, number];
}

export interface PortBinding {
  containerPort: number;
  proto: Proto;
  hostIP: string;
  hostPort: number;
  /** Also served on the host's IPv6 addresses (`::`), through a proxy in berthd. */
  v6?: boolean;
}

/** `80`, `80/tcp`, `53/udp` → port and protocol. */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const [p, proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p ?? '') || port < 1 || port > 65535) throw invalidArgument(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw invalidArgument(`invalid proto: ${proto}`);
  return { port, proto };
}

function parseHostPorts(s: string, key: string): [number, number] {
  if (!s) return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalidArgument(`invalid port specification: "${s}"`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a > 65535 || b > 65535 || b < a) throw invalidArgument(`invalid port specification: "${s}"`);
  if (a === 0 && b === 0) return [0, 0];
  void key;
  return [a, b];
}

/** The bindings a container asks for, validated (create refuses bad ones, as Docker does). */
export function portRequests(portBindings: unknown, publishAll: boolean, exposed: Record<string, unknown> | null | undefined): PortRequest[] {
  const out: PortRequest[] = [];
  const pb = (portBindings && typeof portBindings === 'object' ? portBindings : {}) as Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;
  for (const [key, list] of Object.entries(pb)) {
    const { port, proto } = parsePortKey(key);
    for (const b of list ?? [{}]) {
      const hostIP = b.HostIp ?? '';
      if (hostIP && !net.isIP(hostIP)) throw invalidArgument(`invalid host IP address: ${hostIP}`);
      out.push({ containerPort: port, proto, hostIP, hostPorts: parseHostPorts(b.HostPort ?? '', key) });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      if (key in pb) continue;
      const { port, proto } = parsePortKey(key);
      out.push({ containerPort: port, proto, hostIP: '', hostPorts: [0, 0] });
    }
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed or published port, with its bindings or null. */
export function portMap(exposed: Record<string, unknown> | null | undefined, bindings: PortBinding[]): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of Object.keys(exposed ?? {})) {
    const { port, proto } = parsePortKey(key);
    out[`${port}/${proto}`] = null;
  }
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.proto}`;
    (out[key] ??= []).push({ HostIp: b.hostIP || '0.0.0.0', HostPort: String(b.hostPort) });
    if (b.v6) out[key].push({ HostIp: '::', HostPort: String(b.hostPort) });
  }
  return out;
}

function ephemeralRange(): [number, number] {
  try {
    const [a, b] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a && b && a <= b) return [a, b];
  } catch {
    /* default below */
  }
  return [32768, 60999];
}

/** A host port held by the daemon: a listening socket that refuses what reaches it, or a bound UDP socket. */
interface Held {
  close(): void;
}

async function hold(proto: Proto, ip: string, port: number): Promise<Held> {
  const host = ip || '0.0.0.0';
  if (proto === 'udp') {
    const s = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: host, port, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('message', () => {});
    s.unref();
    return { close: () => s.close() };
  }
  if (proto === 'sctp') return { close: () => {} };
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true, backlog: 1 }, () => {
      srv.off('error', reject);
      resolve();
    });
  });
  srv.unref();
  return { close: () => srv.close() };
}

/**
 * IPv6 for a port published on every address: the kernel cannot forward
 * IPv6 to a container's IPv4 address, so berthd listens on `[::]:port` (IPv6
 * only) and relays each connection, as docker-proxy does. Undefined when the
 * host has no IPv6 or the port is taken there.
 */
async function proxy6(port: number, target: string, targetPort: number): Promise<Held | undefined> {
  const conns = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    const up = net.connect({ host: target, port: targetPort });
    conns.add(c).add(up);
    const done = () => {
      c.destroy();
      up.destroy();
      conns.delete(c);
      conns.delete(up);
    };
    c.on('error', done).on('close', done);
    up.on('error', done).on('close', done);
    c.pipe(up);
    up.pipe(c);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: '::', port, ipv6Only: true, exclusive: true }, () => {
        srv.off('error', reject);
        resolve();
      });
    });
  } catch {
    return undefined;
  }
  srv.unref();
  return {
    close: () => {
      srv.close();
      for (const c of conns) c.destroy();
    },
  };
}

/** The host ports held for published ports, by container. */
export class PortHolder {
  private readonly held = new Map<string, Held[]>();
  private cursor = 0;

  /**
   * Binds every request's host port (or picks a free one) for container `id`
   * and returns the bindings; on any failure releases what it took and throws
   * Docker's error.
   */
  async acquire(id: string, endpoint: string, containerIP: string, reqs: PortRequest[]): Promise<PortBinding[]> {
    const got: Held[] = [];
    const out: PortBinding[] = [];
    try {
      for (const r of reqs) {
        const [lo, hi] = r.hostPorts[0] === 0 ? ephemeralRange() : r.hostPorts;
        const span = hi - lo + 1;
        const start = r.hostPorts[0] === 0 ? this.cursor % span : 0;
        let ok = false;
        let lastErr: unknown;
        for (let i = 0; i < span && !ok; i++) {
          const port = lo + ((start + i) % span);
          try {
            got.push(await hold(r.proto, r.hostIP, port));
            const v6 = r.proto === 'tcp' && r.hostIP === '' ? await proxy6(port, containerIP, r.containerPort) : undefined;
            if (v6) got.push(v6);
            out.push({ containerPort: r.containerPort, proto: r.proto, hostIP: r.hostIP, hostPort: port, ...(v6 ? { v6: true } : {}) });
            if (r.hostPorts[0] === 0) this.cursor = start + i + 1;
            ok = true;
          } catch (err) {
            lastErr = err;
            if (errnoCode(err) !== 'EADDRINUSE' && errnoCode(err) !== 'EACCES') break;
          }
        }
        if (!ok) {
          const where = `${r.hostIP || '0.0.0.0'}:${r.hostPorts[0] === r.hostPorts[1] ? r.hostPorts[0] : `${r.hostPorts[0]}-${r.hostPorts[1]}`}`;
          const why = errnoCode(lastErr) === 'EADDRINUSE' ? 'address already in use' : (lastErr as Error)?.message ?? 'no free port';
          throw systemError(`driver failed programming external connectivity on endpoint ${endpoint}: failed to bind host port for ${where}:${containerIP}:${r.containerPort}/${r.proto}: ${why}`);
        }
      }
    } catch (err) {
      for (const h of got) h.close();
      throw err;
    }
    this.held.set(id, [...(this.held.get(id) ?? []), ...got]);
    return out;
  }

  /** Takes back ports a running container already has (after a daemon restart); what cannot be held is reported. */
  async reacquire(id: string, containerIP: string, bindings: PortBinding[]): Promise<string[]> {
    const problems: string[] = [];
    const got: Held[] = [];
    for (const b of bindings) {
      try {
        got.push(await hold(b.proto, b.hostIP, b.hostPort));
      } catch (err) {
        problems.push(`${b.hostIP || '0.0.0.0'}:${b.hostPort}/${b.proto}: ${(err as Error).message}`);
      }
      if (b.v6) {
        const v6 = await proxy6(b.hostPort, containerIP, b.containerPort);
        if (v6) got.push(v6);
        else problems.push(`[::]:${b.hostPort}/${b.proto}: cannot listen again`);
      }
    }
    this.held.set(id, got);
    return problems;
  }

  release(id: string): void {
    for (const h of this.held.get(id) ?? []) h.close();
    this.held.delete(id);
  }

  releaseAll(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }
}
