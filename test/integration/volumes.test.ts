/**
 * Volumes, bind mounts and tmpfs through a real berthd, driven by the real
 * docker CLI and by berth: named volumes carrying data from one container to
 * the next, read-only mounts, copy-up from the image with owners kept,
 * anonymous volumes from VOLUME and their removal (--rm, rm -v, prune),
 * binds (created for -v, refused for --mount), bind propagation on a shared
 * mount, tmpfs limits, volumes with options, Docker's refusals with nothing
 * half made, events, disk use and prune, volumes surviving a SIGKILLed
 * daemon and start-up repair. At the end no mount is left.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile, rm, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, run, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
let host: string;
before(async () => {
  d = await startDaemon();
  host = await mkdtemp(join(tmpdir(), 'berth-vol-host-'));
  const r = await d.berth(['image', 'bootstrap', 'busybox']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  if (d) {
    const ids = (await d.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await d.docker(['rm', '-f', ...ids]).catch(() => {});
    await d.stop({ keep: true });
    await unmountUnder(d.dir);
    await rm(d.dir, { recursive: true, force: true });
  }
  await unmountUnder(host);
  await rm(host, { recursive: true, force: true });
});

/** Unmounts everything at or under `dir`, deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  if (!dir) return;
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]);
}

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function volumeNames(): Promise<string[]> {
  return (await ok(d.docker(['volume', 'ls', '-q']))).trim().split('\n').filter(Boolean).sort();
}

test('a named volume carries data from one container to the next (docker CLI and berth)', async () => {
  assert.equal((await ok(d.docker(['volume', 'create', '--label', 'team=a', 'shared']))).trim(), 'shared');
  await ok(d.docker(['run', '--rm', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'echo first > /data/note; mkdir /data/dir; chown 7:8 /data/dir']));
  assert.equal(await ok(d.berth(['run', '--rm', '-v', 'shared:/mnt', 'busybox', 'cat', '/mnt/note'])), 'first\n');
  assert.equal(await ok(d.docker(['run', '--rm', '--mount', 'source=shared,target=/m', 'busybox', 'stat', '-c', '%u:%g', '/m/dir'])), '7:8\n');
  const v = JSON.parse(await ok(d.docker(['volume', 'inspect', 'shared'])))[0];
  assert.equal(v.Name, 'shared');
  assert.equal(v.Driver, 'local');
  assert.equal(v.Scope, 'local');
  assert.deepEqual(v.Labels, { team: 'a' });
  assert.equal(v.Mountpoint, join(d.dataRoot, 'volumes', 'shared', '_data'));
  assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(await readFile(join(v.Mountpoint, 'note'), 'utf8'), 'first\n');
  assert.equal((await ok(d.berth(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}}', 'shared']))).trim(), 'shared local map[team:a]');
  assert.equal(await ok(d.berth(['volume', 'ls', '--filter', 'label=team=a'])), 'DRIVER    VOLUME NAME\nlocal     shared\n');
  assert.equal((await ok(d.docker(['volume', 'ls', '-q', '--filter', 'name=sha', '--filter', 'driver=local']))).trim(), 'shared');
  assert.equal((await ok(d.docker(['volume', 'ls', '-q', '--filter', 'dangling=true', '--filter', 'name=shared']))).trim(), 'shared');
  // In use by a container (even a stopped one): rm is refused, with or without -f.
  const id = (await ok(d.docker(['create', '--name', 'holder', '-v', 'shared:/data', 'busybox', 'true']))).trim();
  assert.equal((await ok(d.docker(['volume', 'ls', '-q', '--filter', 'dangling=false', '--filter', 'name=shared']))).trim(), 'shared');
  for (const args of [['volume', 'rm', 'shared'], ['volume', 'rm', '-f', 'shared']]) {
    const r = await d.docker(args);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: remove shared: volume is in use - [${id}]`);
  }
  const mounts = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'holder'])));
  assert.deepEqual(mounts, [{ Type: 'volume', Name: 'shared', Source: v.Mountpoint, Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
  assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'volume=shared', '--format', '{{.Names}} {{.Mounts}}']))).trim(), 'holder shared');
  assert.equal((await ok(d.docker(['ps', '-a', '--filter', 'volume=/data', '-q']))).trim(), id.slice(0, 12));
  await ok(d.docker(['rm', 'holder']));
  // The container is gone; the data is not.
  assert.equal(await ok(d.berth(['volume', 'rm', 'shared'])), 'shared\n');
  assert.ok(!existsSync(v.Mountpoint));
  const gone = await d.docker(['volume', 'inspect', 'shared']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Error response from daemon: get shared: no such volume/);
  assert.equal((await d.docker(['volume', 'rm', '-f', 'shared'])).code, 0);
});

test('read-only mounts refuse writes', async () => {
  await ok(d.docker(['volume', 'create', 'rov']));
  for (const args of [['-v', 'rov:/r:ro'], ['--mount', 'type=volume,source=rov,target=/r,readonly'], ['-v', `${host}:/r:ro`]]) {
    const r = await d.docker(['run', '--rm', ...args, 'busybox', 'touch', '/r/x']);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /Read-only file system/);
  }
  assert.equal(await ok(d.docker(['run', '--rm', '-v', 'rov:/r:rw', 'busybox', 'sh', '-c', 'touch /r/x && echo wrote'])), 'wrote\n');
  await ok(d.docker(['volume', 'rm', 'rov']));
});

test("a new volume is filled from the image's directory, owners and modes kept; anonymous volumes from VOLUME", async () => {
  await ok(d.docker(['run', '--name', 'seed', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo seeded > /data/sub/f && ln -s sub/f /data/link && chown -R 1234:5678 /data && chmod 0750 /data && chmod 0640 /data/sub/f']));
  await ok(d.docker(['commit', '--change', 'VOLUME /data', 'seed', 'volimg']));
  await ok(d.docker(['rm', 'seed']));
  const before = await volumeNames();
  // A new named volume is filled.
  assert.equal(await ok(d.docker(['run', '--rm', '-v', 'filled:/data', 'volimg', 'sh', '-c', 'stat -c "%u:%g %a" /data /data/sub/f; cat /data/link'])), '1234:5678 750\n1234:5678 640\nseeded\n');
  const dir = join(d.dataRoot, 'volumes', 'filled', '_data');
  const st = await stat(join(dir, 'sub', 'f'));
  assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [1234, 5678, 0o640]);
  // Filled only while empty: what a container changed stays.
  await ok(d.docker(['run', '--rm', '-v', 'filled:/data', 'volimg', 'rm', '/data/sub/f']));
  assert.equal((await d.docker(['run', '--rm', '-v', 'filled:/data', 'volimg', 'cat', '/data/sub/f'])).code, 1);
  // nocopy leaves it empty.
  assert.equal(await ok(d.berth(['run', '--rm', '-v', 'empty:/data:nocopy', 'volimg', 'ls', '-A', '/data'])), '');
  assert.equal(await ok(d.docker(['run', '--rm', '--mount', 'source=empty2,target=/data,volume-nocopy', 'volimg', 'ls', '-A', '/data'])), '');
  // --rm removes the anonymous volume made for VOLUME /data; named ones stay.
  assert.equal(await ok(d.docker(['run', '--rm', 'volimg', 'cat', '/data/sub/f'])), 'seeded\n');
  assert.deepEqual(await volumeNames(), [...before, 'empty', 'empty2', 'filled'].sort());
  // rm keeps it, rm -v removes it.
  await ok(d.docker(['run', '--name', 'anon1', 'volimg', 'true']));
  const anon = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'anon1'])))[0];
  assert.equal(anon.Type, 'volume');
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  assert.equal(anon.Mode, '');
  assert.equal(anon.Destination, '/data');
  const labels = JSON.parse(await ok(d.docker(['volume', 'inspect', '-f', '{{json .Labels}}', anon.Name])));
  assert.deepEqual(labels, { 'com.docker.volume.anonymous': '' });
  await ok(d.docker(['run', '--name', 'anon2', 'volimg', 'true']));
  const anon2 = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'anon2'])))[0].Name;
  await ok(d.docker(['rm', 'anon1']));
  assert.ok((await volumeNames()).includes(anon.Name));
  await ok(d.berth(['rm', '-v', 'anon2']));
  assert.ok(!(await volumeNames()).includes(anon2));
  // A prune takes the anonymous leftover and keeps named volumes (docker CLI); -a takes unused named ones too (berth).
  await ok(d.docker(['run', '-d', '--name', 'user', '-v', 'filled:/data', 'busybox', 'sleep', '60']));
  const pruned = await ok(d.docker(['volume', 'prune', '-f']));
  assert.equal(pruned, `Deleted Volumes:\n${anon.Name}\n\nTotal reclaimed space: 12B\n`);
  const all = await ok(d.berth(['volume', 'prune', '-a', '-f']));
  assert.match(all, /^Deleted Volumes:\n/);
  assert.deepEqual(all.split('\n').slice(1, 3).sort(), ['empty', 'empty2']);
  assert.deepEqual(await volumeNames(), [...before, 'filled'].sort());
  await ok(d.docker(['rm', '-f', 'user']));
  await ok(d.docker(['volume', 'rm', 'filled']));
});

test('binds: -v makes a missing host path, --mount refuses it; volumes-from; tmpfs limits', async () => {
  const made = join(host, 'made', 'deep');
  await ok(d.docker(['run', '--rm', '-v', `${made}:/m`, 'busybox', 'sh', '-c', 'echo in > /m/f']));
  assert.equal(await readFile(join(made, 'f'), 'utf8'), 'in\n');
  const missing = join(host, 'missing');
  const r = await d.docker(['run', '--rm', '--mount', `type=bind,source=${missing},target=/m`, 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${missing}`));
  assert.ok(!existsSync(missing));
  // --volumes-from copies mounts; :ro makes them read-only.
  await ok(d.docker(['create', '--name', 'donor', '-v', `${made}:/m`, '-v', 'vf:/v', 'busybox', 'true']));
  assert.equal(await ok(d.docker(['run', '--rm', '--volumes-from', 'donor', 'busybox', 'sh', '-c', 'cat /m/f; echo x > /v/x && echo ok'])), 'in\nok\n');
  const ro = await d.docker(['run', '--rm', '--volumes-from', 'donor:ro', 'busybox', 'touch', '/v/y']);
  assert.equal(ro.code, 1);
  assert.match(ro.stderr, /Read-only file system/);
  await ok(d.docker(['rm', 'donor']));
  await ok(d.docker(['volume', 'rm', 'vf']));
  // tmpfs: --tmpfs size, --mount tmpfs-size and mode, a volume of type tmpfs.
  const full = await d.docker(['run', '--rm', '--tmpfs', '/t:size=1m', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/t/f bs=1k count=2048']);
  assert.notEqual(full.code, 0);
  assert.match(full.stderr, /No space left on device/);
  assert.equal(await ok(d.docker(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=0700', 'busybox', 'sh', '-c', 'stat -c %a /t; df -k /t | tail -1 | awk "{print \\$2}"'])), '700\n2048\n');
  await ok(d.berth(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'tv']));
  const tv = await d.docker(['run', '--rm', '-v', 'tv:/t', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/t/f bs=1k count=2048']);
  assert.match(tv.stderr, /No space left on device/);
  assert.ok(!(await readFile('/proc/mounts', 'utf8')).includes(join(d.dataRoot, 'volumes', 'tv')), 'the tmpfs of an unused volume is unmounted');
  assert.deepEqual(JSON.parse(await ok(d.docker(['volume', 'inspect', '-f', '{{json .Options}}', 'tv']))), { device: 'tmpfs', o: 'size=1m', type: 'tmpfs' });
  // A volume binding a host directory: removing the volume leaves the directory's data alone.
  const src = join(host, 'bindsrc');
  await mkdir(src);
  await writeFile(join(src, 'keep'), 'precious');
  await ok(d.docker(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${src}`, 'bv']));
  assert.equal(await ok(d.docker(['run', '--rm', '-v', 'bv:/b', 'busybox', 'cat', '/b/keep'])), 'precious');
  await ok(d.docker(['volume', 'rm', 'bv', 'tv']));
  assert.equal(await readFile(join(src, 'keep'), 'utf8'), 'precious');
});

test("bad input: Docker's messages, nothing half made", async () => {
  await ok(d.docker(['volume', 'create', 'taken']));
  const vols = await volumeNames();
  const ctrs = (await ok(d.docker(['ps', '-aq']))).trim();
  const cases: Array<[string[], RegExp]> = [
    [['-v', 'rel/path:/x'], /create rel\/path: "rel\/path" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path/],
    [['-v', 'taken:rel'], /invalid volume specification: 'taken:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/],
    [['--mount', 'type=bind,source=rel,target=/x'], /invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute/],
    [['-v', 'newvol:/x', '-v', '/tmp:/x'], /Duplicate mount point: \/x/],
    [['-v', 'newvol:/x', '--tmpfs', '/x'], /Duplicate mount point: \/x/],
    [['-v', 'newvol:/x', '--mount', 'source=taken,target=/x'], /Duplicate mount point: \/x/],
    [['-v', 'newvol:/y', '--volume-driver', 'nodriver'], /create newvol: error looking up volume plugin nodriver: plugin "nodriver" not found/],
    [['-v', 'newvol:/y', '-v', 'x:/z:bad'], /invalid mode: bad/],
    [['--volumes-from', 'nosuchcontainer'], /No such container: nosuchcontainer/],
    [['-v', 'taken:/'], /destination can't be '\/'/],
  ];
  for (const [args, want] of cases) {
    const r = await d.docker(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.doesNotMatch(r.stderr, /Unable to find image/);
  }
  const vc: Array<[string[], string]> = [
    [['volume', 'create', 'a'], 'Error response from daemon: create a: volume name is too short, names should be at least two alphanumeric characters'],
    [['volume', 'create', '--driver', 'nodriver', 'nd'], 'Error response from daemon: create nd: error looking up volume plugin nodriver: plugin "nodriver" not found'],
    [['volume', 'create', '-o', 'foo=bar', 'badopt'], 'Error response from daemon: create badopt: invalid option: "foo"'],
    [['volume', 'create', '-o', 'type=none', 'noopt'], 'Error response from daemon: create noopt: missing required option: "device"'],
  ];
  for (const [args, want] of vc) {
    for (const cli of [d.docker.bind(d), d.berth.bind(d)]) {
      const r = await cli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr.trim(), want);
    }
  }
  const api = await d.request('POST', '/volumes/create', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Name: 'nd', Driver: 'nodriver' }) });
  assert.equal(api.status, 404);
  assert.deepEqual(await volumeNames(), vols);
  assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), ctrs);
  await ok(d.docker(['volume', 'rm', 'taken']));
});

test('bind propagation on a shared mount: rslave sees the host, rshared shows the host, rprivate neither', async () => {
  const prop = join(host, 'prop');
  await mkdir(join(prop, 'fromhost'), { recursive: true });
  await mkdir(join(prop, 'fromctr'), { recursive: true });
  const notShared = await d.docker(['run', '--rm', '-v', `${prop}:/p:rshared`, 'busybox', 'true']);
  assert.equal(notShared.code, 125);
  assert.match(notShared.stderr, new RegExp(`path ${prop} is mounted on \\S+ but it is not a shared mount`));
  await ok(run('mount', ['--bind', prop, prop]));
  try {
    await ok(run('mount', ['--make-shared', prop]));
    await ok(d.docker(['run', '-d', '--name', 'slave', '-v', `${prop}:/p:rslave`, 'busybox', 'sleep', '60']));
    await ok(d.docker(['run', '-d', '--name', 'private', '--mount', `type=bind,source=${prop},target=/p`, 'busybox', 'sleep', '60']));
    assert.equal(JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'slave'])))[0].Propagation, 'rslave');
    await ok(run('mount', ['-t', 'tmpfs', 'hosttmp', join(prop, 'fromhost')]));
    await writeFile(join(prop, 'fromhost', 'f'), 'host\n');
    assert.equal(await ok(d.docker(['exec', 'slave', 'cat', '/p/fromhost/f'])), 'host\n');
    assert.equal((await d.docker(['exec', 'private', 'cat', '/p/fromhost/f'])).code, 1);
    await ok(d.docker(['run', '--rm', '--privileged', '--mount', `type=bind,source=${prop},target=/p,bind-propagation=rshared`, 'busybox', 'sh', '-c', 'mount -t tmpfs ctrtmp /p/fromctr && echo ctr > /p/fromctr/f']));
    assert.equal(await readFile(join(prop, 'fromctr', 'f'), 'utf8'), 'ctr\n');
  } finally {
    await d.docker(['rm', '-f', 'slave', 'private']);
    await unmountUnder(prop);
  }
  assert.ok(!(await readFile('/proc/mounts', 'utf8')).includes(prop));
});

test('docker cp reads and writes through volumes and binds, for stopped and running containers; export leaves them out', async () => {
  const b = join(host, 'cpbind');
  await mkdir(b);
  const file = join(host, 'cpfile');
  await writeFile(file, 'copied\n');
  await ok(d.docker(['create', '--name', 'cpc', '-v', 'cpv:/v', '-v', `${b}:/b`, 'busybox', 'true']));
  await ok(d.docker(['cp', file, 'cpc:/v/']));
  await ok(d.berth(['cp', file, 'cpc:/b/']));
  assert.equal(await readFile(join(d.dataRoot, 'volumes', 'cpv', '_data', 'cpfile'), 'utf8'), 'copied\n');
  assert.equal(await readFile(join(b, 'cpfile'), 'utf8'), 'copied\n');
  assert.match(await ok(d.docker(['cp', 'cpc:/v/cpfile', '-'])), /copied/);
  assert.ok(!(await ok(run('sh', ['-c', `${'/usr/local/bin/docker'} -H ${d.host} export cpc | tar -t`]))).includes('v/cpfile'));
  await ok(d.docker(['run', '-d', '--name', 'cpr', '-v', 'cpv:/v:ro', 'busybox', 'sleep', '60']));
  await ok(d.docker(['cp', file, 'cpr:/tmp/inlayer']));
  assert.equal(await ok(d.docker(['exec', 'cpr', 'ls', '/v'])), 'cpfile\n');
  const ro = await d.docker(['cp', file, 'cpr:/v/other']);
  assert.notEqual(ro.code, 0);
  await ok(d.docker(['rm', '-f', 'cpc', 'cpr']));
  await ok(d.docker(['volume', 'rm', 'cpv']));
  assert.ok(!(await readFile('/proc/mounts', 'utf8')).includes(d.dir));
});

test('events: volume create, mount, unmount, destroy', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  await ok(d.docker(['volume', 'create', 'ev']));
  const id = (await ok(d.docker(['run', '-d', '-v', 'ev:/e:ro', 'busybox', 'true']))).trim();
  await ok(d.docker(['wait', id]));
  await ok(d.docker(['rm', id]));
  await ok(d.docker(['volume', 'rm', 'ev']));
  const until = String(Math.floor(Date.now() / 1000) + 1);
  const out = await ok(d.docker(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--filter', 'volume=ev', '--format', '{{.Action}} {{json .Actor.Attributes}}']));
  assert.equal(
    out,
    [
      'create {"driver":"local"}',
      `mount {"container":"${id}","destination":"/e","driver":"local","propagation":"","read/write":"false"}`,
      `unmount {"container":"${id}","driver":"local"}`,
      'destroy {"driver":"local"}',
      '',
    ].join('\n'),
  );
});

test('system df -v and system prune count and remove what Docker would', async () => {
  await ok(d.docker(['volume', 'create', 'dfv']));
  await ok(d.docker(['run', '--name', 'dfc', '-v', 'dfv:/d', 'busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /d/blob']));
  await ok(d.docker(['run', '--name', 'anonc', '-v', '/a', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /a/blob']));
  const anon = JSON.parse(await ok(d.docker(['inspect', '-f', '{{json .Mounts}}', 'anonc'])))[0].Name as string;
  const df = JSON.parse((await d.request('GET', '/system/df')).body) as { Volumes: Array<{ Name: string; UsageData: { Size: number; RefCount: number } }> };
  assert.deepEqual(df.Volumes.find((v) => v.Name === 'dfv')?.UsageData, { Size: 5000, RefCount: 1 });
  assert.deepEqual(df.Volumes.find((v) => v.Name === anon)?.UsageData, { Size: 3000, RefCount: 1 });
  for (const cli of [d.docker.bind(d), d.berth.bind(d)]) {
    const verbose = await ok(cli(['system', 'df', '-v']));
    assert.match(verbose, /^dfv\s+1\s+5kB$/m);
    assert.match(verbose, /Containers space usage:\n\nCONTAINER ID\s+IMAGE\s+COMMAND\s+LOCAL VOLUMES\s+SIZE\s+CREATED\s+STATUS\s+NAMES\n/);
    assert.match(verbose, /\s1\s+\S+\s+.*dfc$/m);
    assert.match(await ok(cli(['system', 'df'])), /^Local Volumes\s+\d+\s+\d+\s+\S+/m);
  }
  // The containers go; their volumes are unused now: system prune --volumes takes the anonymous one only.
  await ok(d.docker(['volume', 'create', 'inuse']));
  await ok(d.docker(['run', '-d', '--name', 'running', '-v', 'inuse:/i', '-v', '/anon2', 'busybox', 'sleep', '60']));
  const out = await ok(d.berth(['system', 'prune', '-f', '--volumes']));
  assert.match(out, /^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n\nDeleted Volumes:\n/);
  assert.match(out, new RegExp(`Deleted Volumes:\\n${anon}\\n\\n`));
  assert.match(out, /Total reclaimed space: 3kB\n$/);
  const left = await volumeNames();
  assert.ok(left.includes('dfv') && left.includes('inuse'));
  assert.ok(!left.includes(anon));
  assert.equal(left.length, 3, 'the running container keeps its anonymous volume');
  await ok(d.docker(['rm', '-f', '-v', 'running']));
  await ok(d.docker(['volume', 'rm', 'dfv', 'inuse']));
  assert.deepEqual(await volumeNames(), []);
});

test('docker system prune: stopped containers and unused networks go; what runs and what it uses stays', async () => {
  await ok(d.docker(['network', 'create', 'unusednet']));
  await ok(d.docker(['network', 'create', 'usednet']));
  await ok(d.docker(['run', '-d', '--name', 'keeper', '--network', 'usednet', 'busybox', 'sleep', '60']));
  await ok(d.docker(['create', '--name', 'stopped', 'busybox', 'true']));
  const out = await ok(d.docker(['system', 'prune', '-f']));
  assert.match(out, /Deleted Containers:\n[0-9a-f]{64}\n/);
  assert.match(out, /Deleted Networks:\nunusednet\n/);
  assert.match(out, /Total reclaimed space: /);
  const nets = await ok(d.docker(['network', 'ls', '--format', '{{.Name}}']));
  assert.match(nets, /usednet/);
  assert.doesNotMatch(nets, /unusednet/);
  assert.equal((await ok(d.docker(['ps', '-a', '--format', '{{.Names}}']))).trim(), 'keeper');
  await ok(d.docker(['rm', '-f', 'keeper']));
  await ok(d.docker(['network', 'rm', 'usednet']));
});

test("a volume's data survives a SIGKILLed daemon and the removal of its container; start-up repairs half-made volumes", async () => {
  await ok(d.docker(['run', '--name', 'writer', '-v', 'durable:/d', 'busybox', 'sh', '-c', 'echo kept > /d/f']));
  await ok(d.docker(['run', '-d', '--name', 'tmpuser', '--mount', 'type=volume,source=tmpv,target=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs', 'busybox', 'sleep', '60']));
  await d.stop({ signal: 'SIGKILL', keep: true });
  // What a crash in the middle of a create or a removal leaves.
  const vroot = join(d.dataRoot, 'volumes');
  await mkdir(join(vroot, 'halfmade', '_data'), { recursive: true });
  await mkdir(join(vroot, 'orphan', '_data'), { recursive: true });
  await writeFile(join(vroot, 'orphan', '_data', 'data'), 'mine');
  await mkdir(join(vroot, '.berth-tmp-rm-gone-0000', '_data'), { recursive: true });
  d = await startDaemon({ dir: d.dir });
  assert.deepEqual(await volumeNames(), ['durable', 'orphan', 'tmpv']);
  assert.ok(!existsSync(join(vroot, 'halfmade')));
  assert.ok(!(await readdir(vroot)).some((n) => n.startsWith('.berth-tmp')));
  assert.equal(await ok(d.docker(['run', '--rm', '-v', 'orphan:/o', 'busybox', 'cat', '/o/data'])), 'mine');
  // The running container's tmpfs volume is still mounted and used.
  assert.equal(await ok(d.docker(['exec', 'tmpuser', 'sh', '-c', 'echo y > /t/y && cat /t/y'])), 'y\n');
  assert.ok((await readFile('/proc/mounts', 'utf8')).includes(join(vroot, 'tmpv', '_data')));
  await ok(d.docker(['rm', '-f', 'tmpuser', 'writer']));
  assert.ok(!(await readFile('/proc/mounts', 'utf8')).includes(join(vroot, 'tmpv', '_data')), 'unmounted once unused');
  assert.equal(await ok(d.berth(['run', '--rm', '-v', 'durable:/d', 'busybox', 'cat', '/d/f'])), 'kept\n');
  await ok(d.docker(['volume', 'rm', 'durable', 'orphan', 'tmpv']));
});

test('nothing is left behind: no containers, no volumes, no mounts', async () => {
  assert.equal((await ok(d.docker(['ps', '-aq']))).trim(), '');
  assert.deepEqual(await volumeNames(), []);
  const mounts = await readFile('/proc/mounts', 'utf8');
  assert.ok(!mounts.includes(d.dir), 'a mount under the daemon directory is left');
  assert.ok(!mounts.includes(host), 'a mount under the test directory is left');
});
