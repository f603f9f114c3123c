/**
 * Running containers through a real berthd with the real docker CLI: run with
 * output and exit codes, detached containers with logs, stop, kill, wait and
 * restart, stdin, isolation (namespaces, capabilities, limits, OOM), a
 * missing entrypoint, and containers outliving a SIGKILLed daemon. At the end
 * nothing is left: no mounts, shims, runc state or cgroups.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { startDaemon, run, type TestDaemon } from '../helpers/daemon.js';
import { FIXTURES } from '../helpers/fixtures.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
  const r = await d.berth(['image', 'bootstrap', 'busybox']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  if (d) {
    await d.docker(['rm', '-f', ...(await d.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean)]).catch(() => {});
    await d.stop();
  }
});

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('docker run prints the output and returns the exit code', async () => {
  assert.equal(await ok(d.docker(['run', '--rm', 'busybox', 'echo', 'hello'])), 'hello\n');
  const r = await d.docker(['run', '--name', 'codes', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  const logs = await d.docker(['logs', 'codes']);
  assert.equal(logs.stdout, 'out\n');
  assert.equal(logs.stderr, 'err\n');
  assert.match(await ok(d.docker(['logs', '-t', 'codes'])), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\n$/);
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'codes']))).trim(), 'exited 3');
  assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}']))).trim(), 'codes');
  assert.equal(await ok(d.docker(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'from stdin\n' })), 'from stdin\n');
});

test('berth run, exec, logs, stop, ps, rm: the same through berth', async () => {
  assert.equal(await ok(d.berth(['run', '--rm', 'busybox', 'echo', 'hello berth'])), 'hello berth\n');
  assert.equal((await d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'exit 7'])).code, 7);
  assert.equal(await ok(d.berth(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'piped\n' })), 'piped\n');
  const id = (await ok(d.berth(['run', '-d', '--name', 'bb', '-e', 'X=1', 'busybox', 'sh', '-c', 'echo $X; sleep 30']))).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(await ok(d.berth(['exec', 'bb', 'hostname'])), `${id.slice(0, 12)}\n`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !(await d.berth(['logs', 'bb'])).stdout) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await ok(d.berth(['logs', 'bb'])), '1\n');
  await ok(d.berth(['stop', '-t', '1', 'bb']));
  assert.match(await ok(d.berth(['ps', '-a', '--filter', 'name=bb', '--format', '{{.Status}}'])), /^Exited \(137\)/);
  assert.equal((await d.berth(['run', '--rm', 'busybox', 'nope'])).code, 127);
  await ok(d.berth(['rm', 'bb']));
});

test('a missing or non-executable entrypoint: Docker\'s exit codes', async () => {
  const missing = await d.docker(['run', '--rm', 'busybox', 'nope']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /executable file not found/);
  const notExec = await d.docker(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126);
  // --rm containers that failed to start are gone.
  assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'ancestor=busybox', '--filter', 'status=created', '-q']))).trim(), '');
});

test('isolation: pid, uts and mount namespaces, Docker\'s capabilities, cgroup limits', async () => {
  const out = await ok(d.docker(['run', '--rm', '--hostname', 'boxy', 'busybox', 'sh', '-c', 'echo $$; hostname; ps -o pid | wc -l; readlink /proc/self/ns/pid; grep CapEff /proc/self/status']));
  const [pid, host, procs, ns, caps] = out.trim().split('\n');
  assert.equal(pid, '1');
  assert.equal(host, 'boxy');
  assert.ok(Number(procs) <= 4, `ps saw ${procs} lines`);
  assert.notEqual(ns, await readlink('/proc/self/ns/pid'));
  assert.match(caps!, /CapEff:\s+00000000a80425fb/);
  const limit = await ok(d.docker(['run', '--rm', '-m', '32m', '--pids-limit', '20', 'busybox', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max']));
  assert.deepEqual(limit.trim().split('\n'), [String(32 * 1024 * 1024), '20']);
});

test('-m 32m kills a process that allocates more: exit 137, OOMKilled', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = await d.docker(['run', '--name', 'oom', '-m', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  assert.equal(r.code, 137, r.stderr);
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom']))).trim(), 'true 137');
  const ev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=oom', '--format', '{{.Action}}']));
  assert.match(ev, /^oom$/m);
  assert.match(ev, /^die$/m);
  await ok(d.docker(['rm', 'oom']));
});

test('detached containers: ps, logs -f, stop, kill, wait, restart, rm -f', async () => {
  const id = (await ok(d.docker(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; echo started; while true; do sleep 0.1; done']))).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(await ok(d.docker(['ps'])), /\s+Up\s.*\sbg\n/);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !(await d.docker(['logs', 'bg'])).stdout.includes('started')) await new Promise((r) => setTimeout(r, 50));
  const follow = d.docker(['logs', '-f', 'bg'], { timeoutMs: 20_000 });
  await ok(d.docker(['stop', 'bg']));
  assert.equal((await follow).stdout, 'started\n');
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.ExitCode}}', 'bg']))).trim(), '7');
  await ok(d.docker(['start', 'bg']));
  await ok(d.docker(['kill', 'bg']));
  assert.equal((await ok(d.docker(['wait', 'bg']))).trim(), '137');
  await ok(d.docker(['restart', '-t', '1', 'bg']));
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Running}}', 'bg']))).trim(), 'true');
  const notRunning = await d.docker(['kill', 'codes']);
  assert.notEqual(notRunning.code, 0);
  assert.match(notRunning.stderr, /is not running/);
  const refused = await d.docker(['rm', 'bg']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /container is running: stop the container before removing or force remove/);
  await ok(d.docker(['rm', '-f', 'bg']));
  assert.equal((await d.docker(['inspect', 'bg'])).code, 1);
});

test('exec: output, exit codes, stdin, user, env, workdir, detached, a missing command', async () => {
  await ok(d.docker(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '60']));
  assert.equal(await ok(d.docker(['exec', 'ex', 'echo', 'hi'])), 'hi\n');
  const code = await d.docker(['exec', 'ex', 'sh', '-c', 'echo err >&2; exit 4']);
  assert.equal(code.code, 4);
  assert.equal(code.stderr, 'err\n');
  assert.equal(await ok(d.docker(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' })), 'piped\n');
  assert.match(await ok(d.docker(['exec', '-u', 'nobody', 'ex', 'id'])), /^uid=65534\(nobody\)/);
  assert.equal(await ok(d.docker(['exec', '-e', 'FOO=bar', '-w', '/tmp', 'ex', 'sh', '-c', 'echo $FOO; pwd'])), 'bar\n/tmp\n');
  await ok(d.docker(['exec', '-d', 'ex', 'sh', '-c', 'echo detached > /tmp/mark']));
  const deadline = Date.now() + 5000;
  let mark = '';
  while (Date.now() < deadline && !(mark = (await d.docker(['exec', 'ex', 'cat', '/tmp/mark'])).stdout)) await new Promise((r) => setTimeout(r, 50));
  assert.equal(mark, 'detached\n');
  const missing = await d.docker(['exec', 'ex', 'nope']);
  assert.equal(missing.code, 127);
  assert.match(missing.stdout + missing.stderr, /executable file not found/);
  assert.equal((await d.docker(['exec', 'ex', '/etc/passwd'])).code, 126);
  await ok(d.docker(['create', '--name', 'notstarted', 'busybox']));
  const stopped = await d.docker(['exec', 'notstarted', 'true']);
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /is not running/);
  await ok(d.docker(['rm', '-f', 'ex', 'notstarted']));
});

test('pause, unpause, top, restart policies', async () => {
  await ok(d.docker(['run', '-d', '--name', 'pz', 'busybox', 'sh', '-c', 'while true; do sleep 0.2; done']));
  const top = await ok(d.docker(['top', 'pz']));
  assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
  assert.match(top, /sh -c while true; do sleep 0\.2; done/);
  await ok(d.docker(['pause', 'pz']));
  assert.match(await ok(d.docker(['ps', '--filter', 'name=pz', '--format', '{{.Status}}'])), /\(Paused\)/);
  const ex = await d.docker(['exec', 'pz', 'true']);
  assert.notEqual(ex.code, 0);
  assert.match(ex.stderr, /is paused, unpause the container before exec/);
  await ok(d.docker(['unpause', 'pz']));
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Status}}', 'pz']))).trim(), 'running');
  await ok(d.docker(['rm', '-f', 'pz']));
  await ok(d.docker(['run', '-d', '--name', 'fails', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']));
  await ok(d.docker(['run', '-d', '--name', 'loops', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']));
  const deadline = Date.now() + 8000;
  let fails = '';
  while (Date.now() < deadline && (fails = (await ok(d.docker(['inspect', '--format', '{{.RestartCount}} {{.State.Status}}', 'fails']))).trim()) !== '2 exited') {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(fails, '2 exited');
  const loops = Number((await ok(d.docker(['inspect', '--format', '{{.RestartCount}}', 'loops']))).trim());
  assert.ok(loops >= 1, `always: ${loops} restarts`);
  await ok(d.docker(['stop', 'loops']));
  await new Promise((r) => setTimeout(r, 500));
  assert.match((await ok(d.docker(['inspect', '--format', '{{.State.Status}}', 'loops']))).trim(), /^exited$/);
  await ok(d.docker(['rm', '-f', 'fails', 'loops']));
});

test('stats: CPU, memory against the limit, pids', async () => {
  await ok(d.docker(['run', '-d', '--name', 'busy', '-m', '64m', 'busybox', 'sh', '-c', 'while true; do :; done']));
  const line = (await ok(d.docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}', 'busy']))).trim();
  const [name, cpu, mem, pids] = line.split('|');
  assert.equal(name, 'busy');
  assert.ok(parseFloat(cpu!) > 20, `CPU ${cpu}`);
  assert.match(mem!, /^[\d.]+[KMG]iB \/ 64MiB$/);
  assert.equal(pids, '1');
  const raw = JSON.parse((await d.request('GET', '/containers/busy/stats?stream=0&one-shot=1')).body) as { memory_stats: { limit: number }; id: string };
  assert.equal(raw.memory_stats.limit, 64 * 1024 * 1024);
  await ok(d.docker(['rm', '-f', 'busy']));
});

test('cp both ways, export, diff; running and stopped', async () => {
  await ok(d.docker(['run', '-d', '--name', 'files', 'busybox', 'sh', '-c', 'mkdir -p /data && echo hello > /data/f && rm /etc/group && sleep 60']));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await d.docker(['exec', 'files', 'test', '-f', '/data/f'])).code !== 0) await new Promise((r) => setTimeout(r, 50));
  const out = `${d.dir}/f.out`;
  await ok(d.docker(['cp', 'files:/data/f', out]));
  assert.equal(await readFile(out, 'utf8'), 'hello\n');
  await run('sh', ['-c', `mkdir -p ${d.dir}/up/sub && echo up > ${d.dir}/up/sub/x`]);
  await run('chown', ['-R', '1234:5678', `${d.dir}/up`]);
  await ok(d.docker(['cp', `${d.dir}/up`, 'files:/tmp/']));
  assert.equal(await ok(d.docker(['exec', 'files', 'cat', '/tmp/up/sub/x'])), 'up\n');
  // Without -a the copied files are root's; with -a they keep their owners.
  assert.equal((await ok(d.docker(['exec', 'files', 'stat', '-c', '%u:%g', '/tmp/up/sub/x']))).trim(), '0:0');
  await ok(d.docker(['cp', '-a', `${d.dir}/up`, 'files:/root/']));
  assert.equal((await ok(d.docker(['exec', 'files', 'stat', '-c', '%u:%g', '/root/up/sub/x']))).trim(), '1234:5678');
  const listing = (await run('sh', ['-c', `docker cp files:/data - | tar t`], { env: d.dockerEnv() })).stdout.split('\n');
  assert.deepEqual(listing.filter(Boolean), ['data/', 'data/f']);
  const diff = (await ok(d.docker(['diff', 'files']))).trim().split('\n');
  for (const line of ['A /data', 'A /data/f', 'C /etc', 'D /etc/group', 'A /tmp/up/sub/x']) assert.ok(diff.includes(line), `${line} in ${diff.join(', ')}`);
  assert.ok(!diff.includes('A /etc/hostname'), 'mount points are not changes');
  const exported = (await run('sh', ['-c', 'docker export files | tar t'], { env: d.dockerEnv() })).stdout;
  assert.match(exported, /^bin\/busybox$/m);
  assert.match(exported, /^data\/f$/m);
  await ok(d.berth(['stop', '-t', '0', 'files']));
  // A stopped container's files are reachable too.
  await ok(d.docker(['cp', 'files:/data/f', `${d.dir}/f2.out`]));
  assert.equal(await readFile(`${d.dir}/f2.out`, 'utf8'), 'hello\n');
  const missing = await d.docker(['cp', 'files:/nope', d.dir]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Could not find the file \/nope in container/);
  await ok(d.docker(['rm', 'files']));
});

test('commit, update, --init, --log-driver none', async () => {
  await ok(d.docker(['run', '-d', '--name', 'cm', 'busybox', 'sh', '-c', 'echo committed > /hello; sleep 60']));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await d.docker(['exec', 'cm', 'test', '-f', '/hello'])).code !== 0) await new Promise((r) => setTimeout(r, 50));
  const id = (await ok(d.docker(['commit', '-m', 'my commit', '-a', 'me', '-c', 'CMD ["cat","/hello"]', 'cm', 'mine:1']))).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await ok(d.docker(['run', '--rm', 'mine:1'])), 'committed\n');
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.Comment}}|{{.Author}}|{{len .RootFS.Layers}}', 'mine:1']))).trim(), 'my commit|me|2');
  await ok(d.docker(['update', '--memory', '64m', '--memory-swap', '128m', '--restart', 'on-failure:3', 'cm']));
  assert.equal((await ok(d.docker(['exec', 'cm', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']))).trim(), String(64 * 1024 * 1024));
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'cm']))).trim(), `${64 * 1024 * 1024} on-failure`);
  await ok(d.docker(['rm', '-f', 'cm']));
  await ok(d.docker(['rmi', 'mine:1']));
  assert.match(await ok(d.docker(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,comm'])), /^\s*1 docker-init$/m);
  assert.equal(await ok(d.docker(['run', '--rm', '--log-driver', 'none', 'busybox', 'echo', 'x'])), 'x\n');
  await ok(d.docker(['run', '--name', 'nolog', '--log-driver', 'none', 'busybox', 'echo', 'x']));
  const logs = await d.docker(['logs', 'nolog']);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /configured logging driver does not support reading/);
  await ok(d.docker(['rm', 'nolog']));
});

test('health checks: healthy, unhealthy, events, ps filter', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await ok(d.docker(['run', '-d', '--name', 'hok', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '60']));
  await ok(d.docker(['run', '-d', '--name', 'hbad', '--health-cmd', 'exit 1', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '60']));
  const deadline = Date.now() + 8000;
  let statuses = '';
  while (Date.now() < deadline) {
    statuses = (await ok(d.docker(['ps', '--filter', 'name=h', '--format', '{{.Names}} {{.Status}}']))).trim();
    if (/hok Up .* \(healthy\)/.test(statuses) && /hbad Up .* \(unhealthy\)/.test(statuses)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(statuses, /hok Up .* \(healthy\)/);
  assert.match(statuses, /hbad Up .* \(unhealthy\)/);
  const health = JSON.parse(await ok(d.docker(['inspect', '--format', '{{json .State.Health}}', 'hbad']))) as { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number }> };
  assert.equal(health.Status, 'unhealthy');
  assert.ok(health.FailingStreak >= 2);
  assert.equal(health.Log.at(-1)?.ExitCode, 1);
  assert.equal((await ok(d.docker(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']))).trim(), 'hok');
  const ev = await ok(d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=health_status', '--format', '{{.Action}} {{.Actor.Attributes.name}}']));
  assert.match(ev, /^health_status: healthy hok$/m);
  assert.match(ev, /^health_status: unhealthy hbad$/m);
  await ok(d.docker(['rm', '-f', 'hok', 'hbad']));
});

test('--dns, --dns-search, --add-host; what is not supported is refused, not ignored', async () => {
  const out = await ok(d.docker(['run', '--rm', '--dns', '10.9.9.9', '--dns-search', 'example.test', '--add-host', 'db:10.1.2.3', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; grep db /etc/hosts']));
  assert.match(out, /^nameserver 10\.9\.9\.9$/m);
  assert.match(out, /^search example\.test$/m);
  assert.match(out, /^10\.1\.2\.3\tdb$/m);
  for (const [args, what] of [[['--log-driver', 'syslog'], /logging driver syslog is not supported by Berth/]] as const) {
    const r = await d.docker(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, what);
  }
});

test('the fixture image made by Docker Engine shows the file tree Docker showed', async () => {
  await ok(d.docker(['load', '-q', '-i', `${FIXTURES}/dockerd-save-layers.tar`]));
  const tree = await ok(d.docker(['run', '--rm', 'fixture/layers:1', 'sh', '-c', 'find /data | sort | xargs stat -c "%n %F %a %u:%g %s %h %Y"']));
  const expected = await readFile(`${FIXTURES}/expected-layers-tree.txt`, 'utf8');
  // Directory mtimes are those of the day the fixture was built: everything else must be equal.
  const norm = (t: string) => t.trim().split('\n').map((l) => (l.split(' ')[1] === 'directory' ? l.replace(/ \d+$/, '') : l));
  assert.deepEqual(norm(tree), norm(expected));
  assert.equal(await ok(d.docker(['run', '--rm', 'fixture/layers:1'])), 'one\n');
});

test('namespaces shared with other containers and the host: --pid, --ipc, --uts', async () => {
  await ok(d.docker(['run', '-d', '--name', 'donor', '--ipc', 'shareable', 'busybox', 'sh', '-c', 'echo shared > /dev/shm/x; sleep 60']));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await d.docker(['exec', 'donor', 'test', '-f', '/dev/shm/x'])).code !== 0) await new Promise((r) => setTimeout(r, 50));
  assert.match(await ok(d.docker(['run', '--rm', '--pid', 'container:donor', 'busybox', 'ps', '-o', 'pid,args'])), /^\s*1 sleep 60$/m);
  assert.equal(await ok(d.docker(['run', '--rm', '--ipc', 'container:donor', 'busybox', 'cat', '/dev/shm/x'])), 'shared\n');
  await ok(d.docker(['run', '-d', '--name', 'private', 'busybox', 'sleep', '60']));
  const refused = await d.docker(['run', '--rm', '--ipc', 'container:private', 'busybox', 'true']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /non-shareable IPC/);
  assert.ok(Number((await ok(d.docker(['run', '--rm', '--pid', 'host', 'busybox', 'sh', '-c', 'ps | wc -l']))).trim()) > 10);
  assert.equal((await ok(d.docker(['run', '--rm', '--uts', 'host', 'busybox', 'hostname']))).trim(), (await import('node:os')).hostname());
  await ok(d.docker(['rm', '-f', 'donor', 'private']));
});

test('50 concurrent run --rm', async () => {
  const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => d.docker(['run', '--rm', '--label', 'batch=50', 'busybox', 'sh', '-c', `echo ${i}`], { timeoutMs: 120_000 })));
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${i}\n`);
  });
  assert.equal((await ok(d.docker(['ps', '-aq', '--filter', 'label=batch=50']))).trim(), '');
});

test('containers keep running when berthd is SIGKILLed; exits meanwhile are recorded', async () => {
  await ok(d.docker(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do echo tick; sleep 0.2; done']));
  await ok(d.docker(['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'sleep 1; exit 5']));
  await d.stop({ signal: 'SIGKILL', keep: true });
  await new Promise((r) => setTimeout(r, 2000));
  d = await startDaemon({ dir: d.dir });
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'short']))).trim(), 'exited 5');
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.Status}}', 'survivor']))).trim(), 'running');
  assert.match(await ok(d.docker(['logs', '--tail', '1', 'survivor'])), /^tick\n$/);
  await ok(d.docker(['stop', 'survivor']));
  assert.equal((await ok(d.docker(['inspect', '--format', '{{.State.ExitCode}}', 'survivor']))).trim(), '0');
  await ok(d.docker(['rm', 'survivor', 'short', 'codes']));
});

test('nothing is left behind: mounts, shims, runc state, cgroups, bundles', async () => {
  assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
  const mounts = await readFile('/proc/mounts', 'utf8');
  assert.ok(!mounts.includes(d.dir), 'a mount under the test directory is left');
  const shims = (await run('pgrep', ['-f', `berth-shim.*${d.dir}`])).stdout.trim();
  assert.equal(shims, '');
  assert.deepEqual(await readdir(`${d.execRoot}/containers`).catch(() => []), []);
  assert.deepEqual((await readdir(`${d.execRoot}/runc`).catch(() => [])).filter((n) => /^[0-9a-f]{64}$/.test(n)), []);
  // Other test files' daemons share /berth in the cgroup tree: a cgroup is a leak only when no
  // test daemon has that container (a daemon removes a cgroup before the container's directory).
  const { tmpdir } = await import('node:os');
  const roots = (await readdir(tmpdir())).filter((n) => n.startsWith('berth-test-')).map((n) => `${tmpdir()}/${n}/data/containers`);
  const leaked = (id: string) => !roots.some((r) => existsSync(`${r}/${id}`));
  for (const ctl of ['memory', 'pids', 'cpu']) {
    const dir = `/sys/fs/cgroup/${ctl}/berth`;
    if (existsSync(dir)) assert.deepEqual((await readdir(dir)).filter((n) => /^[0-9a-f]{64}$/.test(n) && leaked(n)), [], ctl);
  }
});
