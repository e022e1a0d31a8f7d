import { Construct } from 'constructs';
import { AppServiceProps } from '../app-service-props';
import { Connections } from '../connections';
import { BuildSpec, CheckSpec, DataVolumeSpec, ResourceSpec, ScalingSpec } from '../workload';
import { propError } from './errors';
import type { WorkloadBase } from './workload-core';
import { namespaceOf } from './labels';
import {
  checkArgv,
  checkDataKey,
  checkEnvName,
  checkHttpPath,
  checkImage,
  checkMountPath,
  checkInteger,
  checkName,
  checkNonEmpty,
  checkOptionalObject,
  checkPort,
  checkResources,
  checkStorage,
  checkSubdomain,
  claimName,
  definedOnly,
} from './validation';
import { declareExternal } from '../validate/constructs';

/** What {@link resolveCommonAppProps} validates: the shared props plus port and data volume. */
export interface CommonAppProps extends AppServiceProps {
  readonly port?: number;
  readonly dataVolume?: DataVolumeSpec;
}

export interface ResolvedAppProps {
  readonly name: string;
  readonly namespace?: string;
  readonly build?: BuildSpec;
  readonly port: number;
  readonly scaling: ScalingSpec;
  readonly resources: ResourceSpec;
}

/** Validates and defaults the props every HTTP app shares; throws a one-line error naming the prop. */
export function resolveCommonAppProps(
  scope: Construct,
  id: string,
  props: CommonAppProps,
  defaults: {
    port: number;
    resources: ResourceSpec;
    /** Variables the construct or its wiring sets, with who sets them. */
    reserved: Readonly<Record<string, string>>;
  },
): ResolvedAppProps {
  const path = scope.node.path;
  if (props === undefined || props === null || typeof props !== 'object')
    throw propError(path, 'props', 'must be an object with at least an image', props);
  for (const prop of ['build', 'autoscaling', 'resources', 'env', 'secretEnv', 'dataVolume'] as const)
    checkOptionalObject(path, prop, props[prop]);
  const name = props.name ?? id;
  const port = props.port ?? defaults.port;
  const resources: ResourceSpec = { ...defaults.resources, ...definedOnly(props.resources) };

  checkName(path, 'name', name);
  checkImage(path, 'image', props.image);
  checkPort(path, 'port', port);
  checkResources(path, 'resources', resources);
  checkArgv(path, 'command', props.command, "['uvicorn', 'app.main:app']");
  checkArgv(path, 'args', props.args, "['--workers', '2']");
  const scaling = resolveScaling(path, props);
  checkEnvProps(path, props, defaults.reserved);
  if (props.build !== undefined) {
    checkNonEmpty(path, 'build.context', props.build.context);
    if (props.build.dockerfile !== undefined) checkNonEmpty(path, 'build.dockerfile', props.build.dockerfile);
  }
  if (props.dataVolume !== undefined) checkDataVolume(path, props.dataVolume, scaling);
  const namespace = namespaceOf(scope);
  claimName(scope, 'workload', namespace, name);
  // Secrets named in secretEnv are created outside kstack: the gate's reference check accepts them.
  for (const ref of Object.values(props.secretEnv ?? {})) declareExternal(scope, ref.name);
  return {
    name,
    namespace,
    build: props.build ? { context: props.build.context, dockerfile: props.build.dockerfile ?? 'Dockerfile' } : undefined,
    port,
    scaling,
    resources,
  };
}

/** A fixed replica count or an autoscaling range, never both. */
function resolveScaling(path: string, props: CommonAppProps): ScalingSpec {
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    throw propError(
      path,
      'replicas',
      "must not be set together with 'autoscaling' (the HPA owns the replica count); remove one of them",
      props.replicas,
    );
  }
  if (props.autoscaling === undefined) {
    if (props.replicas !== undefined) checkInteger(path, 'replicas', props.replicas, 1, 1000);
    return { replicas: props.replicas ?? 1 };
  }
  const a = props.autoscaling;
  checkInteger(path, 'autoscaling.minReplicas', a.minReplicas, 1, 1000);
  checkInteger(path, 'autoscaling.maxReplicas', a.maxReplicas, 1, 1000);
  if (a.minReplicas > a.maxReplicas) {
    throw propError(path, 'autoscaling.minReplicas', `must be <= autoscaling.maxReplicas (${a.maxReplicas})`, a.minReplicas);
  }
  const target = a.targetCpuUtilization ?? 70;
  checkInteger(path, 'autoscaling.targetCpuUtilization', target, 1, 100);
  return { autoscaling: { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas, targetCpuUtilization: target } };
}

/** env and secretEnv: names, string values, Secret references, one source per variable. */
function checkEnvProps(path: string, props: CommonAppProps, reserved: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(props.env ?? {})) {
    checkEnvName(path, 'env', key);
    if (typeof props.env![key] !== 'string') throw propError(path, `env.${key}`, 'must be a string', props.env![key]);
  }
  for (const [key, ref] of Object.entries(props.secretEnv ?? {})) {
    checkEnvName(path, 'secretEnv', key);
    if (props.env && key in props.env)
      throw propError(path, `secretEnv.${key}`, "must not also be set in 'env' (a variable comes from one source)", key);
    checkName(path, `secretEnv.${key}.name`, ref?.name, 253);
    checkDataKey(path, `secretEnv.${key}.key`, ref?.key);
  }
  for (const prop of ['env', 'secretEnv'] as const) {
    for (const key of Object.keys(props[prop] ?? {})) {
      if (key in reserved) throw propError(path, `${prop}.${key}`, `must not be set: ${reserved[key]} provides it`, key);
    }
  }
}

