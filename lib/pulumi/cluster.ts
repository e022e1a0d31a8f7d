/**
 * What a cluster needs before the routes and custom resources of a deployment: the Gateway API
 * CRDs, a Gateway API controller, or (retired, opt-in) ingress-nginx. Every version is pinned
 * here and written down in docs/pulumi.md.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import { KstackPropError } from '../errors';

/**
 * Gateway API release whose standard CRDs are installed (`gatewayApiCrds`): the release Traefik
 * v3.7 asks for (the Traefik chart stopped shipping the CRDs with chart 41).
 */
export const GATEWAY_API_VERSION = 'v1.5.1';
/** Traefik chart for gatewayController 'traefik': chart 41.5.0 runs Traefik Proxy v3.7.13. */
export const TRAEFIK_CHART_VERSION = '41.5.0';
/**
 * ingress-nginx chart (controller v1.12.1) for `ingressNginx`. The Kubernetes project retired
 * ingress-nginx: best-effort maintenance ended in March 2026, with no releases or security fixes since.
 */
export const INGRESS_NGINX_CHART_VERSION = '4.12.1';

/**
 * The Traefik chart values that turn the Gateway API provider on, for k3s's bundled Traefik and
 * for the 'traefik' release alike (the chart then creates the GatewayClass 'traefik'). The same
 * values bin/k3d-up.sh applies: routes attach to a Gateway of class 'traefik' that the tree
 * creates (GatewayRoutes createGateway, listener port 8000 = Traefik's web entrypoint).
 */
export const TRAEFIK_GATEWAY_VALUES = { providers: { kubernetesGateway: { enabled: true } } } as const;

/** The HelmChartConfig that turns on the Gateway provider of k3s's bundled Traefik (docs/pulumi.md shows it). */
export function k3sTraefikGatewayConfig() {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChartConfig',
    metadata: { name: 'traefik', namespace: 'kube-system' },
    // The bytes of bin/k3d-up.sh's `valuesContent: |-` block (no final newline).
    spec: { valuesContent: stringify(TRAEFIK_GATEWAY_VALUES).trimEnd() },
  };
}

/** Which Gateway API controller the deployment sets up. */
export type GatewayController = 'k3s-traefik' | 'traefik' | 'none';

/** What the cluster gets before the routes and custom resources. */
export interface ClusterSetupOptions {
  /**
   * 'k3s-traefik': turn on the Gateway provider of the Traefik that k3s (and so k3d) bundles, with
   * a HelmChartConfig kube-system/traefik (k3s ships the Gateway API CRDs with that Traefik).
   * 'traefik': install the Traefik chart as release 'traefik' in kube-system, where k3s has it,
   * with the Gateway provider on (Minikube, kind). 'none': the cluster has a controller.
   * @default 'none'
   */
  readonly gatewayController?: GatewayController;
  /** Install the Gateway API standard CRDs of `gatewayApiVersion`. @default - true with gatewayController 'traefik', else false */
  readonly gatewayApiCrds?: boolean;
  /** Gateway API release of those CRDs, e.g. 'v1.5.1'. @default GATEWAY_API_VERSION */
  readonly gatewayApiVersion?: string;
  /** Traefik chart version of gatewayController 'traefik'. @default TRAEFIK_CHART_VERSION */
  readonly traefikChartVersion?: string;
  /**
   * Install ingress-nginx with Helm, for trees that still render NginxIngress. RETIRED upstream:
   * no releases or security fixes since March 2026; prefer the Gateway API.
   * @default false
   */
  readonly ingressNginx?: boolean;
  /** Chart version of ingress-nginx. @default INGRESS_NGINX_CHART_VERSION */
  readonly ingressNginxVersion?: string;
}

const CONTROLLERS: readonly GatewayController[] = ['k3s-traefik', 'traefik', 'none'];
const VERSION = /^v?\d+\.\d+\.\d+$/;

