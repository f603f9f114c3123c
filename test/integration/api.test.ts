/**
 * The API server against a real berthd: version prefixes, headers, errors and
 * malformed requests. After every abuse the daemon must still answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startDaemon, rawExchange, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d?.stop();
});

async function stillUp() {
  const r = await d.request('GET', '/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'OK');
}

test('_ping answers GET and HEAD, with and without a version, with dockerd headers', async () => {
  for (const path of ['/_ping', '/v1.24/_ping', '/v1.50/_ping']) {
    const r = await d.request('GET', path);
    assert.equal(r.status, 200, path);
    assert.equal(r.body, 'OK');
    assert.equal(r.headers['api-version'], '1.50');
    assert.equal(r.headers['ostype'], 'linux');
    assert.equal(r.headers['docker-experimental'], 'false');
    assert.equal(r.headers['builder-version'], '1');
    assert.equal(r.headers['swarm'], 'inactive');
    assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.match(String(r.headers['server']), /^Berth\//);
  }
  const h = await d.request('HEAD', '/_ping');
  assert.equal(h.status, 200);
  assert.equal(h.body, '');
  assert.equal(h.headers['api-version'], '1.50');
});

test('API versions: 1.24 to 1.50 accepted, others refused with dockerd messages', async () => {
  for (const v of ['1.24', '1.40', '1.50']) assert.equal((await d.request('GET', `/v${v}/version`)).status, 200, v);
  const high = await d.request('GET', '/v1.51/version');
  assert.equal(high.status, 400);
  assert.deepEqual(JSON.parse(high.body), { message: 'client version 1.51 is too new. Maximum supported API version is 1.50' });
  const low = await d.request('GET', '/v1.23/info');
  assert.equal(low.status, 400);
  assert.deepEqual(JSON.parse(low.body), {
    message: 'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
  });
  assert.equal((await d.request('GET', '/v2.0/version')).status, 400);
  assert.equal((await d.request('GET', '/vx/version')).status, 404);
});

test('/version and /info describe this host truthfully', async () => {
  const v = JSON.parse((await d.request('GET', '/version')).body) as Record<string, unknown>;
  assert.equal(v.ApiVersion, '1.50');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Os, 'linux');
  assert.equal(v.KernelVersion, os.release());
  assert.equal((v.Platform as { Name: string }).Name, 'Berth Engine');
  const engine = (v.Components as Array<{ Name: string }>).find((c) => c.Name === 'Engine');
  assert.ok(engine);
  const i = JSON.parse((await d.request('GET', '/info')).body) as Record<string, unknown>;
  assert.equal(i.NCPU, os.availableParallelism());
  assert.equal(i.MemTotal, os.totalmem());
  assert.equal(i.KernelVersion, os.release());
  assert.equal(i.DockerRootDir, d.dataRoot);
  assert.equal(i.OSType, 'linux');
  assert.equal(i.Architecture, os.machine());
  assert.equal(i.Name, os.hostname());
  assert.equal(i.Driver, 'overlayfs');
  assert.equal(i.CgroupDriver, 'cgroupfs');
  assert.ok(i.CgroupVersion === '1' || i.CgroupVersion === '2');
  assert.equal(i.Containers, 0);
  assert.equal(i.Images, 0);
  assert.match(String(i.ID), /^[0-9a-f-]{36}$/);
  assert.match(String(i.SystemTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal((i.Swarm as { LocalNodeState: string }).LocalNodeState, 'inactive');
  const osRelease = await import('node:fs/promises').then((fs) => fs.readFile('/etc/os-release', 'utf8'));
  assert.ok(osRelease.includes(String(i.OperatingSystem)));
});

test('unknown paths are 404, operations not built yet are 501', async () => {
  const nf = await d.request('GET', '/no/such/thing');
  assert.equal(nf.status, 404);
  assert.deepEqual(JSON.parse(nf.body), { message: 'page not found' });
  assert.equal((await d.request('DELETE', '/_ping')).status, 404);
  const ni = await d.request('GET', '/v1.50/plugins');
  assert.equal(ni.status, 501);
  assert.match(JSON.parse(ni.body).message, /PluginList .* not implemented/);
  assert.equal(ni.headers['content-type'], 'application/json');
  await stillUp();
});

test('bad JSON bodies, wrong content types and huge bodies get 4xx', async () => {
  const bad = await d.request('POST', '/containers/create', { headers: { 'Content-Type': 'application/json' }, body: '{"Image": ' });
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).message, /^invalid JSON: /);
  const trailing = await d.request('POST', '/containers/create', { headers: { 'Content-Type': 'application/json' }, body: '{} {}' });
  assert.equal(trailing.status, 400);
  const ct = await d.request('POST', '/containers/create', { headers: { 'Content-Type': 'text/plain' }, body: '{}' });
  assert.equal(ct.status, 400);
  assert.equal(JSON.parse(ct.body).message, "unsupported Content-Type header (text/plain): must be 'application/json'");
  const malformedCt = await d.request('POST', '/networks/create', { headers: { 'Content-Type': ';;' }, body: '{}' });
  assert.equal(malformedCt.status, 400);
  const declared = await rawExchange(
    d.socket,
    'POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{',
  );
  assert.match(declared, /^HTTP\/1.1 413 /);
  // A chunked body that grows past the cap: the daemon answers 413 and closes while the client is still sending.
  const chunk = 'x'.repeat(1024 * 1024);
  let stream = 'POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (let i = 0; i < 20; i++) stream += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
  assert.match(await rawExchange(d.socket, stream, 5000), /^HTTP\/1.1 413 /);
  // Well-formed JSON reaches the operation, which is not built yet.
  const ok = await d.request('POST', '/swarm/init', { headers: { 'Content-Type': 'application/json' }, body: '{"ListenAddr":"127.0.0.1"}' });
  assert.equal(ok.status, 501);
  await stillUp();
});

test('path traversal and malformed paths are refused', async () => {
  for (const p of ['/containers/../../etc/passwd/json', '/v1.50/containers/../info', '/images/..%2F..%2Fetc/json', '/containers/%2e%2e/json', '//info', '/containers/./x/json']) {
    const r = await rawExchange(d.socket, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(r, /^HTTP\/1.1 (400|404) /, p);
  }
  const esc = await d.request('GET', '/containers/%E0%A4%A/json');
  assert.equal(esc.status, 400);
  await stillUp();
});

test('garbage on the wire and oversized headers do not hurt the daemon', async () => {
  assert.match(await rawExchange(d.socket, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1.1 400 /);
  assert.match(await rawExchange(d.socket, `GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`), /^HTTP\/1.1 431 /);
  assert.equal(await rawExchange(d.socket, 'GET /_ping HTTP/1.1\r\nHost: x\r\n', 300), '');
  await stillUp();
});

test('an Upgrade request to a route that does not hijack gets a normal answer', async () => {
  const r = await rawExchange(d.socket, 'GET /v1.50/version HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  assert.match(r, /^HTTP\/1.1 200 OK/);
  assert.match(r, /"ApiVersion":"1.50"/);
  await stillUp();
});
