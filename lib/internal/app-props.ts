import { Construct } from 'constructs';
import { AppServiceProps } from '../app-service-props';
import { BuildSpec, CheckSpec, DataVolumeSpec, ResourceSpec } from '../workload';
import { propError } from './errors';
import { namespaceOf } from './labels';
import { ScalingSpec } from './app-workload';
import {
  checkArgv,
  checkDataKey,
  checkEnvName,
  checkHttpPath,
  checkImage,
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
  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    throw propError(
      path,
      'replicas',
      "must not be set together with 'autoscaling' (the HPA owns the replica count); remove one of them",
      props.replicas,
    );
  }
  if (props.replicas !== undefined) checkInteger(path, 'replicas', props.replicas, 1, 1000);
  let scaling: ScalingSpec = { replicas: props.replicas ?? 1 };
  if (props.autoscaling !== undefined) {
    const a = props.autoscaling;
    checkInteger(path, 'autoscaling.minReplicas', a.minReplicas, 1, 1000);
    checkInteger(path, 'autoscaling.maxReplicas', a.maxReplicas, 1, 1000);
    if (a.minReplicas > a.maxReplicas) {
      throw propError(path, 'autoscaling.minReplicas', `must be <= autoscaling.maxReplicas (${a.maxReplicas})`, a.minReplicas);
    }
    const target = a.targetCpuUtilization ?? 70;
    checkInteger(path, 'autoscaling.targetCpuUtilization', target, 1, 100);
    scaling = { autoscaling: { minReplicas: a.minReplicas, maxReplicas: a.maxReplicas, targetCpuUtilization: target } };
  }
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
  if (props.build !== undefined) {
    checkNonEmpty(path, 'build.context', props.build.context);
    if (props.build.dockerfile !== undefined) checkNonEmpty(path, 'build.dockerfile', props.build.dockerfile);
  }
  if (props.dataVolume !== undefined) {
    checkHttpPath(path, 'dataVolume.path', props.dataVolume.path);
    checkStorage(path, 'dataVolume.size', props.dataVolume.size);
    if (props.dataVolume.storageClass !== undefined) checkSubdomain(path, 'dataVolume.storageClass', props.dataVolume.storageClass);
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

/** Object with keys sorted, so synthesized env is ordered the same on every run. */
export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Throws when a variable is defined both by the user and by wiring. */
export function checkNoEnvClash(
  path: string,
  prop: string,
  user: Readonly<Record<string, unknown>>,
  wired: readonly string[],
  wiredBy: string,
): void {
  for (const key of wired) {
    if (key in user) throw propError(path, `${prop}.${key}`, `must not be set: ${wiredBy} provides it`, key);
  }
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
