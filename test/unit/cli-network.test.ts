/**
 * Unit tests of the network commands' pieces (src/cli/commands/network/ and
 * the shared helpers they added): pflag's CSV reading of `strings` flags,
 * Go's net.ParseCIDR / IPNet.Contains rules, the IPAM.Config grouping with
 * docker's messages, the create/connect/disconnect bodies byte for byte (the
 * texts docker 28 sends, captured from it), the `network ls` rendering, the
 * typed network `inspect --format` runs on first, the prune report, `port` output, natural order, Go's time.Time.String of API
 * times, and the `filters` query as Go encodes it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../src/cli/flags/index.js';
import {
  buildConnectBody,
  buildDisconnectBody,
  buildNetworkCreateBody,
  driverOpts,
  ipamConfigs,
  NETWORK_CREATE_FLAGS,
  networkConnectCommand,
  networkDisconnectCommand,
  renderNetworkPruneReport,
  renderNetworks,
  type NetworkSummary,
} from '../../src/cli/commands/network/index.js';
import { goContains, goParseCIDR, goParseIP, goTrimSpace, labelError, linkError, readAsCsv, trimId } from '../../src/cli/commands/network/values.js';
import { GoTime, typedNetwork } from '../../src/cli/commands/network/typed.js';
import { OptsError } from '../../src/cli/commands/run/opts.js';
import { renderPorts } from '../../src/cli/commands/run/index.js';
import { encodeJSON, renderTemplate } from '../../src/cli/format/index.js';
import { filtersQuery, goTimeStringOfRfc3339, naturalCompare } from '../../src/cli/commands/common.js';

const createArgs = (argv: string[]) => parseFlags(NETWORK_CREATE_FLAGS, argv);
const connectArgs = (argv: string[]) => parseFlags(networkConnectCommand.flags ?? [], argv);

describe('readAsCsv (pflag strings)', () => {
  it('splits on commas, groups quoted fields, unescapes doubled quotes', () => {
    assert.deepEqual(readAsCsv(''), []);
    assert.deepEqual(readAsCsv('a'), ['a']);
    assert.deepEqual(readAsCsv('a,b,,c'), ['a', 'b', '', 'c']);
    assert.deepEqual(readAsCsv('"a,b",c'), ['a,b', 'c']);
    assert.deepEqual(readAsCsv('"say ""hi""",x'), ['say "hi"', 'x']);
    assert.deepEqual(readAsCsv('a,'), ['a', '']);
    assert.deepEqual(readAsCsv(' a , b'), [' a ', ' b']);
  });

  it("refuses stray quotes with encoding/csv's messages", () => {
    assert.throws(() => readAsCsv('a"b'), { message: 'parse error on line 1, column 2: bare " in non-quoted-field' });
    assert.throws(() => readAsCsv('x,a"b'), { message: 'parse error on line 1, column 4: bare " in non-quoted-field' });
    assert.throws(() => readAsCsv('"a"b'), { message: 'parse error on line 1, column 3: extraneous or missing " in quoted-field' });
    assert.throws(() => readAsCsv('"abc'), { message: 'parse error on line 1, column 5: extraneous or missing " in quoted-field' });
  });
});

describe("Go's net rules", () => {
  it('parses CIDRs as net.ParseCIDR does (leading zeros in the length, not in the address)', () => {
    assert.equal(goParseCIDR('10.0.0.0/08').net.mask, 0xff000000n);
    assert.throws(() => goParseCIDR('010.0.0.0/8'), { message: 'invalid CIDR address: 010.0.0.0/8' });
    assert.throws(() => goParseCIDR('10.0.0.0/33'), { message: 'invalid CIDR address: 10.0.0.0/33' });
    assert.throws(() => goParseCIDR('10.0.0.0/'), { message: 'invalid CIDR address: 10.0.0.0/' });
    assert.throws(() => goParseCIDR('10.0.0.1'), { message: 'invalid CIDR address: 10.0.0.1' });
    assert.throws(() => goParseCIDR('fe80::1%eth0/64'), { message: 'invalid CIDR address: fe80::1%eth0/64' });
  });

  it('keeps the address as written and masks the network', () => {
    const r = goParseCIDR('10.0.0.7/24');
    assert.equal(r.ip, goParseIP('10.0.0.7'));
    assert.deepEqual(r.net, { len: 4, ip: 0x0a000000n, mask: 0xffffff00n });
  });

  it('contains IPv4 addresses in IPv4-mapped networks and not in others', () => {
    const v4 = goParseCIDR('10.0.0.0/8').net;
    assert.equal(goContains(v4, goParseIP('10.1.2.3')), true);
    assert.equal(goContains(v4, goParseIP('::ffff:10.1.2.3')), true);
    assert.equal(goContains(v4, goParseIP('11.0.0.1')), false);
    assert.equal(goContains(v4, goParseIP('bad')), false);
    const mapped = goParseCIDR('::ffff:10.0.0.0/104').net;
    assert.equal(goContains(mapped, goParseIP('10.9.9.9')), true);
    const v6 = goParseCIDR('2001:db8::/64').net;
    assert.equal(goContains(v6, goParseIP('2001:db8::1')), true);
    assert.equal(goContains(v6, goParseIP('10.0.0.1')), false);
    assert.equal(goContains(goParseCIDR('::/0').net, goParseIP('10.0.0.1')), false);
  });
});

describe('IPAM.Config grouping', () => {
  const cfg = (subnets: string[], ipRanges: string[] = [], gateways: string[] = [], aux: Array<[string, string]> = []) =>
    ipamConfigs({ subnets, ipRanges, gateways, auxAddresses: new Map(aux) });
  const refused = (f: () => unknown, message: string) =>
    assert.throws(f, (e: unknown) => e instanceof OptsError && e.kind === 'parse' && e.message === message);

  it('puts each range, gateway and aux address in the subnet holding it, subnets in the order given', () => {
    assert.deepEqual(cfg(['10.2.0.0/16', '10.1.0.0/16', '2001:db8::/64'], ['10.1.1.0/24'], ['2001:db8::1', '10.2.0.1'], [['b', '10.2.0.6'], ['a', '10.2.0.5']]), [
      { Subnet: '10.2.0.0/16', Gateway: '10.2.0.1', AuxiliaryAddresses: { a: '10.2.0.5', b: '10.2.0.6' } },
      { Subnet: '10.1.0.0/16', IPRange: '10.1.1.0/24' },
      { Subnet: '2001:db8::/64', Gateway: '2001:db8::1' },
    ]);
    assert.deepEqual(cfg([]), []);
    // Subnets pass as typed when nothing has to be matched against them.
    assert.deepEqual(cfg(['bogus']), [{ Subnet: 'bogus' }]);
  });

  it("refuses what docker refuses, with docker's messages", () => {
    refused(() => cfg([], [], ['10.0.0.1']), 'every ip-range or gateway must have a corresponding subnet');
    refused(() => cfg(['10.0.0.0/8', '10.1.0.0/16']), 'multiple overlapping subnet configuration is not supported');
    refused(() => cfg(['10.0.0.0/8'], [], ['11.0.0.1']), 'no matching subnet for gateway 11.0.0.1');
    refused(() => cfg(['10.0.0.0/8', '11.0.0.0/8'], [], ['10.0.0.1', '10.0.0.2']), 'cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/8)');
    refused(() => cfg(['10.0.0.0/8', '11.0.0.0/8'], ['10.1.0.0/16', '10.2.0.0/16']), 'cannot configure multiple ranges (10.2.0.0/16, 10.1.0.0/16) on the same subnet (10.0.0.0/8)');
    refused(() => cfg(['10.0.0.0/8'], ['11.0.0.0/16']), 'no matching subnet for range 11.0.0.0/16');
    refused(() => cfg(['10.0.0.0/8'], ['10.0.0.1']), 'invalid CIDR address: 10.0.0.1');
    refused(() => cfg(['10.0.0.0/8'], [], [], [['a', '11.0.0.1']]), 'no matching subnet for aux-address 11.0.0.1');
    refused(() => cfg(['10.0.0.0/8', 'bogus']), 'invalid subnet: invalid CIDR address: bogus');
  });
});

describe('network create body', () => {
  it('is what docker sends for a bare `network create n1`', () => {
    assert.equal(
      JSON.stringify(buildNetworkCreateBody(createArgs(['n1']))),
      '{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{},"Name":"n1"}',
    );
  });

  it('is what docker sends with every option', () => {
    const argv = [
      '--subnet', '10.1.0.0/16', '--subnet', '10.2.0.0/16', '--gateway', '10.2.0.1', '--ip-range', '10.1.1.0/24', '--aux-address', 'a=10.1.0.5', '--aux-address', 'b=10.2.0.6',
      '--ipv6', '--internal', '--attachable', '--label', 'x=y', '--label', 'z', '-o', 'com.docker.network.bridge.name=br0', '--ipam-driver', 'foo', '--ipam-opt', 'k=v',
      '--scope', 'local', '--ingress', '--config-only', '--config-from', 'other', 'n2',
    ];
    assert.equal(
      JSON.stringify(buildNetworkCreateBody(createArgs(argv))),
      '{"Driver":"bridge","Scope":"local","EnableIPv6":true,"IPAM":{"Driver":"foo","Options":{"k":"v"},"Config":[{"Subnet":"10.1.0.0/16","IPRange":"10.1.1.0/24","AuxiliaryAddresses":{"a":"10.1.0.5"}},{"Subnet":"10.2.0.0/16","Gateway":"10.2.0.1","AuxiliaryAddresses":{"b":"10.2.0.6"}}]},"Internal":true,"Attachable":true,"Ingress":true,"ConfigOnly":true,"ConfigFrom":{"Network":"other"},"Options":{"com.docker.network.bridge.name":"br0"},"Labels":{"x":"y","z":""},"Name":"n2"}',
    );
  });

  it('sends EnableIPv4 only when --ipv4 is given, before EnableIPv6', () => {
    const body = buildNetworkCreateBody(createArgs(['--ipv6=false', '--ipv4=false', 'n3']));
    assert.deepEqual(Object.keys(body).slice(0, 4), ['Driver', 'Scope', 'EnableIPv4', 'EnableIPv6']);
    assert.equal(body.EnableIPv4, false);
    assert.equal('EnableIPv4' in buildNetworkCreateBody(createArgs(['n3'])), false);
  });

  it('refuses bad labels and CSV as flag errors', () => {
    const flagError = (argv: string[], message: string) =>
      assert.throws(() => buildNetworkCreateBody(createArgs(argv)), (e: unknown) => e instanceof OptsError && e.kind === 'flag' && e.message === message);
    flagError(['--label', 'a b=c', 'n'], `invalid argument "a b=c" for "--label" flag: label 'a b' contains whitespaces`);
    flagError(['--label', '=x', 'n'], `invalid argument "=x" for "--label" flag: invalid label '=x': empty name`);
    flagError(['--subnet', 'a"b', 'n'], `invalid argument "a\\"b" for "--subnet" flag: parse error on line 1, column 2: bare " in non-quoted-field`);
  });

  it('validates labels and links as the opts package does', () => {
    assert.equal(labelError(' a=b c'), undefined);
    assert.equal(labelError(' d =x'), "label 'd ' contains whitespaces");
    assert.equal(labelError('\t'), "invalid label '\t': empty name");
    assert.equal(linkError('db'), undefined);
    assert.equal(linkError('db:alias'), undefined);
    assert.equal(linkError(''), 'empty string specified for links');
    assert.equal(linkError('a:b:c'), 'bad format for links: a:b:c');
  });
});

describe('network connect and disconnect bodies', () => {
  it('are what docker sends', () => {
    const bare = buildConnectBody(connectArgs(['net', 'ctr']));
    assert.equal(bare.network, 'net');
    assert.equal(
      JSON.stringify(bare.body),
      '{"Container":"ctr","EndpointConfig":{"IPAMConfig":{},"Links":null,"Aliases":[],"MacAddress":"","DriverOpts":{},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}',
    );
    const argv = [
      '--alias', 'a', '--alias', 'b,c', '--ip', '10.0.0.2', '--ip6', '2001:db8::2', '--link', 'x', '--link', 'y:z', '--link-local-ip', '169.254.0.1', '--link-local-ip', 'fe80::1',
      '--driver-opt', 'k=v', '--driver-opt', 'a = b ', '--gw-priority', '5', 'net', 'ctr',
    ];
    assert.equal(
      JSON.stringify(buildConnectBody(connectArgs(argv)).body),
      '{"Container":"ctr","EndpointConfig":{"IPAMConfig":{"IPv4Address":"10.0.0.2","IPv6Address":"2001:db8::2","LinkLocalIPs":["169.254.0.1","fe80::1"]},"Links":["x","y:z"],"Aliases":["a","b","c"],"MacAddress":"","DriverOpts":{"a":"b","k":"v"},"GwPriority":5,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}',
    );
    const d = buildDisconnectBody(parseFlags(networkDisconnectCommand.flags ?? [], ['-f', ' net ', ' ctr ']));
    assert.equal(d.network, 'net');
    assert.equal(JSON.stringify(d.body), '{"Container":"ctr","Force":true}');
  });

  it('refuses bad driver options and empty references', () => {
    assert.throws(() => driverOpts(['novalue']), { message: 'invalid key/value pair format in driver options' });
    assert.throws(() => driverOpts([' =v']), { message: 'invalid key/value pair format in driver options' });
    assert.throws(() => buildConnectBody(connectArgs(['', 'ctr'])), { message: 'invalid network name or ID: value is empty' });
    assert.throws(() => buildConnectBody(connectArgs(['net', ' '])), { message: 'invalid container name or ID: value is empty' });
    assert.equal(trimId('network', '\u00a0n\u3000'), 'n');
    assert.equal(goTrimSpace('\ufeffx'), '\ufeffx');
  });
});

describe('network ls rendering', () => {
  const nets: NetworkSummary[] = [
    { Name: 'net10', Id: 'b'.repeat(64), Driver: 'bridge', Scope: 'local', Created: '2024-01-02T03:04:05.120Z', EnableIPv6: true, Labels: { z: '1', a: '2' } },
    { Name: 'net9', Id: 'c'.repeat(64), Driver: 'overlay', Scope: 'swarm', Created: '2024-01-02T03:04:05Z' },
    { Name: 'Bridge', Id: 'short', Driver: 'bridge', Scope: 'local' },
  ];

  it('prints the default table sorted in natural order, IDs cut to 12', () => {
    assert.equal(
      renderNetworks(nets),
      'NETWORK ID     NAME      DRIVER    SCOPE\nshort          Bridge    bridge    local\ncccccccccccc   net9      overlay   swarm\nbbbbbbbbbbbb   net10     bridge    local\n',
    );
  });

  it('-q prints IDs, but a custom format wins over it', () => {
    assert.equal(renderNetworks(nets, { quiet: true, noTrunc: true }), `short\n${'c'.repeat(64)}\n${'b'.repeat(64)}\n`);
    assert.equal(renderNetworks(nets, { quiet: true, format: '{{.Name}}' }), 'Bridge\nnet9\nnet10\n');
  });

  it('json has every field, labels sorted, times as Go prints them', () => {
    const line = renderNetworks(nets.slice(0, 1), { format: 'json' });
    assert.equal(
      line,
      '{"CreatedAt":"2024-01-02 03:04:05.12 +0000 UTC","Driver":"bridge","ID":"bbbbbbbbbbbb","IPv4":"false","IPv6":"true","Internal":"false","Labels":"a=2,z=1","Name":"net10","Scope":"local"}\n',
    );
  });

  it('names the row type in template errors as docker does', () => {
    assert.throws(() => renderNetworks(nets, { format: '{{.Nope}}' }), /can't evaluate field Nope in type \*network\.networkContext/);
  });

  it('prints the prune report', () => {
    assert.equal(renderNetworkPruneReport({ NetworksDeleted: ['a', 'b'] }), 'Deleted Networks:\na\nb\n\n');
    assert.equal(renderNetworkPruneReport({ NetworksDeleted: null }), '');
    assert.equal(renderNetworkPruneReport({}), '');
  });
});

describe('typed network (inspect --format)', () => {
  const raw = { Name: 'n', Id: 'abc', Created: '2024-02-03T04:05:06.700+14:45', IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.0.0/8' }] }, Labels: { b: '2', a: '1' }, Extra: 1 };

  it('has every field of network.Inspect, in order, with Go zero values', () => {
    assert.equal(
      renderTemplate('{{.}}', typedNetwork(raw)),
      '{n abc 2024-02-03 04:05:06.7 +1445 +1445   false false {default map[] [{10.0.0.0/8   map[]}]} false false false {} false map[] map[] map[a:1 b:2] [] map[]}',
    );
    assert.equal(renderTemplate('{{.ID}}', typedNetwork(raw)), 'abc');
    assert.throws(() => renderTemplate('{{.Id}}', typedNetwork(raw)), /can't evaluate field Id in type network\.Inspect/);
  });

  it('encodes as docker re-encodes it: JSON names, nil maps as null, omitempty', () => {
    assert.equal(
      encodeJSON(typedNetwork(raw)),
      '{"Name":"n","Id":"abc","Created":"2024-02-03T04:05:06.7+14:45","Scope":"","Driver":"","EnableIPv4":false,"EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"10.0.0.0/8"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":null,"Options":null,"Labels":{"a":"1","b":"2"}}',
    );
    assert.equal(JSON.stringify(new GoTime(undefined)), '"0001-01-01T00:00:00Z"');
    assert.equal(new GoTime('2024-01-02T03:04:05.000Z').toJSON(), '2024-01-02T03:04:05Z');
  });
});

describe('port rendering', () => {
  const ports = {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '8080' },
      { HostIp: '::', HostPort: '8080' },
    ],
    '9/udp': [{ HostIp: '', HostPort: '9' }],
    '443/tcp': null,
  };

  it('lists every binding in natural order, IPv6 hosts in brackets', () => {
    assert.equal(renderPorts(ports, 'web'), '9/udp -> :9\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n');
    assert.equal(renderPorts(ports, 'web', '80'), '0.0.0.0:8080\n[::]:8080\n');
    assert.equal(renderPorts({}, 'web'), '');
  });

  it("refuses unpublished and invalid ports with docker's messages", () => {
    assert.throws(() => renderPorts(ports, 'web', '443'), { message: "Error: No public port '443' published for web" });
    assert.throws(() => renderPorts(ports, 'web', '9'), { message: "Error: No public port '9' published for web" });
    assert.throws(() => renderPorts(ports, 'web', 'http/tcp'), { message: 'Error: invalid port (http): strconv.ParseUint: parsing "http": invalid syntax' });
    assert.throws(() => renderPorts(ports, 'web', '65536'), { message: 'Error: invalid port (65536): strconv.ParseUint: parsing "65536": value out of range' });
  });
});

describe('shared helpers', () => {
  it('naturalCompare orders as sortorder.NaturalLess', () => {
    const sorted = ['net10', 'net9', 'net09', 'a', 'B', 'net', '10', '9', 'net9a', 'é'].sort(naturalCompare);
    // On equal numbers the one with fewer leading zeros wins at once: net9a before net09.
    assert.deepEqual(sorted, ['9', '10', 'B', 'a', 'net', 'net9', 'net9a', 'net09', 'net10', 'é']);
  });

  it("goTimeStringOfRfc3339 prints Go's time.Time.String of an API time", () => {
    assert.equal(goTimeStringOfRfc3339('2024-01-02T03:04:05Z'), '2024-01-02 03:04:05 +0000 UTC');
    assert.equal(goTimeStringOfRfc3339('2024-01-02T03:04:05.123456789Z'), '2024-01-02 03:04:05.123456789 +0000 UTC');
    assert.equal(goTimeStringOfRfc3339('2024-01-02T03:04:05.500Z'), '2024-01-02 03:04:05.5 +0000 UTC');
    assert.equal(goTimeStringOfRfc3339(undefined), '0001-01-01 00:00:00 +0000 UTC');
    assert.equal(goTimeStringOfRfc3339('yesterday'), '0001-01-01 00:00:00 +0000 UTC');
    // An offset the local zone does not have then: Go's unnamed zone prints the offset twice.
    assert.equal(goTimeStringOfRfc3339('2024-01-02T03:04:05+14:45'), '2024-01-02 03:04:05 +1445 +1445');
  });

  it('filtersQuery writes the map as Go does: sorted keys, HTML characters escaped', () => {
    assert.equal(filtersQuery({}), undefined);
    assert.equal(filtersQuery({ name: { b: true, a: true, '10': true, '9': true }, label: { 'x<y&z': true } }), '{"label":{"x\\u003cy\\u0026z":true},"name":{"10":true,"9":true,"a":true,"b":true}}');
  });
});