/** A data volume: a mount path other than '/', a size, and a single pod (ReadWriteOnce). */
function checkDataVolume(path: string, volume: DataVolumeSpec, scaling: ScalingSpec): void {
  checkMountPath(path, 'dataVolume.path', volume.path);
  checkStorage(path, 'dataVolume.size', volume.size);
  if (volume.storageClass !== undefined) checkSubdomain(path, 'dataVolume.storageClass', volume.storageClass);
  const maxPods = scaling.autoscaling?.maxReplicas ?? scaling.replicas ?? 1;
  if (maxPods > 1) {
    throw propError(
      path,
      'dataVolume',
      'must belong to a single pod (a ReadWriteOnce volume cannot be shared); set replicas to 1 and remove autoscaling, or keep the data in Postgres',
      `${maxPods} pods`,
    );
  }
}

/**
 * The folders mounted into the container (scratch emptyDirs and the data volume), each named by
 * the prop it comes from: absolute, not '/', and no folder twice (two volumes at one path is what
 * cdk8s-plus refuses as "Invalid mount configuration", here named by prop).
 */
export function checkMounts(path: string, mounts: readonly { readonly prop: string; readonly path: string }[]): void {
  const seen = new Map<string, string>();
  for (const m of mounts) {
    checkMountPath(path, m.prop, m.path);
    const other = seen.get(m.path);
    if (other !== undefined) {
      throw propError(path, m.prop, `must be a folder of its own: ${other} is mounted there already; choose another folder`, m.path);
    }
    seen.set(m.path, m.prop);
  }
}

/**
 * A wiring prop (`database`, `api`): undefined, or a kstack construct with connections and the
 * named string property (e.g. 'secretName' of a database).
 */
export function checkWired<T>(path: string, prop: string, value: unknown, has: string, what: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value as { connections?: unknown } & Record<string, unknown>;
  if (v === null || typeof v !== 'object' || typeof v[has] !== 'string' || !(v.connections instanceof Connections)) {
    throw propError(path, prop, `must be ${what}`, value);
  }
  return value as T;
}

/** The HTTP checks and the user of an app service, validated, with its construct's defaults. */
export interface AppRuntime {
  readonly healthPath: string;
  readonly readinessPath: string;
  readonly startupTimeoutSeconds: number;
  readonly user: number;
}

/** healthPath, readinessPath, startupTimeoutSeconds and runAsUser after defaults (readinessPath defaults to its own default, or healthPath). */
export function resolveAppRuntime(
  path: string,
  props: {
    readonly healthPath?: string;
    readonly readinessPath?: string;
    readonly startupTimeoutSeconds?: number;
    readonly runAsUser?: number;
  },
  defaults: { readonly healthPath: string; readonly readinessPath?: string; readonly startupTimeoutSeconds: number; readonly user: number },
): AppRuntime {
  const healthPath = props.healthPath ?? defaults.healthPath;
  const runtime = {
    healthPath,
    readinessPath: props.readinessPath ?? defaults.readinessPath ?? healthPath,
    startupTimeoutSeconds: props.startupTimeoutSeconds ?? defaults.startupTimeoutSeconds,
    user: props.runAsUser ?? defaults.user,
  };
  checkHttpPath(path, 'healthPath', runtime.healthPath);
  checkHttpPath(path, 'readinessPath', runtime.readinessPath);
  checkInteger(path, 'startupTimeoutSeconds', runtime.startupTimeoutSeconds, 5, 3600);
  checkInteger(path, 'runAsUser', runtime.user, 1, 2147483647);
  return runtime;
}

/** The description of an HTTP app service (backend or frontend), from its resolved props. */
export function appWorkloadBase(
  common: ResolvedAppProps,
  props: AppServiceProps,
  runtime: AppRuntime,
  spec: Pick<WorkloadBase, 'component' | 'scratchPaths' | 'dependsOn' | 'dataVolume' | 'preStart' | 'fsGroup'>,
): WorkloadBase {
  return {
    name: common.name,
    namespace: common.namespace,
    containerName: common.name,
    stateful: false,
    image: props.image,
    build: common.build,
    command: props.command,
    args: props.args,
    ports: [{ name: 'http', port: common.port }],
    ...httpChecks(common.port, runtime.healthPath, runtime.readinessPath, runtime.startupTimeoutSeconds),
    user: runtime.user,
    group: runtime.user,
    readOnlyRootFilesystem: true,
    resources: common.resources,
    scaling: common.scaling,
    ...spec,
  };
}

/** Liveness, readiness and startup checks of an HTTP app; startup gets `startupTimeoutSeconds` before liveness applies. */
export function httpChecks(
  port: number,
  healthPath: string,
  readinessPath: string,
  startupTimeoutSeconds: number,
): {
  liveness: CheckSpec;
  readiness: CheckSpec;
  startup: CheckSpec;
} {
  const period = 5;
  return {
    liveness: { check: { kind: 'http', path: healthPath, port }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    readiness: { check: { kind: 'http', path: readinessPath, port }, periodSeconds: period, failureThreshold: 3, timeoutSeconds: 3 },
    startup: {
      check: { kind: 'http', path: healthPath, port },
      periodSeconds: period,
      failureThreshold: Math.ceil(startupTimeoutSeconds / period),
      timeoutSeconds: 3,
    },
  };
}
