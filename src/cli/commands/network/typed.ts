/**
 * A network as docker's CLI holds it after decoding GET /networks/{id} into
 * its Go type (network.Inspect), for `network inspect --format`: docker runs
 * a template on that typed value first and only on failure on the raw JSON.
 * The typed value differs where templates can see it: every field exists
 * (zero values for absent ones), `.ID` not `.Id`, `Created` is a time.Time
 * (`2024-01-02 03:04:05 +0000 UTC`), structs print as `{a b c}`, absent maps
 * and slices print `map[]`/`[]` but encode as null, and `{{json .}}` follows
 * the struct's field order and omitempty tags.
 */
import { GO_TYPE } from '../../format/index.js';
import { goTimeStringOfRfc3339 } from '../common.js';

type Raw = Record<string, unknown>;

/** One field of a Go struct: template name, value, JSON name, omitempty. */
type Field = [name: string, value: unknown, json?: string, omitEmpty?: boolean];

/** A Go struct value: fields as own properties in declaration order, MarshalJSON with the JSON tags. */
function goStruct(type: string, fields: readonly Field[]): object {
  const s: Record<string, unknown> = {};
  for (const [name, value] of fields) s[name] = value;
  Object.defineProperty(s, GO_TYPE, { value: type, enumerable: false });
  Object.defineProperty(s, 'toJSON', {
    enumerable: false,
    value: () => {
      const out: Record<string, unknown> = {};
      for (const [name, value, json, omitEmpty] of fields) {
        if (omitEmpty && isEmptyValue(value)) continue;
        out[json ?? name] = value;
      }
      return out;
    },
  });
  return s;
}

/** encoding/json's isEmptyValue for the kinds used here. */
function isEmptyValue(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false;
}

/** A nil Go map or slice: prints empty, encodes as null. */
function nil<T extends object>(v: T): T {
  Object.defineProperty(v, 'toJSON', { enumerable: false, value: () => null });
  return v;
}

/** The value of a raw JSON object's key as Go's decoder finds it (exact name first, then case-insensitively). */
function get(raw: unknown, key: string): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Raw;
  if (key in r) return r[key];
  const lower = key.toLowerCase();
  const k = Object.keys(r).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : r[k];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true;
const int = (v: unknown): number | bigint => (typeof v === 'number' || typeof v === 'bigint' ? v : 0);

function stringMap(v: unknown): Map<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return nil(new Map());
  return new Map(Object.entries(v as Raw).map(([k, x]) => [k, str(x)]));
}

function structMap(v: unknown, of: (x: unknown) => object): Map<string, object> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return nil(new Map());
  return new Map(Object.entries(v as Raw).map(([k, x]) => [k, of(x)]));
}

function slice<T>(v: unknown, of: (x: unknown) => T): T[] {
  return Array.isArray(v) ? v.map(of) : nil([]);
}

/** time.Time decoded from RFC 3339 text: String() as Go prints it, MarshalJSON as RFC3339Nano. */
export class GoTime {
  readonly #text: string | undefined;
  constructor(text: string | undefined) {
    this.#text = text;
    Object.defineProperty(this, GO_TYPE, { value: 'time.Time', enumerable: false });
  }
  String(): string {
    return goTimeStringOfRfc3339(this.#text);
  }
  toJSON(): string {
    // The same wall time, zone as an offset (`Z` for zero), fraction without trailing zeros.
    const s = this.String();
    const m = /^(\S+) (\S+) ([+-])(\d\d)(\d\d) /.exec(s);
    if (!m) return '0001-01-01T00:00:00Z';
    const [, date, time, sign, hh, mm] = m as unknown as [string, string, string, string, string, string];
    return `${date}T${time}${hh === '00' && mm === '00' ? 'Z' : `${sign}${hh}:${mm}`}`;
  }
}

const ipamConfig = (c: unknown): object =>
  goStruct('network.IPAMConfig', [
    ['Subnet', str(get(c, 'Subnet')), undefined, true],
    ['IPRange', str(get(c, 'IPRange')), undefined, true],
    ['Gateway', str(get(c, 'Gateway')), undefined, true],
    ['AuxAddress', stringMap(get(c, 'AuxiliaryAddresses')), 'AuxiliaryAddresses', true],
  ]);

const endpoint = (e: unknown): object =>
  goStruct('network.EndpointResource', [
    ['Name', str(get(e, 'Name'))],
    ['EndpointID', str(get(e, 'EndpointID'))],
    ['MacAddress', str(get(e, 'MacAddress'))],
    ['IPv4Address', str(get(e, 'IPv4Address'))],
    ['IPv6Address', str(get(e, 'IPv6Address'))],
  ]);

const task = (t: unknown): object =>
  goStruct('network.Task', [
    ['Name', str(get(t, 'Name'))],
    ['EndpointID', str(get(t, 'EndpointID'))],
    ['EndpointIP', str(get(t, 'EndpointIP'))],
    ['Info', stringMap(get(t, 'Info'))],
  ]);

const serviceInfo = (s: unknown): object =>
  goStruct('network.ServiceInfo', [
    ['VIP', str(get(s, 'VIP'))],
    ['Ports', slice(get(s, 'Ports'), str)],
    ['LocalLBIndex', int(get(s, 'LocalLBIndex'))],
    ['Tasks', slice(get(s, 'Tasks'), task)],
  ]);

/** The network.Inspect value docker decodes a GET /networks/{id} answer into. */
export function typedNetwork(raw: unknown): object {
  const ipam = get(raw, 'IPAM');
  const created = get(raw, 'Created');
  return goStruct('network.Inspect', [
    ['Name', str(get(raw, 'Name'))],
    ['ID', str(get(raw, 'Id')), 'Id'],
    ['Created', new GoTime(typeof created === 'string' ? created : undefined)],
    ['Scope', str(get(raw, 'Scope'))],
    ['Driver', str(get(raw, 'Driver'))],
    ['EnableIPv4', bool(get(raw, 'EnableIPv4'))],
    ['EnableIPv6', bool(get(raw, 'EnableIPv6'))],
    [
      'IPAM',
      goStruct('network.IPAM', [
        ['Driver', str(get(ipam, 'Driver'))],
        ['Options', stringMap(get(ipam, 'Options'))],
        ['Config', slice(get(ipam, 'Config'), ipamConfig)],
      ]),
    ],
    ['Internal', bool(get(raw, 'Internal'))],
    ['Attachable', bool(get(raw, 'Attachable'))],
    ['Ingress', bool(get(raw, 'Ingress'))],
    ['ConfigFrom', goStruct('network.ConfigReference', [['Network', str(get(get(raw, 'ConfigFrom'), 'Network'))]])],
    ['ConfigOnly', bool(get(raw, 'ConfigOnly'))],
    ['Containers', structMap(get(raw, 'Containers'), endpoint)],
    ['Options', stringMap(get(raw, 'Options'))],
    ['Labels', stringMap(get(raw, 'Labels'))],
    ['Peers', slice(get(raw, 'Peers'), (p) => goStruct('network.PeerInfo', [['Name', str(get(p, 'Name'))], ['IP', str(get(p, 'IP'))]])), undefined, true],
    ['Services', structMap(get(raw, 'Services'), serviceInfo), undefined, true],
  ]);
}
