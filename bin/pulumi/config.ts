/** Stack name and `kstack:*` configuration of the Pulumi program, validated before any resource exists. */
import * as pulumi from '@pulumi/pulumi';
import { EnvConfig, environments } from '../../stacks/environments';
import { ImageMode } from './plan';

/** Pinned ingress-nginx chart (controller v1.12.1). */
export const INGRESS_NGINX_CHART_VERSION = '4.12.1';

export interface KstackConfig {
  /** The environment the stack name selects. */
  readonly env: EnvConfig;
  /** kubeconfig context, e.g. 'k3d-kstack' or 'minikube'. */
  readonly kubeContext: string;
  /** Whether to install ingress-nginx with Helm. */
  readonly installIngressNginx: boolean;
  /** Chart version of ingress-nginx. */
  readonly ingressNginxVersion: string;
  readonly imageMode: ImageMode;
  /** Host-side registry the images are pushed to. */
  readonly registry?: string;
  /** In-cluster name of that registry. */
  readonly clusterRegistry?: string;
  /** Build platform. */
  readonly platform?: string;
}

const IMAGE_MODES: readonly ImageMode[] = ['registry', 'docker-env'];

/** A clean error: Pulumi prints the message without a stack trace. */
export class KstackConfigError extends pulumi.RunError {}

function fail(message: string): never {
  throw new KstackConfigError(`kstack: ${message}`);
}

/** Reads and checks the stack name and the kstack config. */
export function readConfig(): KstackConfig {
  const stack = pulumi.getStack();
  const env = Object.prototype.hasOwnProperty.call(environments, stack) ? environments[stack] : undefined;
  if (!env) {
    fail(
      `unknown stack '${stack}': the stack name selects the environment, one of ${Object.keys(environments).join(', ')} (pulumi stack init dev)`,
    );
  }
  const config = new pulumi.Config('kstack');
  const kubeContext = config.get('kubeContext')?.trim();
  if (!kubeContext) {
    fail(
      `kstack:kubeContext is not set for stack '${stack}': pulumi config set kstack:kubeContext k3d-kstack (or minikube; see kubectl config get-contexts)`,
    );
  }
  const imageMode = (config.get('imageMode') ?? 'registry') as ImageMode;
  if (!IMAGE_MODES.includes(imageMode)) {
    fail(`kstack:imageMode must be one of ${IMAGE_MODES.join(', ')}, got '${imageMode}'`);
  }
  const nonEmpty = (key: string) => {
    const value = config.get(key)?.trim();
    return value === '' ? undefined : value;
  };
  return {
    env,
    kubeContext,
    installIngressNginx: config.getBoolean('installIngressNginx') ?? false,
    ingressNginxVersion: nonEmpty('ingressNginxVersion') ?? INGRESS_NGINX_CHART_VERSION,
    imageMode,
    registry: nonEmpty('registry'),
    clusterRegistry: nonEmpty('clusterRegistry'),
    platform: nonEmpty('platform'),
  };
}
