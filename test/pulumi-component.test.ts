/**
 * KstackDeployment as a consumer uses it: a tree of the consumer's own (its names, its folder
 * layout, a managed database, two backends), deployed through the component under
 * `pulumi.runtime.setMocks`. The registered set must be the synthesized set.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AppNamespace, FastApiBackend, NginxIngress, Postgres, resolveCharts } from '../lib';
import { hashBuildContext, KstackDeployment, KstackDeploymentArgs } from '../lib/pulumi';
import {
  expectCleanFailure,
  Registration,
  isK8sObject,
  keyOf,
  MOCK_PASSWORD,
  monitorState,
  registered,
  settled,
  useMocks,
  valueOf,
} from './pulumi-mocks';

const ROOT = path.resolve(__dirname, '..');

/** A consumer's project folder: two services with a Dockerfile each. */
function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-consumer-'));
  for (const service of ['orders', 'billing']) {
    fs.mkdirSync(path.join(root, 'services', service), { recursive: true });
    fs.writeFileSync(path.join(root, 'services', service, 'Dockerfile'), 'FROM python:3.12-slim\nCOPY . /app\n');
    fs.writeFileSync(path.join(root, 'services', service, 'main.py'), `print("${service}")\n`);
  }
  return root;
}

/** The consumer's tree: namespace 'shop', a managed database, two backends behind one host. */
function shop(options: { inClusterDb?: boolean; certificate?: boolean } = {}): App {
  const app = new App();
  const chart = new Chart(app, 'shop', { namespace: 'shop', labels: { 'app.kubernetes.io/part-of': 'shop' } });
  new AppNamespace(chart, 'namespace', { name: 'shop' });
  const db = options.inClusterDb
    ? new Postgres(chart, 'db', { name: 'orders-db' })
    : Postgres.fromConnectionUrl(chart, 'db', { name: 'neon', secretName: 'neon-url' });
  const backend = (id: string) =>
    new FastApiBackend(chart, id, {
      image: `registry.acme.dev/shop/${id}:1.4.0`,
      build: { context: `services/${id}` },
      database: db,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    });
  const orders = backend('orders');
  const billing = backend('billing');
  new NginxIngress(chart, 'ingress', {
    host: 'shop.example.com',
    tls: { clusterIssuer: 'letsencrypt' },
    routes: [
      { path: '/orders', backend: orders, stripPrefix: true },
      { path: '/billing', backend: billing, stripPrefix: true },
    ],
  });
  if (options.certificate) {
    new ApiObject(chart, 'wildcard', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'wildcard' },
      spec: { secretName: 'wildcard-tls', dnsNames: ['*.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
    });
  }
  return app;
}

const synthesizedKeys = (app: App) => new Set(resolveCharts(app).flatMap((m) => m.objects.map(keyOf)));

async function deploy(args: KstackDeploymentArgs, stack = 'shop-dev'): Promise<KstackDeployment> {
  useMocks(stack, {}, 'shop');
  const d = new KstackDeployment('shop', args);
  await settled(d);
  return d;
}

