/**
 * The `kstack:*` configuration of this repository's Pulumi program (docs/pulumi.md), read and
 * checked before anything is synthesized or registered. Only bin/ reads pulumi.Config.
 */
import * as pulumi from '@pulumi/pulumi';
import { KstackPropError } from '../../lib';
import type { ClusterSetupOptions, GatewayController, ImageMode, ImageOptions } from '../../lib/pulumi';

/** The program's settings for one stack. */
export interface ProgramConfig {
  /** kubeconfig context, e.g. 'k3d-kstack' or 'minikube'. */
  readonly kubeContext: string;
  readonly images: ImageOptions;
  /** Whether to set up the Gateway API (kstack:gatewayApi); undefined: when the environment has a Gateway API router. */
  readonly gatewayApi?: boolean;
  /** The cluster setup, Gateway API part included as if gatewayApi were true. */
  readonly cluster: ClusterSetupOptions;
}

const IMAGE_MODES: readonly ImageMode[] = ['registry', 'docker-env'];
const CONTROLLERS: readonly GatewayController[] = ['k3s-traefik', 'traefik', 'none'];

/** Reads `kstack:*` for the stack; values are checked here or by the component, before any resource. */
export function readConfig(stack: string, config = new pulumi.Config('kstack')): ProgramConfig {
  const at = `stack ${stack}`;
  const text = (key: string) => {
    const value = config.get(key)?.trim();
    return value === '' ? undefined : value;
  };
  const flag = (key: string): boolean | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw KstackPropError.of(at, `kstack:${key}`, 'must be true or false', value);
    return value === 'true';
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const value = text(key);
    if (value !== undefined && !allowed.includes(value as T))
      throw KstackPropError.of(at, `kstack:${key}`, `must be one of ${allowed.join(', ')}`, value);
    return value as T | undefined;
  };
  const kubeContext = text('kubeContext');
  if (kubeContext === undefined) {
    throw KstackPropError.of(
      at,
      'kstack:kubeContext',
      'must be set: pulumi config set kstack:kubeContext k3d-kstack (or minikube; see kubectl config get-contexts)',
      kubeContext,
    );
  }
  return {
    kubeContext,
    images: {
      mode: oneOf('imageMode', IMAGE_MODES),
      registry: text('registry'),
      clusterRegistry: text('clusterRegistry'),
      platform: text('platform'),
    },
    gatewayApi: flag('gatewayApi'),
    cluster: {
      gatewayController: oneOf('gatewayController', CONTROLLERS),
      gatewayApiCrds: flag('gatewayApiCrds'),
      gatewayApiVersion: text('gatewayApiVersion'),
      traefikChartVersion: text('traefikChartVersion'),
      ingressNginx: flag('installIngressNginx'),
      ingressNginxVersion: text('ingressNginxVersion'),
    },
  };
}
