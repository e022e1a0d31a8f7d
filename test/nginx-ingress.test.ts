import { FastApiBackend, NextFrontend, NginxIngress } from '../lib';
import { errorOf, find, findAll, testChart } from './util';

function app() {
  const chart = testChart();
  const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
  const web = new NextFrontend(chart, 'web', { image: 'web:1.0.0', api });
  return { chart, api, web };
}

describe('NginxIngress', () => {
  test('routes / to the frontend and /api to the backend with the prefix stripped', () => {
    // GIVEN
    const { chart, api, web } = app();
    // WHEN
    new NginxIngress(chart, 'ingress', {
      host: 'shop.example.com',
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const objects = chart.toJson();
    // THEN
    const plain = find(objects, 'Ingress', 'ingress');
    expect(plain.spec.ingressClassName).toBe('nginx');
    expect(plain.spec.rules).toEqual([
      {
        host: 'shop.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 3000 } } } }] },
      },
    ]);
    const strip = find(objects, 'Ingress', 'ingress-strip');
    expect(strip.metadata.annotations['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(strip.metadata.annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    expect(strip.spec.rules[0].http.paths[0]).toEqual({
      path: '/api(/|$)(.*)',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'api', port: { number: 8000 } } },
    });
    // every backend names an existing Service and one of its ports
    for (const ing of findAll(objects, 'Ingress')) {
      for (const p of ing.spec.rules[0].http.paths) {
        const svc = find(objects, 'Service', p.backend.service.name);
        expect(svc.spec.ports.map((x: any) => x.port)).toContain(p.backend.service.port.number);
      }
    }
  });

  test('admits the ingress controller namespace to each routed service only', () => {
    const { chart, api, web } = app();
    new NginxIngress(chart, 'ingress', {
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const objects = chart.toJson();
    const policy = find(objects, 'NetworkPolicy', 'web-allow-ingress-ingress');
    expect(policy.spec.podSelector.matchLabels).toEqual(web.connections.podSelector);
    expect(policy.spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ protocol: 'TCP', port: 3000 }],
    });
    expect(find(objects, 'NetworkPolicy', 'api-allow-ingress-ingress').spec.ingress[0].ports[0].port).toBe(8000);
  });

  test('TLS through cert-manager, body size and timeouts', () => {
    const { chart, web } = app();
    new NginxIngress(chart, 'ingress', {
      host: 'shop.example.com',
      routes: [{ path: '/', backend: web }],
      tls: { clusterIssuer: 'letsencrypt' },
      maxBodySize: '20m',
      proxyTimeoutSeconds: 120,
    });
    const ing = find(chart.toJson(), 'Ingress', 'ingress');
    expect(ing.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'ingress-tls' }]);
    expect(ing.metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      'nginx.ingress.kubernetes.io/proxy-body-size': '20m',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
    });
  });

  test('fails when the same host and path are routed twice', () => {
    const { chart, api, web } = app();
    expect(
      errorOf(
        () =>
          new NginxIngress(chart, 'ingress', {
            host: 'a.example.com',
            routes: [
              { path: '/', backend: web },
              { path: '/', backend: api },
            ],
          }),
      ),
    ).toBe(
      'test/ingress: \'routes[1].path\' must be unique in namespace shop: test/ingress already routes a.example.com/ (a host and path may be routed once), got "/"',
    );
  });

  test('fails when the host is not a DNS name', () => {
    const { chart, web } = app();
    expect(
      errorOf(() => new NginxIngress(chart, 'ingress', { host: 'https://shop.example.com', routes: [{ path: '/', backend: web }] })),
    ).toMatch(/^test\/ingress: 'host' must be a lower-case DNS-1123 subdomain.*got "https:\/\/shop.example.com"$/);
  });

  test('fails when a route path is relative', () => {
    const { chart, web } = app();
    expect(errorOf(() => new NginxIngress(chart, 'ingress', { routes: [{ path: 'api', backend: web }] }))).toMatch(
      /^test\/ingress: 'routes\[0\].path' must be an absolute path, got "api"$/,
    );
  });
});
