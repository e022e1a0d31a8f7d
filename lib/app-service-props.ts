import * as kplus from 'cdk8s-plus-27';
import { ApiObject } from 'cdk8s';
import { IConnectable } from './connections';
import type { WorkloadCore } from './internal/workload-core';
import { WorkloadObjects } from './internal/workload-render';
import { BuildSpec, IServiceEndpoint, IWorkload, ResourceSpec, SecretKeyRef } from './workload';

/** HPA settings. */
export interface AutoscalingProps {
  /** Fewest pods. */
  readonly minReplicas: number;
  /** Most pods. */
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of the request) the HPA aims for. @default 70 */
  readonly targetCpuUtilization?: number;
}

/** Props every HTTP app construct (FastApiBackend, NextFrontend) shares. */
export interface AppServiceProps {
  /** Object name of the Deployment, Service and friends. @default - the construct id */
  readonly name?: string;
  /** Container image, e.g. 'registry.example.com/api:1.2.3'. */
  readonly image: string;
  /** Where the image is built from, for targets that build images (Pulumi, Compose). @default - the image is used as it is */
  readonly build?: Partial<BuildSpec> & { readonly context: string };
  /** Fixed number of pods; not allowed together with `autoscaling`. @default 1 */
  readonly replicas?: number;
  /** An HPA scaling on CPU instead of a fixed replica count. @default - no HPA */
  readonly autoscaling?: AutoscalingProps;
  /** Requests and limits. @default { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' } (no CPU limit) */
  readonly resources?: Partial<ResourceSpec>;
  /** Non-sensitive environment, put in a ConfigMap. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Sensitive environment, each from a Secret key. @default {} */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  /** Entrypoint override. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments override. @default - the image's */
  readonly args?: readonly string[];
}

/** An HTTP app service others wire to: routed by routers, called by clients, described for every target. */
export interface IAppService extends IServiceEndpoint, IWorkload, IConnectable {
  /** Adds a non-secret environment variable (every target sees it). */
  addEnv(name: string, value: string): void;
  /** Adds an environment variable read from a Secret key created out of band (every target sees it). */
  addSecretEnv(name: string, ref: SecretKeyRef): void;
}

/** The Kubernetes objects of an app service, for escape hatches (an edit there reaches Kubernetes only: see docs/escape-hatches.md). */
export interface AppServiceObjects extends WorkloadObjects {
  /** The Deployment (the same object as `controller`). */
  readonly deployment: kplus.Deployment;
  /** NetworkPolicy admitting the service's clients. */
  readonly allowClients: ApiObject;
  /** NetworkPolicy letting the clients connect. */
  readonly clientEgress: ApiObject;
}

/** The escape hatches of an app service's core. */
export function appServiceObjects(core: WorkloadCore): AppServiceObjects {
  const policies = core.connections.clientPolicies!;
  return {
    ...core.objects,
    deployment: core.objects.controller as kplus.Deployment,
    allowClients: policies.allowClients!,
    clientEgress: policies.clientEgress,
  };
}
