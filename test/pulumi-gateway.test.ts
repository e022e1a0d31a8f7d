/**
 * The Gateway API through this repository's Pulumi program: what a cluster gets (pinned) when an
 * environment routes through the Gateway API, and that the routes wait for it. The routes come
 * from a construct of the test's own that describes a 'gateway-api' router and renders HTTPRoutes,
 * as any router construct would (lib/description.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { deployStack } from '../bin/pulumi/program';
import {
  AppNamespace,
  defineStack,
  DESCRIBE,
  Described,
  environmentChart,
  FastApiBackend,
  RouterDescription,
  StackDefinition,
} from '../lib';
import {
  GATEWAY_API_VERSION,
  k3sTraefikGatewayConfig,
  KstackDeployment,
  TRAEFIK_CHART_VERSION,
  TRAEFIK_GATEWAY_VALUES,
} from '../lib/pulumi';
import { flush, registered, requestOf, settled, useMocks } from './pulumi-mocks';

const ROOT = path.resolve(__dirname, '..');
const devFile = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.dev.yaml'), 'utf8')).config as Record<string, string>;
const DEV_CONFIG = Object.fromEntries(Object.entries(devFile).map(([k, v]) => [k.replace(/^kstack:/, ''), String(v)]));

/**
 * A router that describes itself as Gateway API routes and renders, as the reference dev
 * environment's GatewayRoutes does on k3d, a Gateway of class 'traefik' on Traefik's web
 * entrypoint and an HTTPRoute attached to it.
 */
class TestGatewayRouter extends Construct {
  readonly router: RouterDescription;

  constructor(scope: Construct, id: string, backend: FastApiBackend) {
    super(scope, id);
    this.router = {
      name: 'web',
      namespace: backend.namespace,
      kind: 'gateway-api',
      host: 'gw.localhost',
      maxBodySize: '10m',
      proxyTimeoutSeconds: 60,
      routes: [
        {
          path: '/',
          stripPrefix: false,
          backend: { serviceName: backend.serviceName, namespace: backend.namespace, port: backend.port, path: backend.node.path },
        },
      ],
    };
    new ApiObject(this, 'Gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web' },
      spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', port: 8000, protocol: 'HTTP' }] },
    });
    new ApiObject(this, 'Route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: ['gw.localhost'],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: backend.serviceName, port: backend.port }] },
        ],
      },
    });
  }

  [DESCRIBE](): Described {
    return { router: this.router };
  }
}

/** A dev environment whose only router is a Gateway API one. */
function gatewayStack() {
  return defineStack({
    environments: { dev: { name: 'dev', namespace: 'gw-dev', app: 'gw', version: 'dev' } },
    build: (app: App, env) => {
      const chart: Chart = environmentChart(app, env);
      new AppNamespace(chart, 'namespace');
      const api = new FastApiBackend(chart, 'api', { image: 'ghcr.io/acme/api:1.0.0' });
      new TestGatewayRouter(chart, 'routes', api);
      return { files: { 'app.k8s.yaml': chart } };
    },
  });
}

async function deploy(config: Record<string, string>, def: StackDefinition = gatewayStack()): Promise<KstackDeployment> {
  useMocks('dev', config);
  const d = deployStack(def);
  await settled(d);
  return d;
}

const helmChartConfigs = () => registered.filter((r) => r.type === 'kubernetes:helm.cattle.io/v1:HelmChartConfig');

