/**
 * The body of POST /containers/create that `berth create` builds, compared
 * with the one the real docker CLI (/usr/local/bin/docker, Docker 28) sends
 * for the same command line: docker is pointed at a fake Engine API on a
 * temporary UNIX socket that records the request, and both JSON documents are
 * compared whole. Refusals are compared too (docker's message with `docker`
 * for `berth`). Skipped when no docker binary is installed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../../../src/cli/flags/index.js';
import { buildCreateRequest, CREATE_FLAGS, OptsError } from '../../../src/cli/commands/run/opts.js';

const DOCKER = '/usr/local/bin/docker';
const dir = mkdtempSync(join(tmpdir(), 'berth-cli-run-cmp-'));
const socket = join(dir, 'api.sock');
let server: Server;
let last: { url: string; body: string } | null = null;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if ((req.url ?? '').endsWith('/_ping')) {
        res.writeHead(200, { 'Api-Version': '1.50', OSType: 'linux', 'Content-Type': 'text/plain' });
        res.end('OK');
        return;
      }
      if ((req.url ?? '').includes('/containers/create')) {
        last = { url: req.url ?? '', body };
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end('{"Id":"0123456789ab","Warnings":[]}');
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"message":"page not found"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  writeFileSync(join(dir, 'env1'), 'X=1\n  # comment\n\nFROMHOST\nUNSET_VAR_XYZ\nY=2 \nZ==a=b\n');
  writeFileSync(join(dir, 'labels'), 'a=1\nb\n# c\n');
  writeFileSync(join(dir, 'badenv'), 'a b=1\n');
  writeFileSync(join(dir, 'seccomp.json'), '{ "defaultAction" : "SCMP_ACT_ALLOW",\n "syscalls": [] }\n');
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const ENV = { ...process.env, FROMHOST: 'host-value', HOSTVAR: 'hv', DOCKER_CONFIG: dir, DOCKER_DEFAULT_PLATFORM: '', DOCKER_CLI_HINTS: 'false' };

function docker(args: string[]): Promise<{ code: number; stderr: string; url: string | null; body: unknown }> {
  last = null;
  return new Promise((resolve) => {
    execFile(DOCKER, ['-H', `unix://${socket}`, 'create', ...args], { env: ENV, cwd: dir }, (err, _stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      const got = last as { url: string; body: string } | null;
      resolve({ code, stderr, url: got?.url ?? null, body: got ? JSON.parse(got.body) : null });
    });
  });
}

function berth(args: string[]): { ok: true; url: string; body: unknown } | { ok: false; message: string } {
  try {
    const parsed = parseFlags(CREATE_FLAGS, args, { interspersed: false });
    const r = buildCreateRequest(parsed, { env: ENV, readFile: (p) => require_(p), cwd: dir });
    const q = new URLSearchParams();
    if (r.name) q.set('name', r.name);
    if (r.platform) q.set('platform', r.platform);
    const qs = q.toString();
    return { ok: true, url: `/v1.50/containers/create${qs ? '?' + qs : ''}`, body: JSON.parse(JSON.stringify(r.body)) };
  } catch (err) {
    if (err instanceof OptsError) return { ok: false, message: err.message };
    return { ok: false, message: (err as Error).message };
  }
}

import { readFileSync } from 'node:fs';
function require_(p: string): string {
  return readFileSync(p.startsWith('/') ? p : join(dir, p), 'utf8');
}

const SAME_BODY: string[][] = [
  ['busybox'],
  ['busybox', 'sh', '-c', 'echo hi'],
  ['--name', 'web', '-t', '-i', 'busybox'],
  ['-i', 'busybox', 'cat'],
  ['-a', 'stdout', 'busybox'],
  ['-a', 'STDIN', '-a', 'stderr', 'busybox'],
  ['-e', 'A=1', '-e', 'HOSTVAR', '-e', 'NOT_SET_ANYWHERE', '-e', 'B=', 'busybox'],
  ['--env-file', 'env1', '-e', 'LAST=1', 'busybox'],
  ['-l', 'a=b', '-l', 'bare', '--label-file', 'labels', 'busybox'],
  ['-w', '/srv', '-u', '1000:1000', '--group-add', 'audio', '--group-add', '10', 'busybox'],
  ['--entrypoint', '/bin/sh', 'busybox'],
  ['--entrypoint', '', 'busybox', 'x'],
  ['--hostname', 'h1', '--domainname', 'example.com', 'busybox'],
  ['--stop-signal', 'SIGUSR1', '--stop-timeout', '7', 'busybox'],
  ['--stop-timeout', '0', 'busybox'],
  ['--init', 'busybox'],
  ['--init=false', 'busybox'],
  ['--privileged', '--read-only', '--oom-kill-disable', '--oom-score-adj', '-500', 'busybox'],
  ['--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_TIME', '--cap-drop', 'chown', 'busybox'],
  ['--cap-add', 'ALL', '--cap-drop', 'NET_RAW', 'busybox'],
  ['--security-opt', 'no-new-privileges', '--security-opt', 'apparmor=unconfined', '--security-opt', 'label:disable', 'busybox'],
  ['--security-opt', 'seccomp=seccomp.json', 'busybox'],
  ['--security-opt', 'systempaths=unconfined', 'busybox'],
  ['--tmpfs', '/run:size=64m', '--tmpfs', '/tmp', 'busybox'],
  ['--shm-size', '1g', '-m', '32m', '--memory-swap', '-1', '--memory-reservation', '16m', 'busybox'],
  ['-m', '1.5g', '--memory-swap', '3g', 'busybox'],
  ['--memory-swappiness', '10', 'busybox'],
  ['--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10', 'busybox'],
  ['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=1000', 'busybox'],
  ['--ipc', 'host', '--pid', 'host', '--uts', 'host', '--userns', 'host', '--cgroupns', 'private', 'busybox'],
  ['--pid', 'container:abc', '--ipc', 'shareable', 'busybox'],
  ['--device', '/dev/fuse', '--device', '/dev/sda:/dev/xvda:r', '--device', '/dev/null:rw', 'busybox'],
  ['--device-cgroup-rule', 'c 1:3 mr', 'busybox'],
  ['--cidfile', join(dir, 'cid'), 'busybox'],
  ['--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', 'busybox'],
  ['--restart', 'on-failure:3', 'busybox'],
  ['--restart', 'always', 'busybox'],
  ['--restart', 'unless-stopped', 'busybox'],
  ['--rm', 'busybox'],
  ['--rm', '--restart', 'no', 'busybox'],
  ['--health-cmd', 'curl -f http://localhost/', '--health-interval', '30s', '--health-timeout', '1m30s', '--health-retries', '3', '--health-start-period', '500ms', '--health-start-interval', '2s', 'busybox'],
  ['--health-interval', '5s', 'busybox'],
  ['--no-healthcheck', 'busybox'],
  ['--platform', 'linux/arm64', 'busybox'],
  ['--cpus', '1.5', '--cpu-shares', '512', '--cpu-quota', '50000', '--cpu-period', '100000', 'busybox'],
  ['-c', '256', '--cpuset-cpus', '0-1', '--cpuset-mems', '0', '--cpus', '0.000000001', 'busybox'],
  ['--pids-limit', '100', '--blkio-weight', '300', '--cgroup-parent', '/mygroup', 'busybox'],
  ['--pids-limit', '-1', 'busybox'],
  ['--network', 'host', 'busybox'],
  ['--network', 'none', 'busybox'],
  ['--network', 'mynet', '--network-alias', 'web', '--network-alias', 'www', '--ip', '172.20.0.5', '--ip6', '2001:db8::33', 'busybox'],
  ['--network', 'name=mynet,alias=a1,driver-opt=k=v', 'busybox'],
  ['--network', 'n1', '--network', 'n2', 'busybox'],
  ['--mac-address', '92:d0:c6:0a:29:33', 'busybox'],
  ['--link', 'db:database', '--link', 'cache', 'busybox'],
  ['-p', '8080:80', '-p', '127.0.0.1:8443:443/tcp', '-p', '53:53/udp', '-p', '9000', 'busybox'],
  ['-p', '8000-8001:80-81', '-p', '9000-9010:90', '-p', '[::1]:7000:7000', '-p', '0.0.0.0::22', 'busybox'],
  ['-p', 'target=80,published=8088,protocol=udp', 'busybox'],
  ['-P', '--expose', '80', '--expose', '7000-7002/udp', 'busybox'],
  ['--expose', '80/sctp', '-p', '80:80', 'busybox'],
  ['--dns', '1.1.1.1', '--dns', '2001:4860:4860::8888', '--dns-search', 'example.com', '--dns-option', 'ndots:2', 'busybox'],
  ['--add-host', 'db:10.0.0.5', '--add-host', 'v6=::1', '--add-host', 'gw:host-gateway', '--add-host', 'b=[2001:db8::1]', 'busybox'],
  ['-v', '/data', '-v', 'named:/srv:ro', '-v', '/host:/ctr', '-v', '/a:/b:rw,z', 'busybox'],
  ['--mount', 'type=bind,source=/a,target=/b,readonly', '--mount', 'target=/v', 'busybox'],
  ['--mount', 'type=volume,src=n,dst=/w,volume-nocopy,volume-label=a=b,volume-driver=local,volume-opt=o=1', 'busybox'],
  ['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777', 'busybox'],
  ['--mount', 'type=bind,src=/a,dst=/b,bind-propagation=rshared,ro=true', 'busybox'],
  ['--mount', 'type=volume,target=/x,volume-subpath=sub', 'busybox'],
  ['--volumes-from', 'other', '--volumes-from', 'x:ro', '--volume-driver', 'local', 'busybox'],
  ['--annotation', 'a=b', '--annotation', 'c=d=e', 'busybox'],
  ['--runtime', 'runc', '--isolation', 'default', 'busybox'],
  ['--storage-opt', 'size=10G', 'busybox'],
  ['--link-local-ip', '169.254.1.1', 'busybox'],
  ['-q', '--pull', 'never', 'busybox'],
  ['--cpu-rt-period', '1000', '--cpu-rt-runtime', '900', 'busybox'],
  ['--blkio-weight-device', '/dev/sda:200', '--device-read-bps', '/dev/sda:1mb', '--device-write-bps', '/dev/sda:10', '--device-read-iops', '/dev/sda:100', '--device-write-iops', '/dev/sdb:5', 'busybox'],
  ['--gpus', 'all', 'busybox'],
  ['--gpus', '2', 'busybox'],
  ['--gpus', 'driver=nvidia,count=2,capabilities=compute', 'busybox'],
  ['--gpus', '"device=0,1"', 'busybox'],
  ['--kernel-memory', '10m', '--disable-content-trust', 'busybox'],
  ['-p', '127.0.0.1::80', '-p', '80-81', '-p', '8080:80/tcp', '-p', '8081:80/tcp', '--expose', '80', 'busybox'],
  ['-v', './rel:/x', '-v', 'rel2:/y', 'busybox'],
  ['--mount', 'type=bind,src=./rel,dst=/x', 'busybox'],
  ['--tmpfs', '/run:rw,noexec,nosuid,size=65536k', 'busybox'],
  ['--health-cmd', 'true', '--health-retries', '0', 'busybox'],
  ['--stop-timeout', '-1', 'busybox'],
  ['--ulimit', 'nofile=-1', '--ulimit', 'core=0', 'busybox'],
  ['-u', 'root', '--entrypoint', 'a b', 'busybox'],
  ['--network', 'container:abc', 'busybox'],
  ['--ip', '10.0.0.2', 'busybox'],

  ['--dns-option', 'ndots:1', '--dns-option', 'timeout:2', '--add-host', 'host.docker.internal:host-gateway', 'busybox'],
  ['--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', 'busybox'],
  ['--cap-add', 'sys_admin', '--cap-drop', 'SYS_ADMIN', 'busybox'],
  ['-m', '0', '--memory-swap', '0', '--cpus', '0', '--pids-limit', '0', 'busybox'],
  ['--device', '/dev/sda:/dev/xvdc:rwm', '--device', '/dev/sdb:rw', 'busybox'],
  ['-e', 'X=a=b', '-e', 'Y=', 'busybox'],
  ['--label', 'a==b', '--label', 'c=', 'busybox'],
  ['--log-opt', 'tag={{.Name}}', 'busybox'],
  ['--restart', 'on-failure', 'busybox'],
  ['--restart', 'no', 'busybox'],
  ['--restart', '', 'busybox'],
  ['-it', '--rm', '-w', '/', 'busybox', 'sh'],
  ['--init=true', '--read-only=false', 'busybox'],
  ['--oom-kill-disable', '-m', '10m', 'busybox'],
  ['--shm-size', '64m', '--ipc', 'private', 'busybox'],
  ['--userns', 'host', '--cgroupns', 'host', 'busybox'],
  ['--group-add', 'a', '--group-add', 'a', 'busybox'],
  ['--cpus', '-1', 'busybox'],
  ['--ip', 'nope', '--network', 'n1', 'busybox'],
  ['--ip6', '1.2.3.4', '--network', 'n1', 'busybox'],
  ['--annotation', 'novalue', 'busybox'],
  ['--log-opt', 'novalue', 'busybox'],
  ['--ulimit', 'nofile=1', '--ulimit', 'nofile=2:3', 'busybox'],
  ['--cap-add', 'net_raw', '--cap-add', 'NET_RAW', 'busybox'],
  ['--network-alias', 'x', '--network', 'mynet', 'busybox'],
];

const SAME_ERROR: string[][] = [
  ['-m', 'x', 'busybox'],
  ['--memory-swap', 'lots', 'busybox'],
  ['--cpus', 'abc', 'busybox'],
  ['--cpus', '0.0000000001', 'busybox'],
  ['--restart', 'always', '--rm', 'busybox'],
  ['--restart', 'on-failure:x', 'busybox'],
  ['--restart', ':3', 'busybox'],
  ['--pull', 'sometimes', 'busybox'],
  ['--env-file', 'badenv', 'busybox'],
  ['--env-file', 'no-such-file', 'busybox'],
  ['-a', 'stdfoo', 'busybox'],
  ['--ulimit', 'nofile', 'busybox'],
  ['--ulimit', 'foo=1', 'busybox'],
  ['--ulimit', 'nofile=2:1', 'busybox'],
  ['--health-interval', 'xyz', 'busybox'],
  ['--health-interval', '-1s', 'busybox'],
  ['--no-healthcheck', '--health-cmd', 'x', 'busybox'],
  ['--mac-address', 'zz', 'busybox'],
  ['--memory-swappiness', '200', 'busybox'],
  ['-p', '80:80:80:80/xyz', 'busybox'],
  ['-p', 'abc', 'busybox'],
  ['-p', '1.2.3:80:80', 'busybox'],
  ['-p', '8000-8002:80-81', 'busybox'],
  ['--expose', '80:80', 'busybox'],
  ['--expose', 'x', 'busybox'],
  ['--pid', 'bogus', 'busybox'],
  ['--uts', 'bogus', 'busybox'],
  ['--cgroupns', 'bogus', 'busybox'],
  ['--log-driver', 'none', '--log-opt', 'a=b', 'busybox'],
  ['--network', 'host', '--network', 'mynet', 'busybox'],
  ['--mount', 'type=bind,target=/x,volume-nocopy', 'busybox'],
  ['--mount', 'type=volume', 'busybox'],
  ['--sysctl', 'kernel.foo=1', 'busybox'],
  ['--add-host', 'nohost', 'busybox'],
  ['--dns', 'notanip', 'busybox'],
  ['--device', 'relative', 'busybox'],
  ['--blkio-weight-device', '/dev/sda:5', 'busybox'],
  ['--device-read-iops', '/dev/sda:x', 'busybox'],
  ['--device-read-bps', 'x', 'busybox'],
  ['--cap-add', 'x', '--ipc', 'weird:', '--memory-reservation', 'q', 'busybox'],
  ['-e', '=x', 'busybox'],
  ['--label-file', 'no-such-labels', 'busybox'],
  ['--health-retries', '-1', 'busybox'],
  ['--health-timeout', '-2s', 'busybox'],
  ['--stop-timeout', 'x', 'busybox'],
  ['-c', 'many', 'busybox'],
  ['--blkio-weight', 'heavy', 'busybox'],
  ['--link', 'a:b:c', 'busybox'],
  ['--mount', 'type=tmpfs,target=/x,tmpfs-size=big', 'busybox'],
  ['--mount', 'type=bind,src=/a,dst=/b,bogus=1', 'busybox'],
  ['--network', 'name=n1,foo=bar', 'busybox'],
  ['--security-opt', 'seccomp=no-such-profile.json', 'busybox'],
  ['--storage-opt', 'size', 'busybox'],
  ['--device', '/dev/sda:/dev/xvdc:xyz', 'busybox'],
  ['--sysctl', 'net.ipv4.ip_forward', 'busybox'],
  ['--network-alias', 'x', 'busybox'],
];

/** docker's message with its program name, without the trailer lines (usage and help hints). */
function dockerMessage(stderr: string): string {
  const lines = stderr.split('\n');
  const cut = lines.findIndex((l) => l === '' || l.startsWith('See ') || l.startsWith('Run '));
  return (cut < 0 ? lines : lines.slice(0, cut)).join('\n').replace(/^docker: /, '').replace(/\.$/, '');
}

