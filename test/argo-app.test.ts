import { ArgoApp, AppNamespace } from '../lib';
import { errorOf, find, testChart } from './util';

describe('ArgoApp', () => {
  test('an Application in argocd with automated prune/selfHeal, CreateNamespace, ServerSideApply and retry', () => {
    // GIVEN
    const chart = testChart();
    // WHEN
    new ArgoApp(chart, 'shop-prod', { repoURL: 'https://github.com/acme/shop.git', path: 'dist/prod', destinationNamespace: 'shop' });
    // THEN
    const app = find(chart.toJson(), 'Application', 'shop-prod');
    expect(app.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/acme/shop.git', targetRevision: 'HEAD', path: 'dist/prod' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'shop' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'ServerSideApply=true']);
    expect(app.spec.syncPolicy.retry.limit).toBe(5);
  });

  test('the path defaults to the chart output folder', () => {
    const chart = testChart();
    new ArgoApp(chart, 'shop', { repoURL: 'git@github.com:acme/shop.git', destinationNamespace: 'shop' });
    expect(find(chart.toJson(), 'Application', 'shop').spec.source.path).toBe('dist/test');
  });

  test('fails when repoURL is not a Git URL', () => {
    expect(errorOf(() => new ArgoApp(testChart(), 'shop', { repoURL: 'github.com/acme', destinationNamespace: 'shop' }))).toMatch(
      /^test\/shop: 'repoURL' must be a Git URL.*got "github.com\/acme"$/,
    );
  });

  test('fails when path escapes the repository', () => {
    expect(
      errorOf(
        () => new ArgoApp(testChart(), 'shop', { repoURL: 'https://x.example/r.git', path: '../secrets', destinationNamespace: 'shop' }),
      ),
    ).toMatch(/^test\/shop: 'path' must be a folder relative to the repository root/);
  });
});

describe('AppNamespace', () => {
  test('enforces restricted, denies by default and allows DNS', () => {
    const chart = testChart('shop');
    new AppNamespace(chart, 'ns', { name: 'shop' });
    const objects = chart.toJson();
    const ns = find(objects, 'Namespace', 'shop');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find(objects, 'NetworkPolicy', 'allow-dns').spec.egress[0].ports).toContainEqual({ protocol: 'UDP', port: 53 });
  });

  test('fails when the name is not a DNS label', () => {
    expect(errorOf(() => new AppNamespace(testChart(), 'ns', { name: 'Shop_Prod' }))).toMatch(
      /^test\/ns: 'name' must be a DNS-1123 label.*got "Shop_Prod"$/,
    );
  });
});