describe('GIVEN an environment that routes through the Gateway API, on k3d (the committed Pulumi.dev.yaml)', () => {
  let d: KstackDeployment;
  beforeAll(async () => {
    d = await deploy(DEV_CONFIG);
  });

  test("THEN k3s's Traefik gets its Gateway provider from a HelmChartConfig in kube-system, with the pinned values", () => {
    const configs = helmChartConfigs();
    expect(configs).toHaveLength(1);
    expect(configs[0].name).toBe('kstack-k3s-traefik-gateway');
    expect(configs[0].inputs.metadata).toEqual({ name: 'traefik', namespace: 'kube-system' });
    expect(configs[0].inputs.spec.valuesContent).toBe('providers:\n  kubernetesGateway:\n    enabled: true');
    expect(configs[0].provider).toMatch(/::kstack-k8s::kstack-k8s_id$/);
    // Cluster setup that bin/k3d-up.sh may apply too: destroying the app leaves it.
    expect(requestOf(configs[0]).retainOnDelete).toBe(true);
  });

  test('THEN docs/pulumi.md shows the HelmChartConfig byte for byte as registered (for cluster scripts that apply it too)', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs/pulumi.md'), 'utf8');
    const block = /`k3sTraefikGatewayConfig\(\)`[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)![1];
    expect(parse(block)).toEqual(k3sTraefikGatewayConfig());
    expect(helmChartConfigs()[0].inputs).toEqual(k3sTraefikGatewayConfig());
  });

  test('THEN no Gateway API CRDs are installed (k3s ships them with its Traefik), and no Helm release at all', () => {
    expect(registered.filter((r) => r.type.startsWith('kubernetes:yaml/') || r.type === 'kubernetes:helm.sh/v3:Release')).toEqual([]);
  });

  test('THEN the Gateway and the HTTPRoute are generic custom resources after the Traefik configuration, the HTTPRoute after its Gateway', () => {
    expect(registered.find((r) => r.type === 'kubernetes:gateway.networking.k8s.io/v1:Gateway')?.inputs.spec.gatewayClassName).toBe(
      'traefik',
    );
    expect(d.resourceOptions.get('Gateway/gw-dev/web')!.dependsOn).toEqual(expect.arrayContaining([...d.prerequisites]));
    expect(d.resourceOptions.get('HTTPRoute/gw-dev/web')!.dependsOn).toContain(d.resources.get('Gateway/gw-dev/web'));

    const route = registered.find((r) => r.type === 'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute');
    expect(route?.inputs.metadata).toMatchObject({ name: 'web', namespace: 'gw-dev' });
    const deps = d.resourceOptions.get('HTTPRoute/gw-dev/web')!.dependsOn as pulumi.Resource[];
    expect(deps).toContain(d.resources.get('Namespace//gw-dev'));
    expect(deps).toEqual(expect.arrayContaining([...d.prerequisites]));
    expect(d.prerequisites).toHaveLength(1);
    // Objects Kubernetes serves itself do not wait for the cluster setup.
    expect(d.resourceOptions.get('Deployment/gw-dev/api')!.dependsOn).not.toContain(d.prerequisites[0]);
  });

  test('THEN the URL output comes from the router description', () => {
    expect(d.urls).toEqual(['http://gw.localhost']);
  });
});

describe('GIVEN other clusters and switches', () => {
  test("WHEN gatewayController is 'traefik' (Minikube, kind) THEN the pinned Gateway API CRDs, then the pinned Traefik chart in kube-system", async () => {
    const d = await deploy({ kubeContext: 'minikube', imageMode: 'docker-env', gatewayController: 'traefik' });
    const crds = registered.filter((r) => r.type === 'kubernetes:yaml/v2:ConfigFile');
    expect(crds.map((r) => r.inputs.file)).toEqual([
      `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`,
    ]);
    expect(GATEWAY_API_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(releases).toHaveLength(1);
    expect(releases[0].inputs).toMatchObject({
      name: 'traefik',
      chart: 'traefik',
      version: TRAEFIK_CHART_VERSION,
      repositoryOpts: { repo: 'https://traefik.github.io/charts' },
      namespace: 'kube-system',
      values: TRAEFIK_GATEWAY_VALUES,
    });
    expect(TRAEFIK_CHART_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(helmChartConfigs()).toEqual([]);
    expect(d.prerequisites).toHaveLength(2);
    // The chart waits for the CRDs.
    const crdsUrn = `urn:pulumi:dev::kstack::${KstackDeployment.TYPE}$kubernetes:yaml/v2:ConfigFile::kstack-gateway-api-crds`;
    expect(requestOf(releases[0]).dependencies).toEqual([crdsUrn]);
    expect(requestOf(crds[0]).parent).toBe(`urn:pulumi:dev::kstack::${KstackDeployment.TYPE}::kstack`);
  });

  test('WHEN kstack:gatewayApi is false THEN nothing is set up, whatever the routers are', async () => {
    const d = await deploy({ ...DEV_CONFIG, gatewayApi: 'false' });
    expect(helmChartConfigs()).toEqual([]);
    expect(d.prerequisites).toEqual([]);
  });

  test('WHEN kstack:gatewayApi is true for an environment that renders NginxIngress THEN the Gateway API is set up anyway', async () => {
    useMocks('staging', { kubeContext: 'k3d-kstack', gatewayApi: 'true', gatewayController: 'k3s-traefik' });
    const d = deployStack();
    await settled(d);
    expect(d.plan.description.routers.map((r) => r.kind)).toEqual(['nginx-ingress']);
    expect(helmChartConfigs()).toHaveLength(1);
    expect(registered.some((r) => r.inputs?.kind === 'Ingress')).toBe(true);
  });

  test('fails when kstack:gatewayController is unknown, before any resource', async () => {
    useMocks('dev', { ...DEV_CONFIG, gatewayController: 'istio' });
    expect(() => deployStack(gatewayStack())).toThrow(
      /stack dev: 'kstack:gatewayController' must be one of k3s-traefik, traefik, none, got "istio"/,
    );
    await flush();
    expect(registered).toHaveLength(0);
  });
});
