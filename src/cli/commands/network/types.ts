/**
 * The Engine API's network documents as the network commands send and read
 * them (docker-engine-api v1.50: Network, IPAM, IPAMConfig, NetworkCreateRequest,
 * NetworkConnectRequest, NetworkDisconnectRequest, NetworkPruneResponse), with
 * the fields in the order docker's CLI writes them.
 */
import type { EndpointSettings } from '../run/opts.js';

/** One IPAM pool of a network (IPAMConfig); empty fields are left out, as Go's omitempty does. */
export interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface Ipam {
  Driver: string;
  Options: Record<string, string> | null;
  Config: IpamConfig[] | null;
}

/** The body of POST /networks/create as docker 28 sends it. */
export interface NetworkCreateBody {
  Driver: string;
  Scope: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM: Ipam;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string } | null;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  Name: string;
}

/** POST /networks/create's answer. */
export interface NetworkCreateResponse {
  Id: string;
  Warning?: string;
}

/** EndpointIPAMConfig: the addresses asked for on one network. */
export interface EndpointIpamConfig {
  IPv4Address?: string;
  IPv6Address?: string;
  LinkLocalIPs?: string[];
}

/** The body of POST /networks/{id}/connect (EndpointSettings as `run --network` builds them, every field written). */
export interface NetworkConnectBody {
  Container: string;
  EndpointConfig: EndpointSettings;
}

/** The body of POST /networks/{id}/disconnect. */
export interface NetworkDisconnectBody {
  Container: string;
  Force: boolean;
}

/** A network as GET /networks and GET /networks/{id} return it (the fields the CLI reads). */
export interface NetworkSummary {
  Name: string;
  Id: string;
  Created?: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: Ipam;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

/** POST /networks/prune's answer. */
export interface NetworkPruneResponse {
  NetworksDeleted?: string[] | null;
}