/** Binds and Env pass through Go maps in docker (volumes, proxy settings): their order is random there. */
function sortBinds(body: unknown): unknown {
  const b = body as { Env?: string[] | null; HostConfig?: { Binds?: string[] | null } };
  if (b.HostConfig?.Binds) b.HostConfig.Binds = [...b.HostConfig.Binds].sort();
  if (b.Env) b.Env = [...b.Env].sort();
  return body;
}

describe('berth create builds the body docker sends', () => {
  for (const args of SAME_BODY) {
    it(args.join(' '), async () => {
      const d = await docker(args);
      assert.equal(d.code, 0, d.stderr);
      const b = berth(args);
      assert.ok(b.ok, b.ok ? '' : b.message);
      assert.equal(b.url, d.url);
      assert.deepEqual(sortBinds(b.body), sortBinds(d.body));
    });
  }
});

describe('berth create refuses what docker refuses', () => {
  for (const args of SAME_ERROR) {
    it(args.join(' '), async () => {
      const d = await docker(args);
      assert.equal(d.code, 125, `docker accepted it: ${d.stderr}`);
      const b = berth(args);
      assert.equal(b.ok, false, 'berth accepted it');
      if (!b.ok) assert.equal(b.message.replace(/\.$/, ''), dockerMessage(d.stderr));
    });
  }
});

