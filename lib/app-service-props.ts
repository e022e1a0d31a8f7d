import { BuildSpec, ResourceSpec, SecretKeyRef } from './workload';

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