describe('GIVEN a consumer tree with a managed database and two backends', () => {
  const root = project();
  let app: App;
  let d: KstackDeployment;

  beforeAll(async () => {
    app = shop();
    d = await deploy({
      app,
      kubeContext: 'kind-shop',
      buildRoot: root,
      images: { registry: 'localhost:5001', clusterRegistry: 'kind-registry:5000' },
    });
  });

  test('WHEN deployed THEN the registered set is the synthesized set: no Secret is added for a managed database', () => {
    const keys = registered.filter(isK8sObject).map((r) => keyOf(r.inputs));
    expect(keys.length).toBe(new Set(keys).size);
    expect(new Set(keys)).toEqual(synthesizedKeys(app));
    expect(registered.some((r) => r.type.startsWith('random:'))).toBe(false);
    for (const r of registered.filter(isK8sObject)) expect(r.name).toMatch(/^shop-/);
  });

  test('THEN each backend is built from its own folder with a content-hash tag, and its Deployment pulls it in-cluster', () => {
    for (const service of ['orders', 'billing']) {
      const tag = hashBuildContext(path.join(root, 'services', service), 'Dockerfile').slice(0, 16);
      const image = registered.find((r) => r.type === 'docker:index/image:Image' && r.name === `shop-image-shop-${service}`);
      expect(image?.inputs).toMatchObject({ imageName: `localhost:5001/shop/${service}:${tag}`, skipPush: false });
      expect(path.resolve(image!.inputs.build.context)).toBe(path.join(root, 'services', service));
      const dep = registered.find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === service)!;
      expect(dep.inputs.spec.template.spec.containers[0].image).toBe(`kind-registry:5000/shop/${service}:${tag}`);
      expect(d.imageRefs[`shop/${service}`]).toBe(`kind-registry:5000/shop/${service}:${tag}`);
    }
  });

  test('THEN the outputs are the namespace, the https URL and the image references; every resource is a child of the component', () => {
    expect(d.namespaces).toEqual(['shop']);
    expect(d.urls).toEqual(['https://shop.example.com']);
    const state = monitorState();
    expect(state.get(`urn:pulumi:shop-dev::shop::${KstackDeployment.TYPE}::shop`)).toEqual({
      namespaces: ['shop'],
      urls: ['https://shop.example.com'],
      images: d.imageRefs,
    });
    for (const urn of state.keys()) if (!urn.endsWith('::shop')) expect(urn.split('::')[2]).toMatch(/^kstack:index:KstackDeployment\$/);
  });

  test('WHEN the sources of one service change THEN only its tag changes', async () => {
    const before = { ...d.imageRefs };
    fs.writeFileSync(path.join(root, 'services', 'billing', 'main.py'), 'print("billing v2")\n');
    const again = await deploy({ app: shop(), kubeContext: 'kind-shop', buildRoot: root, images: { registry: 'localhost:5001' } });
    expect(again.imageRefs['shop/orders'].split(':').pop()).toBe(before['shop/orders'].split(':').pop());
    expect(again.imageRefs['shop/billing']).not.toBe(before['shop/billing']);
  });
});

describe('GIVEN a consumer tree with an in-cluster database without a password', () => {
  test('WHEN deployed THEN its Secret is added with a generated password, through the construct mapping, with the chart labels', async () => {
    const root = project();
    const app = shop({ inClusterDb: true });
    const d = await deploy({ app, kubeContext: 'kind-shop', buildRoot: root, images: { registry: 'localhost:5001' } });
    const keys = new Set(registered.filter(isK8sObject).map((r) => keyOf(r.inputs)));
    expect(keys).toEqual(new Set([...synthesizedKeys(app), 'Secret/shop/orders-db-credentials']));
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret')!;
    expect(secret.inputs.metadata).toEqual({
      name: 'orders-db-credentials',
      namespace: 'shop',
      labels: { 'app.kubernetes.io/part-of': 'shop' },
    });
    const data = await valueOf(d.credentials.get('Secret/shop/orders-db-credentials')!);
    expect(data.url).toBe(`postgresql://app:${MOCK_PASSWORD}@orders-db:5432/app`);
    expect(await pulumi.isSecret(d.credentials.get('Secret/shop/orders-db-credentials')!)).toBe(true);
  });
});

describe('GIVEN a provider and prerequisites of the consumer', () => {
  test('WHEN given THEN no provider is created, and custom resources and routes wait for the prerequisites', async () => {
    useMocks('shop-dev', {}, 'shop');
    const provider = new k8s.Provider('cluster', { context: 'kind-shop' });
    const certManager = new k8s.helm.v3.Release(
      'cert-manager',
      { chart: 'cert-manager', version: '1.18.2', repositoryOpts: { repo: 'https://charts.jetstack.io' } },
      { provider },
    );
    const d = new KstackDeployment('shop', {
      app: shop({ certificate: true }),
      provider,
      prerequisites: [certManager],
      buildRoot: project(),
      images: { registry: 'localhost:5001' },
    });
    await settled(d);
    expect(registered.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => r.name)).toEqual(['cluster']);
    expect(d.provider).toBe(provider);
    const certificate = registered.find((r) => r.type === 'kubernetes:cert-manager.io/v1:Certificate');
    expect(certificate?.provider).toMatch(/::cluster::cluster_id$/);
    for (const key of ['Certificate/shop/wildcard', 'Ingress/shop/ingress-strip'])
      expect(d.resourceOptions.get(key)!.dependsOn).toEqual(expect.arrayContaining([d.resources.get('Namespace//shop'), certManager]));
    expect(d.resourceOptions.get('Service/shop/orders')!.dependsOn).not.toContain(certManager);
  });
});