import { runCli } from '../../../src/cli/flags/index.js';
import type { CommandSpec } from '../../../src/cli/command.js';
import type { CliContext } from '../../../src/cli/context.js';
import { runTopLevelCommands } from '../../../src/cli/commands/run/index.js';

function dockerHelp(cmd: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(DOCKER, [cmd, '--help'], { env: ENV }, (_err, stdout) => resolve(stdout));
  });
}

describe('help matches docker`s (docker → berth)', () => {
  const root: CommandSpec<CliContext> = { name: 'berth', short: 'x', subcommands: runTopLevelCommands };
  for (const cmd of runTopLevelCommands) {
    it(cmd.name, async () => {
      let out = '';
      await runCli(root, [cmd.name, '--help'], { stdout: (s) => void (out += s), stderr: () => {} }, () => ({}) as CliContext);
      let want = (await dockerHelp(cmd.name)).replaceAll('docker', 'berth').replaceAll('Docker', 'Berth');
      // Not offered by berth: --use-api-socket (bind-mounts the API socket and registry credentials).
      want = want.replace(/ {6}--use-api-socket {19}Bind mount Berth API socket and\n {41}required auth\n/, '');
      want = want.replace('https://docs.berth.com/', 'https://docs.docker.com/').replace('Apply Berthfile instruction', 'Apply Dockerfile instruction');
      assert.equal(out, want);
    });
  }
});
