/**
 * The deployment plan without Pulumi (lib/pulumi/plan.ts, order.ts, credentials.ts, images.ts):
 * order, credentials, images and the bad inputs, on trees built here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as k8s from '@pulumi/kubernetes';
import {
  AppNamespace,
  environmentChart,
  FastApiBackend,
  KstackPropError,
  KstackRenderError,
  Postgres,
  resolveCharts,
  SecretValue,
  waive,
} from '../lib';
import { orderObjects, planDeployment, typedResourceClass } from '../lib/pulumi';
import type { K8sObject } from '../lib';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): K8sObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
});

describe('GIVEN objects of every role', () => {
  const objects = [
    obj('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web', 'app'),
    obj('apps/v1', 'Deployment', 'api', 'app'),
    obj('argoproj.io/v1alpha1', 'Application', 'app', 'argocd'),
    obj('cert-manager.io/v1', 'Certificate', 'tls', 'app'),
    obj('v1', 'Namespace', 'app'),
    obj('gateway.networking.k8s.io/v1', 'Gateway', 'web', 'app'),
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.acme.dev'),
    obj('networking.k8s.io/v1', 'Ingress', 'web', 'app'),
    obj('acme.dev/v1', 'Widget', 'w', 'app'),
  ];
  const ordered = orderObjects(objects);
  const byKey = new Map(ordered.map((o) => [o.key, o]));

  test('WHEN ordered THEN Namespaces, CRDs, the rest in synthesis order, routes attached to Gateways after them, the Argo CD Application last', () => {
    expect(ordered.map((o) => o.key)).toEqual([
      'Namespace//app',
      'CustomResourceDefinition//widgets.acme.dev',
      'Deployment/app/api',
      'Certificate/app/tls',
      'Gateway/app/web',
      'Ingress/app/web',
      'Widget/app/w',
      'HTTPRoute/app/web',
      'Application/argocd/app',
    ]);
    // Every dependency is registered earlier.
    ordered.forEach((o, i) => o.dependsOn.forEach((k) => expect(ordered.findIndex((p) => p.key === k)).toBeLessThan(i)));
  });

  test('THEN built-in kinds wait for the Namespaces only; routes and custom resources also for the CRDs and the cluster prerequisites', () => {
    expect(byKey.get('Deployment/app/api')).toMatchObject({ role: 'builtin', dependsOn: ['Namespace//app'], afterPrerequisites: false });
    for (const key of ['Certificate/app/tls', 'Widget/app/w', 'Ingress/app/web', 'Gateway/app/web']) {
      expect(byKey.get(key)!.dependsOn).toEqual(['Namespace//app', 'CustomResourceDefinition//widgets.acme.dev']);
      expect(byKey.get(key)!.afterPrerequisites).toBe(true);
    }
    expect(byKey.get('HTTPRoute/app/web')!.dependsOn).toEqual([
      'Namespace//app',
      'CustomResourceDefinition//widgets.acme.dev',
      'Gateway/app/web',
    ]);
    expect(byKey.get('Application/argocd/app')!.dependsOn).toHaveLength(objects.length - 1);
  });

  test('THEN a typed Pulumi class for the kinds Kubernetes serves, none for custom resources', () => {
    expect(typedResourceClass('apps/v1', 'Deployment')).toBe(k8s.apps.v1.Deployment);
    expect(typedResourceClass('v1', 'Secret')).toBe(k8s.core.v1.Secret);
    expect(typedResourceClass('rbac.authorization.k8s.io/v1', 'Role')).toBe(k8s.rbac.v1.Role);
    expect(typedResourceClass('policy/v1', 'PodDisruptionBudget')).toBe(k8s.policy.v1.PodDisruptionBudget);
    expect(typedResourceClass('apiextensions.k8s.io/v1', 'CustomResourceDefinition')).toBe(k8s.apiextensions.v1.CustomResourceDefinition);
    expect(typedResourceClass('gateway.networking.k8s.io/v1', 'HTTPRoute')).toBeUndefined();
    expect(typedResourceClass('argoproj.io/v1alpha1', 'Application')).toBeUndefined();
    expect(typedResourceClass('apps/v1', 'NoSuchKind')).toBeUndefined();
  });
});

/** A dev tree: a Postgres with a literal password and one backend built from `context`. */
function devTree(build?: string): { app: App; chart: Chart; db: Postgres } {
  const app = new App();
  const chart = environmentChart(app, { name: 'dev', namespace: 'p-dev', app: 'p', version: 'dev' });
  new AppNamespace(chart, 'namespace');
  const db = new Postgres(chart, 'db', { password: SecretValue.unsafePlainText('a-literal-dev-password') });
  waive(db, 'policy/secret-literal', 'dev only: a throwaway password for the test');
  new FastApiBackend(chart, 'api', { image: 'localhost:5000/p/api:dev', database: db, build: build ? { context: build } : undefined });
  return { app, chart, db };
}

function buildRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-plan-'));
  for (const d of ['api', 'other']) {
    fs.mkdirSync(path.join(root, d));
    fs.writeFileSync(path.join(root, d, 'Dockerfile'), `FROM scratch\nLABEL x=${d}\n`);
  }
  return root;
}

