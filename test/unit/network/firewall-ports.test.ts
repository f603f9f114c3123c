/**
 * Pure parts of networking: the iptables rules rendered from networks and
 * published ports, and the parsing of port bindings into requests and
 * Docker's NetworkSettings.Ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainNames, renderRules } from '../../../src/engine/network/firewall.js';
import { portRequests, portMap, parsePortKey } from '../../../src/engine/network/ports.js';

const ch = chainNames('BERTH-abc123');

test('chain names fit iptables (28 characters) and carry the prefix', () => {
  for (const c of Object.values(ch)) {
    assert.ok(c.length <= 28, c);
    assert.ok(c.startsWith('BERTH-abc123-'));
  }
});

test('rules: NAT, isolation, internal networks, published ports and hairpin', () => {
  const text = renderRules(ch, {
    bridges: [
      { name: 'berth0', subnets: ['172.17.0.0/16'], internal: false, icc: true, masquerade: true },
      { name: 'br-inside', subnets: ['10.9.0.0/24'], internal: true, icc: true, masquerade: true },
      { name: 'br-quiet', subnets: ['10.8.0.0/24'], internal: false, icc: false, masquerade: false },
    ],
    ports: [{ proto: 'tcp', hostIP: '127.0.0.1', hostPort: 8080, containerIP: '172.17.0.2', containerPort: 80, bridge: 'berth0' }, { proto: 'udp', hostIP: '', hostPort: 5353, containerIP: '172.17.0.3', containerPort: 53, bridge: 'berth0' }],
  });
  const lines = text.split('\n');
  // Two tables, each committed; declaring the chains flushes them.
  assert.deepEqual(lines.filter((l) => l.startsWith('*')), ['*filter', '*nat']);
  assert.equal(lines.filter((l) => l === 'COMMIT').length, 2);
  for (const c of [ch.forward, ch.iso1, ch.iso2, ch.dnat, ch.post]) assert.ok(lines.includes(`:${c} - [0:0]`), c);
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${text}`);
  has(`-A ${ch.dnat} -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`);
  has(`-A ${ch.dnat} -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.3:53`);
  has(`-A ${ch.forward} -d 172.17.0.2/32 ! -i berth0 -o berth0 -p tcp -m tcp --dport 80 -j ACCEPT`);
  has(`-A ${ch.post} -s 172.17.0.0/16 ! -o berth0 -j MASQUERADE`);
  has(`-A ${ch.post} -o berth0 -m addrtype --src-type LOCAL -j MASQUERADE`);
  has(`-A ${ch.post} -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE`);
  // Internal: dropped both ways at the first isolation stage, never masqueraded, no way out.
  has(`-A ${ch.iso1} -i br-inside ! -o br-inside -j DROP`);
  has(`-A ${ch.iso1} ! -i br-inside -o br-inside -j DROP`);
  assert.ok(!lines.some((l) => l.includes('10.9.0.0/24') && l.includes('MASQUERADE')));
  assert.ok(!lines.includes(`-A ${ch.forward} -i br-inside ! -o br-inside -j ACCEPT`));
  // icc off: traffic inside the bridge is dropped; masquerade off: no outbound NAT.
  has(`-A ${ch.forward} -i br-quiet -o br-quiet -j DROP`);
  assert.ok(!lines.some((l) => l.includes('10.8.0.0/24') && l.includes('MASQUERADE')));
  // Two-stage isolation: out of a non-internal bridge, into any other bridge, dropped.
  has(`-A ${ch.iso1} -i berth0 ! -o berth0 -j ${ch.iso2}`);
  for (const b of ['berth0', 'br-inside', 'br-quiet']) has(`-A ${ch.iso2} -o ${b} -j DROP`);
  // Nothing reaches a container from elsewhere but replies and published ports.
  const fwd = lines.filter((l) => l.startsWith(`-A ${ch.forward} `) && l.includes('-o berth0'));
  assert.equal(fwd.at(-1), `-A ${ch.forward} -o berth0 -j DROP`);
  // Rendering is deterministic (so an unchanged state is not applied twice).
  assert.equal(renderRules(ch, { bridges: [], ports: [] }), renderRules(ch, { bridges: [], ports: [] }));
});

test('IPv6 rules: the same filtering, IPv6 masquerading, no port forwarding or local masquerade', () => {
  const text = renderRules(ch, {
    bridges: [{ name: 'br-six', subnets: ['10.7.0.0/24'], subnets6: ['fd00:1::/64'], internal: false, icc: true, masquerade: true }],
    ports: [{ proto: 'tcp', hostIP: '', hostPort: 8080, containerIP: '10.7.0.2', containerPort: 80, bridge: 'br-six' }],
  }, 6);
  const lines = text.split('\n');
  assert.ok(lines.includes(`-A ${ch.post} -s fd00:1::/64 ! -o br-six -j MASQUERADE`));
  assert.ok(lines.includes(`-A ${ch.iso2} -o br-six -j DROP`));
  assert.ok(!text.includes('10.7.0'), 'no IPv4 address in IPv6 rules');
  assert.ok(!text.includes('addrtype'));
});

test('port bindings: Docker forms, ranges, -P, and NetworkSettings.Ports', () => {
  assert.deepEqual(parsePortKey('80'), { port: 80, proto: 'tcp' });
  assert.deepEqual(parsePortKey('53/udp'), { port: 53, proto: 'udp' });
  assert.throws(() => parsePortKey('0/tcp'), /invalid port specification/);
  assert.throws(() => parsePortKey('80/icmp'), /invalid proto: icmp/);
  const reqs = portRequests({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }], '53/udp': [{ HostPort: '5300-5310' }] }, true, { '80/tcp': {}, '443/tcp': {} });
  assert.deepEqual(reqs, [
    { containerPort: 80, proto: 'tcp', hostIP: '127.0.0.1', hostPorts: [8080, 8080] },
    { containerPort: 80, proto: 'tcp', hostIP: '', hostPorts: [0, 0] },
    { containerPort: 53, proto: 'udp', hostIP: '', hostPorts: [5300, 5310] },
    { containerPort: 443, proto: 'tcp', hostIP: '', hostPorts: [0, 0] },
  ]);
  assert.throws(() => portRequests({ '80/tcp': [{ HostIp: 'nope' }] }, false, {}), /invalid host IP address: nope/);
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: '90-80' }] }, false, {}), /invalid port specification/);
  assert.deepEqual(portMap({ '80/tcp': {}, '443/tcp': {} }, [{ containerPort: 80, proto: 'tcp', hostIP: '', hostPort: 32768 }]), {
    '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
    '443/tcp': null,
  });
});
