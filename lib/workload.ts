/**
 * The target-neutral description of a workload. A construct keeps one and renders its Kubernetes
 * objects from it; the other targets (Compose, the Pulumi component, the graph) read it too, so
 * the app is described once. What a raw edit of a rendered object (an escape hatch) cannot carry
 * back here is listed in docs/escape-hatches.md.
 */
import { IConstruct } from 'constructs';
import type { ConnectionsDescription } from './connections';

/** A reference to one key of a Secret. */
export interface SecretKeyRef {
  /** The Secret's name. */
  readonly name: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/** A named container port. */
export interface WorkloadPort {
  /** IANA service name of the port (at most 15 characters), e.g. 'http'. */
  readonly name: string;
  /** The container port number. */
  readonly port: number;
}

/** An HTTP GET check on one of the workload's ports. */
export interface HttpCheck {
  readonly kind: 'http';
  /** Request path, e.g. '/health'. */
  readonly path: string;
  /** Port number probed. */
  readonly port: number;
}

/** A command run inside the container; exit code 0 means healthy. */
export interface CommandCheck {
  readonly kind: 'command';
  /** argv of the check. */
  readonly command: readonly string[];
}

/** A health check with its timing. */
export interface CheckSpec {
  /** What is checked. */
  readonly check: HttpCheck | CommandCheck;
  /** Seconds between checks. */
  readonly periodSeconds: number;
  /** Consecutive failures before the check fails. */
  readonly failureThreshold: number;
  /** Seconds before a single check times out. */
  readonly timeoutSeconds: number;
}

/** CPU and memory requests and limits, as Kubernetes quantities. */
export interface ResourceSpec {
  /** CPU request, e.g. '100m'. */
  readonly cpuRequest: string;
  /** CPU limit; unset means no CPU throttling. */
  readonly cpuLimit?: string;
  /** Memory request, e.g. '256Mi'. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. '512Mi'. */
  readonly memoryLimit: string;
}

/** A persistent data volume. */
export interface DataVolumeSpec {
  /** Mount path in the container. */
  readonly path: string;
  /** Requested size, e.g. '1Gi'. */
  readonly size: string;
  /** StorageClass; unset means the cluster default. */
  readonly storageClass?: string;
}

/** Where an app image is built from (used by the Pulumi and Compose targets). */
export interface BuildSpec {
  /** Build context folder. */
  readonly context: string;
  /** Dockerfile path relative to the context. */
  readonly dockerfile: string;
}

/** How many copies run: a fixed count, or a range an autoscaler moves in on CPU. */
export interface ScalingSpec {
  /** Fixed number of copies; unset under autoscaling. */
  readonly replicas?: number;
  /** CPU-based autoscaling. */
  readonly autoscaling?: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Average CPU utilisation (percent of the request) aimed for. */
    readonly targetCpuUtilization: number;
  };
}

/** The kind of workload; each kind has one mapping per target. */
export type WorkloadComponent = 'backend' | 'frontend' | 'database';

export interface WorkloadDescription {
  /** Name of the workload, its Service and its Compose service. */
  readonly name: string;
  /** Namespace it runs in; undefined means the kubeconfig default. */
  readonly namespace?: string;
  /** What kind of workload this is. */
  readonly component: WorkloadComponent;
  /** Name of the main process (the container's name). */
  readonly containerName: string;
  /** Whether each copy has a stable identity and its own data volume (a StatefulSet in Kubernetes). */
  readonly stateful: boolean;
  /** Image reference. */
  readonly image: string;
  /** Where the image is built from, when the app's sources are known. */
  readonly build?: BuildSpec;
  /** Entrypoint override; unset keeps the image's. */
  readonly command?: readonly string[];
  /** Arguments override; unset keeps the image's. */
  readonly args?: readonly string[];
  /** Ports the main container listens on. */
  readonly ports: readonly WorkloadPort[];
  /** Non-sensitive environment, sorted by name. */
  readonly config: Readonly<Record<string, string>>;
  /** Sensitive environment, each a Secret key reference, sorted by name. */
  readonly secretEnv: Readonly<Record<string, SecretKeyRef>>;
  /** Liveness check. */
  readonly liveness: CheckSpec;
  /** Readiness check. */
  readonly readiness: CheckSpec;
  /** Startup check; gives slow starts a budget before liveness applies. */
  readonly startup?: CheckSpec;
  /** uid the containers run as. */
  readonly user: number;
  /** gid the containers run as. */
  readonly group: number;
  /** fsGroup for mounted volumes. */
  readonly fsGroup?: number;
  /** Whether the root filesystem is read-only. */
  readonly readOnlyRootFilesystem: boolean;
  /** Writable scratch directories (emptyDir in Kubernetes, tmpfs in Compose). */
  readonly scratchPaths: readonly string[];
  /** A persistent volume, when the workload keeps data on disk. */
  readonly dataVolume?: DataVolumeSpec;
  /** A command that must succeed before the app starts (e.g. database migrations). */
  readonly preStart?: readonly string[];
  /** Names of workloads that must be healthy before this one starts. */
  readonly dependsOn: readonly string[];
  /** Resource requests and limits. */
  readonly resources: ResourceSpec;
  /** How many copies run. */
  readonly scaling: ScalingSpec;
  /** Who may connect to it and what it may connect to. */
  readonly connections: ConnectionsDescription;
}

/** Anything that carries a workload description. */
export interface IWorkload extends IConstruct {
  /** The workload's target-neutral description (a snapshot: additions methods change what the next read returns). */
  readonly workload: WorkloadDescription;
}

/** A Service that can be routed to or called. */
export interface IServiceEndpoint extends IConstruct {
  /** The Service's name (also the host name inside the namespace). */
  readonly serviceName: string;
  /** The Service's namespace; undefined means the kubeconfig default. */
  readonly namespace?: string;
  /** The Service port. */
  readonly port: number;
  /** The in-cluster URL, e.g. 'http://api:8000'. */
  readonly url: string;
}