describe('GIVEN a dev tree with a literal database password', () => {
  test('WHEN planned THEN the gate runs for dev, the Secret is emptied and planned for a generated password, the tree is untouched', () => {
    const { app } = devTree();
    const before = JSON.stringify(resolveCharts(app).map((m) => m.objects));
    const plan = planDeployment({ app });
    expect(plan.environment).toBe('dev');
    expect(plan.credentials).toHaveLength(1);
    expect(plan.credentials[0]).toMatchObject({ key: 'Secret/p-dev/db-credentials', replacesLiteral: true, secretName: 'db-credentials' });
    expect(plan.credentials[0].fill('pw')).toMatchObject({ password: 'pw', url: 'postgresql://app:pw@db:5432/app' });
    const secret = plan.objects.find((o) => o.key === 'Secret/p-dev/db-credentials')!;
    expect(secret.credentials).toBe(plan.credentials[0]);
    expect(JSON.stringify(plan.objects)).not.toContain('a-literal-dev-password');
    expect(JSON.stringify(resolveCharts(app).map((m) => m.objects))).toBe(before);
  });

  test('fails when the literal reaches another object (an escape hatch copied it into a ConfigMap), without showing it', () => {
    const { app, chart } = devTree();
    new ApiObject(chart, 'copy', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'copy' },
      data: { DSN: 'postgresql://app:a-literal-dev-password@db/app' },
    });
    let err: unknown;
    try {
      planDeployment({ app });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KstackRenderError);
    expect((err as Error).message).toMatch(/the literal password of dev\/db would reach ConfigMap\/p-dev\/copy/);
    expect((err as Error).message).not.toContain('a-literal-dev-password');
  });

  test('WHEN generateCredentials is false THEN the Secret is left as the tree wrote it', () => {
    const plan = planDeployment({ app: devTree().app, generateCredentials: false });
    expect(plan.credentials).toEqual([]);
    expect(JSON.stringify(plan.objects)).toContain('a-literal-dev-password');
  });
});

describe('GIVEN images built from sources', () => {
  test('WHEN planned in registry mode THEN content-tagged names and every container switched', () => {
    const root = buildRoot();
    const plan = planDeployment({ app: devTree('api').app, buildRoot: root, images: { clusterRegistry: 'reg.internal:5000' } });
    expect(plan.images).toHaveLength(1);
    const [img] = plan.images;
    expect(img).toMatchObject({
      key: 'p-dev/api',
      buildName: `localhost:5000/p/api:${img.tag}`,
      pullName: `reg.internal:5000/p/api:${img.tag}`,
      push: true,
    });
    expect(plan.objects.find((o) => o.key === 'Deployment/p-dev/api')!.images).toEqual(['p-dev/api']);
    expect(plan.outputs.images['p-dev/api']).toBe(img.pullName);
  });

  test('fails when two workloads name the same image but build it from different contexts', () => {
    const { app, chart } = devTree('api');
    new FastApiBackend(chart, 'worker', { image: 'localhost:5000/p/api:dev', build: { context: 'other' } });
    expect(() => planDeployment({ app, buildRoot: buildRoot() })).toThrow(
      /dev\/worker and dev\/api name the same image 'localhost:5000\/p\/api:dev' but build it from different contexts/,
    );
  });

  test('fails when registry mode has no registry to push to', () => {
    const { app, chart } = devTree();
    new FastApiBackend(chart, 'web', { image: 'p/web:dev', build: { context: 'api' } });
    expect(() => planDeployment({ app, buildRoot: buildRoot() })).toThrow(
      /'images.registry' must name the registry to push to .* dev\/web is built from api/,
    );
  });
});

describe('GIVEN the selection arguments', () => {
  test('WHEN charts are given THEN only their objects and descriptions are planned', () => {
    const { app } = devTree();
    const other = new Chart(app, 'other', { namespace: 'other' });
    new ApiObject(other, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: {} });
    const plan = planDeployment({ app, charts: [other], environment: 'dev' });
    expect(plan.objects.map((o) => o.key)).toEqual(['ConfigMap/other/cm']);
    expect(plan.credentials).toEqual([]);
  });

  test.each([
    [{}, /'app' must be given .* or synthesis instead, not both/],
    [{ app: new App(), synthesis: {} as never }, /'app' must be given/],
    [{ app: {} as never }, /'app' must be a cdk8s App/],
    [{ app: new App() }, /'app' must have at least one chart with objects/],
    [{ app: new App(), images: { mode: 'kind-load' as never } }, /'images.mode' must be one of registry, docker-env, got "kind-load"/],
    [{ app: new App(), charts: [new Chart(new App(), 'x')] }, /'charts' must be charts of the app, got construct x/],
  ])('fails with a prop error on bad arguments (%#)', (args, message) => {
    expect(() => planDeployment(args, 'd')).toThrow(KstackPropError);
    expect(() => planDeployment(args, 'd')).toThrow(message);
  });
});
