/**
 * Unit tests of the volume store on a temporary directory: concurrent
 * creates of one name make one volume, a volume held by a container being
 * created (or used by one) is not removed or pruned, prune takes anonymous
 * volumes only unless `all`, and start-up repair of half-made volumes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolumeStore } from '../../../src/engine/volumes/store.js';
import { EventBus } from '../../../src/engine/events/bus.js';
import { Filters } from '../../../src/engine/filters.js';
import { Logger } from '../../../src/lib/log.js';

const quiet = new Logger({ write: () => {} });

async function withStore(fn: (s: VolumeStore, root: string, events: EventBus) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-unit-vol-'));
  try {
    const events = new EventBus();
    await fn(await VolumeStore.open(root, events, quiet), root, events);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('volume store', () => {
  it('concurrent creates of one name make one volume', async () => {
    await withStore(async (s) => {
      const made = await Promise.all(Array.from({ length: 5 }, () => s.create({ name: 'same' })));
      assert.equal(made.filter((m) => m.created).length, 1);
      assert.equal(s.list().length, 1);
    });
  });
  it('volumes in use stay; prune takes anonymous ones unless all', async () => {
    await withStore(async (s) => {
      await s.create({ name: 'named' });
      const anon = (await s.create({ anonymous: true })).volume.Name;
      const held = (await s.create({ anonymous: true })).volume.Name;
      s.hold('c1', held);
      s.hold('c1', 'named');
      await assert.rejects(s.remove('named'), /remove named: volume is in use - \[c1\]/);
      await assert.rejects(s.remove('named', { force: true }), /in use/);
      const p = await s.prune(new Filters());
      assert.deepEqual(p.deleted, [anon]);
      s.unhold('c1');
      s.setUsers(() => [{ ID: 'c2', State: { Running: false }, MountPoints: [{ Type: 'volume', Name: 'named', Source: '', Destination: '/n', Mode: '', RW: true, Propagation: '' }] }]);
      assert.deepEqual((await s.prune(new Filters().add('all', 'true'))).deleted, [held]);
      assert.deepEqual(s.filter(new Filters().add('dangling', 'false')).map((v) => v.Name), ['named']);
      assert.throws(() => s.filter(new Filters().add('dangling', 'maybe')), /invalid filter 'dangling=maybe'/);
      assert.throws(() => s.filter(new Filters().add('bogus', 'x')), /invalid filter 'bogus'/);
    });
  });
  it('start-up removes empty half-made volumes, keeps data of unrecorded ones, sweeps removals', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-unit-vol-'));
    try {
      await mkdir(join(root, 'empty', '_data'), { recursive: true });
      await mkdir(join(root, 'withdata', '_data'), { recursive: true });
      await writeFile(join(root, 'withdata', '_data', 'f'), 'x');
      await mkdir(join(root, '.berth-tmp-rm-old-1234', '_data'), { recursive: true });
      const s = await VolumeStore.open(root, new EventBus(), quiet);
      assert.deepEqual(s.list().map((v) => v.Name), ['withdata']);
      assert.deepEqual((await readdir(root)).sort(), ['withdata']);
      const again = await VolumeStore.open(root, new EventBus(), quiet);
      assert.equal(again.get('withdata').Driver, 'local');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
