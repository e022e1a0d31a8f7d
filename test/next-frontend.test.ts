import { names } from '../lib/internal/names';
import { FastApiBackend, NextFrontend } from '../lib';
import { errorOf, find, podSpecOf, podTemplateLabelsOf, testChart } from './util';

describe('NextFrontend', () => {
  test('serves on 3000, probes / and runs as uid 1001 with writable /tmp and .next/cache', () => {
    // GIVEN
    const chart = testChart();
    // WHEN
    new NextFrontend(chart, 'web', { image: 'web:1.0.0' });
    const objects = chart.toJson();
    // THEN
    expect(find(objects, 'Service', 'web').spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 3000, protocol: 'TCP' }]);
    const spec = podSpecOf(find(objects, 'Deployment', 'web'));
    const container = spec.containers[0];
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/', port: 3000 });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/', port: 3000 });
    expect(container.securityContext).toMatchObject({ runAsUser: 1001, readOnlyRootFilesystem: true });
    const mounts = container.volumeMounts.map((m: any) => m.mountPath).sort();
    expect(mounts).toEqual(['/app/.next/cache', '/tmp']);
    for (const m of container.volumeMounts) expect(spec.volumes.find((v: any) => v.name === m.name).emptyDir).toBeDefined();
  });

  test('the api prop injects the backend URL and lets the frontend through the backend policy', () => {
    const chart = testChart();
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    new NextFrontend(chart, 'web', { image: 'web:1.0.0', api, env: { NEXT_PUBLIC_SITE: 'shop' } });
    const objects = chart.toJson();
    const config = find(objects, 'ConfigMap', 'web-config').data;
    expect(config.API_URL).toBe('http://api:8000');
    expect(config.NEXT_PUBLIC_SITE).toBe('shop');
    expect(find(objects, 'Service', 'api').metadata.name).toBe(new URL(config.API_URL).hostname);
    expect(podTemplateLabelsOf(find(objects, 'Deployment', 'web'))[names.accessLabel(api.serviceName)]).toBe('true');
    const egress = find(objects, 'NetworkPolicy', 'api-client-egress');
    expect(egress.spec.podSelector.matchLabels).toEqual({ [names.accessLabel(api.serviceName)]: 'true' });
    expect(egress.spec.egress[0].ports[0].port).toBe(8000);
  });

  test('probe paths are configurable', () => {
    const chart = testChart();
    new NextFrontend(chart, 'web', { image: 'web:1.0.0', healthPath: '/api/health', readinessPath: '/ready' });
    const container = podSpecOf(find(chart.toJson(), 'Deployment', 'web')).containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/api/health');
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
  });

  test('fails when autoscaling minReplicas exceeds maxReplicas', () => {
    expect(
      errorOf(() => new NextFrontend(testChart(), 'web', { image: 'web:1.0.0', autoscaling: { minReplicas: 5, maxReplicas: 2 } })),
    ).toBe("test/web: 'autoscaling.minReplicas' must be <= autoscaling.maxReplicas (2), got 5");
  });

  test('fails when env sets the variable the api wiring provides', () => {
    const chart = testChart();
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    expect(errorOf(() => new NextFrontend(chart, 'web', { image: 'web:1.0.0', api, env: { API_URL: 'http://x' } }))).toMatch(
      /^test\/web: 'env.API_URL' must not be set: 'api' provides it/,
    );
  });
});
