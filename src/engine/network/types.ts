/**
 * The shapes engine/network shares with the container store and the API
 * layer: networks and container endpoints as the Engine API shows them
 * (NetworkResource, EndpointSettings, NetworkSettings), what the daemon keeps
 * of a running container's sandbox (SandboxState), the parts of a container
 * the network store reads (NetContainer, ContainerAccess), and the bridge
 * driver's option names. Types and empty values only.
 */
import type { PortBinding } from './ports.js';
import type { EndpointSettings } from '../../schema/endpoint.js';

export { emptyEndpoint, type EndpointSettings } from '../../schema/endpoint.js';

/** A network as the Engine API shows it. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: Array<{ Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }> };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

/** What the daemon keeps of a running container's sandbox (not shown by the API). */
export interface SandboxState {
  netns: string;
  /** By network ID. */
  endpoints: Record<string, { veth: string; ifname: string }>;
  ports: PortBinding[];
  /** The network whose gateway is the default route. */
  gateway?: string;
  /** The DNS redirect's jumps are in the namespace. */
  dnsJumps?: boolean;
}

/** The parts of a container the network store reads and writes. */
export interface NetContainer {
  ID: string;
  Name: string;
  Config: { Hostname?: string; Domainname?: string; ExposedPorts?: Record<string, unknown> | null; [k: string]: unknown };
  HostConfig: Record<string, unknown> & { NetworkMode?: string };
  State: { Running: boolean; Pid: number; Paused?: boolean; Restarting?: boolean };
  NetworkSettings?: NetworkSettings;
  NetworkRuntime?: SandboxState;
}

export interface ContainerAccess {
  list(): NetContainer[];
  resolve(idOrName: string): NetContainer;
  persist(c: NetContainer): Promise<void>;
}

/** What a starting container needs from its network: a namespace to join and what goes in its hosts and resolv.conf files. */
export interface AttachResult {
  /** The namespace to join; undefined: the host's (host mode) or a new empty one (none). */
  netns?: string;
  /** `ip names…` lines for /etc/hosts (its own addresses, links). */
  hosts: Array<{ ip: string; names: string[] }>;
  /** Use the embedded DNS server (127.0.0.11): the container is on a user-defined network. */
  embeddedDns: boolean;
}


export function emptySettings(): NetworkSettings {
  return {
    Bridge: '', SandboxID: '', SandboxKey: '', Ports: {}, HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '', Networks: {},
  };
}

/** Docker's bridge driver options that Berth honours (others are kept, as Docker keeps them). */
export const OPT_NAME = 'com.docker.network.bridge.name';
export const OPT_ICC = 'com.docker.network.bridge.enable_icc';
export const OPT_MASQ = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_HOST_IP = 'com.docker.network.bridge.host_binding_ipv4';
export const OPT_IFACE_PREFIX = 'com.docker.network.container_iface_prefix';
