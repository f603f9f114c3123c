/**
 * The daemon's self-description: the bodies of `/version` and `/info`, in
 * Docker's field names and shapes, built from the host facts, the daemon's
 * configuration and the live counts the stores report. Fields Docker has for
 * features Berth does not have (swarm, plugins) say so truthfully: inactive,
 * empty.
 */
import os from 'node:os';
import { API_VERSION, MIN_API_VERSION, BUILD } from '../../version.js';
import { formatRFC3339Nano, nowNanos } from '../../lib/timetypes.js';
import type { HostFacts } from './host.js';

export interface SystemConfig {
  id: string;
  dataRoot: string;
  execRoot: string;
  debug: boolean;
  experimental: boolean;
  labels: string[];
  liveRestore: boolean;
  /** The --init binary, when one is installed. */
  initBinary: string;
}

export interface LiveCounts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
  eventListeners: number;
  fds: number;
}

export const PLATFORM_NAME = 'Berth Engine';

export function buildVersion(host: HostFacts, cfg: Pick<SystemConfig, 'experimental'>): Record<string, unknown> {
  const engineDetails = {
    ApiVersion: API_VERSION,
    Arch: host.goArch,
    BuildTime: BUILD.buildTime,
    Experimental: String(cfg.experimental),
    GitCommit: BUILD.gitCommit,
    GoVersion: `node${process.versions.node}`,
    KernelVersion: host.kernelVersion,
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  const components: Array<Record<string, unknown>> = [{ Name: 'Engine', Version: BUILD.version, Details: engineDetails }];
  if (host.runtime.version) {
    components.push({ Name: host.runtime.name, Version: host.runtime.version, Details: { GitCommit: host.runtime.commit ?? '' } });
  }
  return {
    Platform: { Name: PLATFORM_NAME },
    Components: components,
    Version: BUILD.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: BUILD.gitCommit,
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: host.goArch,
    KernelVersion: host.kernelVersion,
    Experimental: cfg.experimental,
    BuildTime: BUILD.buildTime,
  };
}

function proxyEnv(name: string): string {
  return process.env[name] ?? process.env[name.toLowerCase()] ?? '';
}

export function buildInfo(host: HostFacts, cfg: SystemConfig, live: LiveCounts): Record<string, unknown> {
  const cg = host.cgroup;
  return {
    ID: cfg.id,
    Containers: live.containers,
    ContainersRunning: live.running,
    ContainersPaused: live.paused,
    ContainersStopped: live.stopped,
    Images: live.images,
    Driver: 'overlayfs',
    DriverStatus: [['Backing Filesystem', host.backingFilesystem]],
    // Only what Berth has: networks other than host and none, and volume drivers, come with their issues.
    Plugins: { Volume: [], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: cg.memoryLimit,
    SwapLimit: cg.swapLimit,
    CpuCfsPeriod: cg.cpuCfsPeriod,
    CpuCfsQuota: cg.cpuCfsQuota,
    CPUShares: cg.cpuShares,
    CPUSet: cg.cpuSet,
    PidsLimit: cg.pidsLimit,
    IPv4Forwarding: host.ipv4Forwarding,
    Debug: cfg.debug,
    NFd: live.fds,
    OomKillDisable: cg.oomKillDisable,
    NGoroutines: 0,
    SystemTime: formatRFC3339Nano(nowNanos()),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cg.version,
    NEventsListener: live.eventListeners,
    KernelVersion: host.kernelVersion,
    OperatingSystem: host.operatingSystem,
    OSVersion: host.osVersion,
    OSType: 'linux',
    Architecture: host.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['::1/128', '127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: null,
    },
    NCPU: host.ncpu,
    MemTotal: host.memTotal,
    GenericResources: null,
    DockerRootDir: cfg.dataRoot,
    HttpProxy: proxyEnv('HTTP_PROXY'),
    HttpsProxy: proxyEnv('HTTPS_PROXY'),
    NoProxy: proxyEnv('NO_PROXY'),
    Name: os.hostname(),
    Labels: cfg.labels,
    ExperimentalBuild: cfg.experimental,
    ServerVersion: BUILD.version,
    Runtimes: host.runtime.version ? { [host.runtime.name]: { path: host.runtime.path } } : {},
    DefaultRuntime: host.runtime.name,
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: cfg.liveRestore,
    Isolation: '',
    InitBinary: cfg.initBinary,
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: host.runtime.commit ?? '' },
    InitCommit: { ID: '' },
    SecurityOptions: ['name=seccomp,profile=builtin'],
    CDISpecDirs: [],
    Warnings: host.warnings,
  };
}