/** The options after defaults, checked. */
export function resolveClusterSetup(at: string, options: ClusterSetupOptions | undefined): Required<ClusterSetupOptions> {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null)
    throw KstackPropError.of(at, 'cluster', "must be an object such as { gatewayController: 'k3s-traefik' }", o);
  const gatewayController = o.gatewayController ?? 'none';
  if (!CONTROLLERS.includes(gatewayController)) {
    throw KstackPropError.of(at, 'cluster.gatewayController', `must be one of ${CONTROLLERS.join(', ')}`, gatewayController);
  }
  const resolved = {
    gatewayController,
    gatewayApiCrds: o.gatewayApiCrds ?? gatewayController === 'traefik',
    gatewayApiVersion: o.gatewayApiVersion ?? GATEWAY_API_VERSION,
    traefikChartVersion: o.traefikChartVersion ?? TRAEFIK_CHART_VERSION,
    ingressNginx: o.ingressNginx ?? false,
    ingressNginxVersion: o.ingressNginxVersion ?? INGRESS_NGINX_CHART_VERSION,
  };
  for (const key of ['gatewayApiCrds', 'ingressNginx'] as const) {
    if (typeof resolved[key] !== 'boolean') throw KstackPropError.of(at, `cluster.${key}`, 'must be true or false', resolved[key]);
  }
  for (const key of ['gatewayApiVersion', 'traefikChartVersion', 'ingressNginxVersion'] as const) {
    if (typeof resolved[key] !== 'string' || !VERSION.test(resolved[key])) {
      throw KstackPropError.of(at, `cluster.${key}`, "must be a pinned release such as '1.2.3' or 'v1.2.3'", resolved[key]);
    }
  }
  return resolved;
}

/** The URL of a Gateway API release's standard CRDs. */
export function gatewayApiCrdsUrl(version: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version.startsWith('v') ? version : `v${version}`}/standard-install.yaml`;
}

/** A pinned chart from a Helm repository, released under the chart's name. */
interface PinnedChart {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  readonly namespace: string;
  readonly values: object;
  readonly createNamespace?: boolean;
}

function helmRelease(resourceName: string, c: PinnedChart, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  const { chart, version, repo, namespace, values, createNamespace } = c;
  return new k8s.helm.v3.Release(
    resourceName,
    { name: chart, chart, version, repositoryOpts: { repo }, namespace, values, ...(createNamespace ? { createNamespace } : {}) },
    opts,
  );
}

/**
 * Registers what the options ask for, named '<name>-...', children of `parent`, on `provider`.
 * Returns them in order: the CRDs first (the controllers wait for them).
 */
export function setUpCluster(
  name: string,
  setup: Required<ClusterSetupOptions>,
  provider: k8s.Provider,
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const out: pulumi.Resource[] = [];
  if (setup.gatewayApiCrds) {
    out.push(
      new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, { file: gatewayApiCrdsUrl(setup.gatewayApiVersion) }, { provider, parent }),
    );
  }
  const crds = [...out];
  if (setup.gatewayController === 'k3s-traefik') {
    // k3s deploys its Traefik from a HelmChart in kube-system and merges a HelmChartConfig of the
    // same name into its values (docs.k3s.io, "Customizing Packaged Components"). It is cluster
    // setup that bin/k3d-up.sh may apply too (the same bytes: server-side apply then shares the
    // fields), so destroying the app leaves it.
    out.push(
      new k8s.apiextensions.CustomResource(`${name}-k3s-traefik-gateway`, k3sTraefikGatewayConfig(), {
        provider,
        parent,
        dependsOn: crds,
        retainOnDelete: true,
      }),
    );
  } else if (setup.gatewayController === 'traefik') {
    const values = TRAEFIK_GATEWAY_VALUES;
    const chart = {
      chart: 'traefik',
      version: setup.traefikChartVersion,
      repo: 'https://traefik.github.io/charts',
      namespace: 'kube-system',
      values,
    };
    out.push(helmRelease(`${name}-traefik`, chart, { provider, parent, dependsOn: crds }));
  }
  if (setup.ingressNginx) {
    pulumi.log.warn(
      'ingress-nginx is retired (no releases or security fixes since March 2026); kstack installs it only because cluster.ingressNginx is true. Route through the Gateway API instead.',
      parent,
    );
    const values = { controller: { service: { type: 'LoadBalancer' }, ingressClassResource: { name: 'nginx' } } };
    const chart = {
      chart: 'ingress-nginx',
      version: setup.ingressNginxVersion,
      repo: 'https://kubernetes.github.io/ingress-nginx',
      namespace: 'ingress-nginx',
      values,
    };
    out.push(helmRelease(`${name}-ingress-nginx`, { ...chart, createNamespace: true }, { provider, parent }));
  }
  return out;
}
