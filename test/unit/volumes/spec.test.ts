/**
 * Unit tests of mount specifications as dockerd reads them: `-v` strings
 * (sources, targets, modes, Docker's messages for bad ones), `--mount`
 * objects for each type, `--volumes-from` modes, tmpfs data, the local
 * driver's name and option rules, and the CLI's volume list ordering.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseApiMount, parseVolumesFrom, tmpfsData, validMountMode } from '../../../src/engine/volumes/spec.js';
import { checkVolumeName, checkVolumeOptions } from '../../../src/engine/volumes/local.js';
import { resolveInRoot } from '../../../src/engine/volumes/copyup.js';
import { naturalLess, kvMap } from '../../../src/cli/commands/volumes/index.js';
import { mkdtemp, mkdir, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const msg = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('-v (HostConfig.Binds)', () => {
  it('tells binds from named and anonymous volumes', () => {
    assert.deepEqual(
      { ...parseBind('/host/dir/:/ctr') },
      { Type: 'bind', Source: '/host/dir', Destination: '/ctr', ReadOnly: false, Mode: '', Propagation: 'rprivate', CopyData: false, CreateSource: true, FromMountApi: false },
    );
    const named = parseBind('data:/var/lib/data:ro,nocopy');
    assert.equal(named.Type, 'volume');
    assert.equal(named.Source, 'data');
    assert.equal(named.ReadOnly, true);
    assert.equal(named.CopyData, false);
    assert.equal(named.Mode, 'ro,nocopy');
    assert.equal(parseBind('data:/d').CopyData, true);
    assert.equal(parseBind('/only/target').Source, '');
    assert.equal(parseBind('/h:/c:rslave').Propagation, 'rslave');
    assert.equal(parseBind('/h:/c:ro,Z').ReadOnly, true);
  });
  it("refuses what Docker refuses, with Docker's messages", () => {
    assert.equal(msg(() => parseBind('data:rel')), `invalid volume specification: 'data:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`);
    assert.equal(msg(() => parseBind('data:/')), `invalid volume specification: 'data:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`);
    assert.equal(msg(() => parseBind('x:/y:zz')), 'invalid mode: zz');
    assert.equal(msg(() => parseBind('/foo:ro')), `invalid volume specification: '/foo:ro'`);
    assert.equal(msg(() => parseBind('a:b:c:d')), `invalid volume specification: 'a:b:c:d'`);
    assert.equal(msg(() => parseBind('/a:/b:ro,rw')), 'invalid mode: ro,rw');
    assert.equal(msg(() => parseBind('/a:/b:shared,slave')), 'invalid mode: shared,slave');
  });
  it('mode words', () => {
    for (const ok of ['', 'ro', 'rw', 'z', 'Z', 'nocopy', 'ro,z,rshared,nocopy']) assert.ok(validMountMode(ok), ok);
    for (const bad of ['rx', 'ro,ro', 'z,Z', 'nocopy,nocopy', 'private,rprivate']) assert.ok(!validMountMode(bad), bad);
  });
});

describe('--mount (HostConfig.Mounts)', () => {
  it('bind, volume and tmpfs', () => {
    const b = parseApiMount({ Type: 'bind', Source: '/h', Target: '/c', ReadOnly: true, BindOptions: { Propagation: 'rshared' } });
    assert.equal(b.Propagation, 'rshared');
    assert.equal(b.ReadOnly, true);
    assert.equal(b.CreateSource, false);
    const v = parseApiMount({ Type: 'volume', Source: 'n', Target: '/c', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } });
    assert.deepEqual([v.CopyData, v.Labels, v.Driver, v.DriverOpts], [false, { a: 'b' }, 'local', { type: 'tmpfs', device: 'tmpfs' }]);
    const t = parseApiMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 * 1024, Mode: 0o700 } });
    assert.equal(t.TmpfsData, 'size=1m,mode=700');
  });
  it("refuses what Docker refuses, with Docker's messages", () => {
    assert.equal(msg(() => parseApiMount({ Type: 'bind', Target: '/t' })), 'invalid mount config for type "bind": field Source must not be empty');
    assert.equal(msg(() => parseApiMount({ Type: 'bind', Source: 'rel', Target: '/t' })), `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`);
    assert.equal(msg(() => parseApiMount({ Type: 'volume', Source: 'v', Target: 'rel' })), `invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`);
    assert.equal(msg(() => parseApiMount({ Type: 'tmpfs', Source: 'x', Target: '/t' })), 'invalid mount config for type "tmpfs": field Source must not be specified');
    assert.equal(msg(() => parseApiMount({ Type: 'volume', Target: '/t', ReadOnly: true })), 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes');
    assert.equal(msg(() => parseApiMount({ Type: 'bind', Source: '/h', Target: '/t', BindOptions: { Propagation: 'sideways' } })), 'invalid mount config for type "bind": invalid propagation mode: sideways');
    assert.equal(msg(() => parseApiMount({ Type: 'nope', Target: '/t' })), 'invalid mount config for type "nope": mount type unknown');
    assert.match(msg(() => parseApiMount({ Type: 'volume', Source: 'v', Target: '/t', VolumeOptions: { Subpath: 'x' } })), /not implemented/);
    assert.match(msg(() => parseApiMount({ Type: 'image', Source: 'busybox', Target: '/t' })), /not implemented/);
  });
  it('tmpfs data as Docker writes it', () => {
    assert.equal(tmpfsData({ SizeBytes: 3 * 1024 ** 3 }, true), 'ro,size=3g');
    assert.equal(tmpfsData({ SizeBytes: 1000000, Mode: 0o1777 }, false), 'size=1000000,mode=1777');
    assert.equal(tmpfsData(undefined, false), '');
  });
});

describe('--volumes-from', () => {
  it('rw and ro, nothing else', () => {
    assert.deepEqual(parseVolumesFrom('box'), { container: 'box', readOnly: false });
    assert.deepEqual(parseVolumesFrom('box:ro'), { container: 'box', readOnly: true });
    assert.deepEqual(parseVolumesFrom('box:rw'), { container: 'box', readOnly: false });
    assert.equal(msg(() => parseVolumesFrom('box:rshared')), 'invalid mode: rshared');
    assert.equal(msg(() => parseVolumesFrom('box:nocopy')), 'invalid mode: nocopy');
    assert.equal(msg(() => parseVolumesFrom('')), 'volumes-from specification cannot be an empty string');
  });
});

describe('the local driver', () => {
  it('names', () => {
    checkVolumeName('ab');
    checkVolumeName('my_vol.1-x');
    assert.equal(msg(() => checkVolumeName('a')), 'volume name is too short, names should be at least two alphanumeric characters');
    assert.match(msg(() => checkVolumeName('a/b')), /^"a\/b" includes invalid characters for a local volume name/);
    assert.match(msg(() => checkVolumeName('-ab')), /invalid characters/);
  });
  it('options', () => {
    checkVolumeOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    checkVolumeOptions({ type: 'none', device: '/x', o: 'bind' });
    checkVolumeOptions(null);
    assert.equal(msg(() => checkVolumeOptions({ foo: 'bar' })), 'invalid option: "foo"');
    assert.equal(msg(() => checkVolumeOptions({ type: 'none' })), 'missing required option: "device"');
    assert.equal(msg(() => checkVolumeOptions({ o: 'bind' })), 'missing required option: "device"');
    assert.equal(msg(() => checkVolumeOptions({ device: '/x' })), 'missing required option: "type"');
    assert.equal(msg(() => checkVolumeOptions({ size: '1g' })), 'quota size requested but no quota support');
  });
});

describe('copy-up paths', () => {
  it('follow symlinks inside the root, never out of it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-unit-root-'));
    try {
      await mkdir(join(root, 'real/data'), { recursive: true });
      await symlink('/real', join(root, 'abs'));
      await symlink('../../..', join(root, 'real/up'));
      assert.equal(await resolveInRoot(root, '/abs/data'), join(root, 'real/data'));
      assert.equal(await resolveInRoot(root, '/real/up/real/data'), join(root, 'real/data'));
      assert.equal(await resolveInRoot(root, '/../../real'), join(root, 'real'));
      assert.equal(await resolveInRoot(root, '/missing'), null);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('CLI helpers', () => {
  it("natural order of volume names and key=value maps", () => {
    assert.deepEqual(['v10', 'v2', 'a', 'v1'].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0)), ['a', 'v1', 'v2', 'v10']);
    assert.deepEqual(kvMap(['a=b', 'c', 'd=e=f']), { a: 'b', c: '', d: 'e=f' });
  });
});