describe('GIVEN bad arguments: a KstackError before any resource, the component included', () => {
  function expectNothingRegistered(args: KstackDeploymentArgs, message: RegExp): Promise<void> {
    useMocks('shop-dev', {}, 'shop');
    return expectCleanFailure(() => new KstackDeployment('shop', args), message);
  }

  test('fails when neither a provider nor a kubeContext is given', () =>
    expectNothingRegistered(
      { app: shop(), buildRoot: project() },
      /KstackDeployment shop: 'kubeContext' must name the kubeconfig context/,
    ));

  test('fails when the build root is missing', () =>
    expectNothingRegistered(
      { app: shop(), kubeContext: 'x' },
      /KstackDeployment shop: 'buildRoot' must be the folder .* since shop\/orders has 'build'/,
    ));

  test('fails when the registry is unknown', () =>
    expectNothingRegistered(
      { app: shop(), kubeContext: 'x', buildRoot: project(), images: { registry: '' } },
      /'images.registry' must be a non-empty string without spaces, got ""/,
    ));

  test('fails when the cluster setup names an unknown controller', () =>
    expectNothingRegistered(
      {
        app: shop(),
        kubeContext: 'x',
        buildRoot: project(),
        images: { registry: 'r:5000' },
        cluster: { gatewayController: 'nginx' as never },
      },
      /'cluster.gatewayController' must be one of k3s-traefik, traefik, none, got "nginx"/,
    ));

  test('fails when the tree does not pass the gate', () => {
    const app = shop();
    new ApiObject(Chart.of(app.node.findChild('shop')), 'leak', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'leak' },
      stringData: { token: 'x' },
    });
    return expectNothingRegistered(
      { app, kubeContext: 'x', buildRoot: project(), images: { registry: 'r:5000' } },
      /validation gate failed with 1 error/,
    );
  });
});

describe("GIVEN the consumer's index.ts of docs/pulumi.md", () => {
  test('WHEN run as written (kstack imports pointed at this checkout) THEN it deploys its tree with a generated password and two builds', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs/pulumi.md'), 'utf8');
    const code = /A consumer's `index.ts`[\s\S]*?```ts\n([\s\S]*?)```/.exec(docs)![1];
    // Inside the repository, so that @pulumi/*, cdk8s and constructs resolve from its node_modules.
    const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.tmp-docs-'));
    try {
      for (const d of ['api', 'web']) {
        fs.mkdirSync(path.join(dir, d));
        fs.writeFileSync(path.join(dir, d, 'Dockerfile'), `FROM scratch\nLABEL service=${d}\n`);
      }
      const lib = path.join(ROOT, 'lib');
      fs.writeFileSync(
        path.join(dir, 'index.ts'),
        code.replace(/from 'kstack'/g, `from '${lib}'`).replace(/from 'kstack\/pulumi'/g, `from '${lib}/pulumi'`),
      );
      const script = `
        require(${JSON.stringify(path.join(ROOT, 'bin/register.js'))});
        const pulumi = require('@pulumi/pulumi');
        const seen = [];
        pulumi.runtime.setMocks({ newResource: (a) => { seen.push({ type: a.type, inputs: a.inputs }); return { id: a.name + '_id', state: a.type.startsWith('random:') ? { ...a.inputs, result: 'pw' } : a.inputs }; }, call: () => ({}) }, 'shop', 'dev', false);
        pulumi.runtime.setAllConfig({ 'shop:kubeContext': 'k3d-shop', 'shop:clusterRegistry': 'k3d-shop-registry:5000' });
        const out = require('./index.ts');
        process.on('beforeExit', () => { process.stdout.write(JSON.stringify({ urls: out.urls, images: out.images, seen })); process.exit(0); });
      `;
      const res = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', timeout: 60000 });
      expect(res.stderr).toBe('');
      const out = JSON.parse(res.stdout);
      expect(out.urls).toEqual(['http://shop.localhost']);
      expect(out.images['shop/api']).toMatch(/^k3d-shop-registry:5000\/shop\/api:[0-9a-f]{16}$/);
      expect(out.images['shop/web']).toMatch(/^k3d-shop-registry:5000\/shop\/web:[0-9a-f]{16}$/);
      const types = out.seen.map((r: Registration) => r.type);
      expect(types.filter((t: string) => t === 'docker:index/image:Image')).toHaveLength(2);
      expect(types).toContain('kubernetes:apps/v1:StatefulSet');
      const secret = out.seen.find((r: Registration) => r.type === 'kubernetes:core/v1:Secret');
      expect(secret.inputs.metadata).toMatchObject({ name: 'db-credentials', namespace: 'shop' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
