/**
 * What every workload construct holds: its description (with the parts additions methods change),
 * the Kubernetes objects rendered from it, and its connections. Constructs own one of these
 * (composition, no base class) and forward their additions methods to it, so an env var added
 * after construction reaches the ConfigMap or the containers and, through the description, the
 * other targets.
 */
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Connections } from '../connections';
import { declareExternal } from '../validate/constructs';
import { SecretKeyRef, WorkloadDescription } from '../workload';
import { guardDependency, propError } from './errors';
import { selectorLabels } from './labels';
import { renderWorkload, secretEnvValue, WorkloadObjects, addPodLabel } from './workload-render';
import { checkDataKey, checkEnvName, checkName } from './validation';

/** A description without the parts the core keeps itself. */
export type WorkloadBase = Omit<WorkloadDescription, 'config' | 'secretEnv' | 'connections'>;

export interface WorkloadCoreProps {
  /** The fixed part of the description. */
  readonly base: WorkloadBase;
  /** Non-secret environment, as resolved from the props and the wiring. */
  readonly config: Readonly<Record<string, string>>;
  /** Secret environment, as resolved from the props and the wiring. */
  readonly secretEnv: Readonly<Record<string, SecretKeyRef>>;
  /** Variables set by wiring or by the construct itself, with who sets them (for clash errors). */
  readonly reserved: Readonly<Record<string, string>>;
  /** Whether in-tree clients may connect (on the first port). */
  readonly acceptsClients: boolean;
}

/** Object with keys sorted, so synthesized env is ordered the same on every run. */
export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class WorkloadCore {
  readonly objects: WorkloadObjects;
  readonly connections: Connections;
  private readonly config: Record<string, string>;
  private readonly secretEnv: Record<string, SecretKeyRef>;

  constructor(
    private readonly scope: Construct,
    private readonly props: WorkloadCoreProps,
  ) {
    this.config = { ...props.config };
    this.secretEnv = { ...props.secretEnv };
    this.objects = guardDependency(scope.node.path, 'props', () => renderWorkload(scope, this.description));
    const controller = this.objects.controller;
    this.connections = new Connections(scope, {
      name: props.base.name,
      namespace: props.base.namespace,
      podSelector: selectorLabels(scope, props.base.name),
      addPodLabel: (key, value) => addPodLabel(controller, key, value),
      serverPort: props.acceptsClients ? props.base.ports[0].port : undefined,
    });
  }

  /** The description as it is now (a snapshot). */
  get description(): WorkloadDescription {
    return {
      ...this.props.base,
      config: sortedRecord(this.config),
      secretEnv: sortedRecord(this.secretEnv),
      // Read before the connections exist (the first render): none yet.
      connections: this.connections?.description ?? { inbound: [], outbound: [] },
    };
  }

  /** Adds a non-secret variable: the ConfigMap (Kubernetes), the service environment (Compose). */
  addEnv(name: string, value: string): void {
    const path = this.scope.node.path;
    this.checkNew(path, 'addEnv', name);
    if (typeof value !== 'string') throw propError(path, `addEnv.${name}`, 'must be a string', value);
    this.config[name] = value;
    if (this.objects.configMap) this.objects.configMap.addData(name, value);
    else for (const c of this.containers()) c.env.addVariable(name, kplus.EnvValue.fromValue(value));
  }

  /** Adds a variable read from a Secret key; the Secret is created out of band (declared external to the gate). */
  addSecretEnv(name: string, ref: SecretKeyRef): void {
    const path = this.scope.node.path;
    this.checkNew(path, 'addSecretEnv', name);
    if (typeof ref !== 'object' || ref === null)
      throw propError(path, `addSecretEnv.${name}`, "must be { name: '<secret>', key: '<key>' }", ref);
    checkName(path, `addSecretEnv.${name}.name`, ref.name, 253);
    checkDataKey(path, `addSecretEnv.${name}.key`, ref.key);
    this.secretEnv[name] = { name: ref.name, key: ref.key };
    declareExternal(this.scope, ref.name);
    for (const c of this.containers()) c.env.addVariable(name, secretEnvValue(this.scope, ref));
  }

  private containers(): kplus.Container[] {
    return this.objects.preStartContainer ? [this.objects.container, this.objects.preStartContainer] : [this.objects.container];
  }

  private checkNew(path: string, method: string, name: string): void {
    checkEnvName(path, method, name);
    const owner = this.props.reserved[name];
    if (owner !== undefined) throw propError(path, `${method}.${name}`, `must not be set: ${owner} provides it`, name);
    if (name in this.config || name in this.secretEnv)
      throw propError(path, `${method}.${name}`, 'must not be set twice (it is already in the environment)', name);
  }
}
