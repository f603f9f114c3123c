/**
 * Engine API shapes shared by the side that fills them (the engine) and the
 * side that sends and reads them (the CLI), as Docker's api/types package is
 * shared by dockerd and its clients: a container's endpoint on a network
 * (EndpointSettings), with the field order and zero values docker writes.
 * Types and empty values only; no behaviour.
 */

export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** EndpointSettings with every field at its zero value (as docker's CLI writes it, and dockerd before a start). */
export function emptyEndpoint(networkId = ''): EndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}
