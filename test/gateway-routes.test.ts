import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { describeStack, FastApiBackend, GatewayRoutes, GatewayRoutesProps, NextFrontend, NginxIngress, renderCompose } from '../lib';
import { errorOf, find, findAll, testChart } from './util';

function app() {
  const chart = testChart();
  const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
  const web = new NextFrontend(chart, 'web', { image: 'web:1.0.0', api });
  return { chart, api, web };
}

/** The Gateway API models validate only instances of their own class (a plain object passes anything). */
function expectSchemaValid(obj: any): void {
  const Model = obj.kind === 'Gateway' ? Gateway : HTTPRoute;
  expect(() => new Model(obj).validate()).not.toThrow();
}

describe('GatewayRoutes', () => {
  test('GIVEN an existing Gateway WHEN / and a stripped /api are routed THEN one schema-valid HTTPRoute attaches to it, with a PathPrefix rule per route and ReplacePrefixMatch for the strip', () => {
    // GIVEN
    const { chart, api, web } = app();
    // WHEN
    new GatewayRoutes(chart, 'routes', {
      host: 'shop.example.com',
      gateway: { name: 'public', namespace: 'gateway-system', sectionName: 'web' },
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const objects = chart.toJson();
    // THEN
    const route = find(objects, 'HTTPRoute', 'routes');
    expectSchemaValid(route);
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata.namespace).toBe('shop');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway-system', sectionName: 'web' }]);
    expect(route.spec.hostnames).toEqual(['shop.example.com']);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
        backendRefs: [{ name: 'api', port: 8000 }],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 3000 }] },
    ]);
    // every backendRef names a Service of the chart and one of its ports
    for (const rule of route.spec.rules) {
      const ref = rule.backendRefs[0];
      expect(find(objects, 'Service', ref.name).spec.ports.map((p: any) => p.port)).toContain(ref.port);
    }
    expect(findAll(objects, 'Gateway')).toHaveLength(0);
    expect(findAll(objects, 'Ingress')).toHaveLength(0);
  });

  test('GIVEN a referenced Gateway WHEN synthesized THEN the Gateway is declared external for the gate, and the data plane defaults to its namespace', () => {
    const { chart, web } = app();
    const routes = new GatewayRoutes(chart, 'routes', {
      gateway: { name: 'public', namespace: 'gateway-system' },
      routes: [{ path: '/', backend: web }],
    });
    expect(routes.node.metadata.find((m) => m.type === 'kstack:external')?.data).toEqual({
      kind: 'Gateway',
      name: 'public',
      namespace: 'gateway-system',
    });
    expect(routes.dataPlaneNamespace).toBe('gateway-system');
    const policy = find(chart.toJson(), 'NetworkPolicy', 'web-allow-ingress-routes');
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } } },
    ]);
  });

  test("GIVEN createGateway for k3s's Traefik WHEN routed THEN a Gateway of class traefik listens on the web entrypoint, the route attaches to it, and kube-system is admitted to each routed port", () => {
    const { chart, api, web } = app();
    const routes = new GatewayRoutes(chart, 'routes', {
      host: 'app.localhost',
      createGateway: { gatewayClassName: 'traefik', port: 8000 },
      dataPlaneNamespace: 'kube-system',
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const objects = chart.toJson();
    const gateway = find(objects, 'Gateway', 'routes');
    expectSchemaValid(gateway);
    expect(gateway.spec).toEqual({
      gatewayClassName: 'traefik',
      listeners: [
        { name: 'http', protocol: 'HTTP', port: 8000, hostname: 'app.localhost', allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
    });
    expect(find(objects, 'HTTPRoute', 'routes').spec.parentRefs).toEqual([{ name: 'routes' }]);
    for (const [service, port] of [
      ['web', 3000],
      ['api', 8000],
    ] as const) {
      const policy = find(objects, 'NetworkPolicy', `${service}-allow-ingress-routes`);
      expect(policy.spec.ingress[0]).toEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
        ports: [{ protocol: 'TCP', port }],
      });
    }
    expect(routes.objects.admissions.size).toBe(2);
    expect(api.workload.connections.inbound).toContainEqual({
      peer: { kind: 'namespace', namespace: 'kube-system' },
      ports: [8000],
      hosts: [],
      reason: 'route app.localhost/api (test/routes)',
    });
  });

  test('GIVEN createGateway with TLS through cert-manager WHEN synthesized THEN an HTTPS listener terminates with the issued Secret, the routes attach to it and plain HTTP redirects', () => {
    const { chart, web } = app();
    const routes = new GatewayRoutes(chart, 'routes', {
      host: 'shop.example.com',
      createGateway: { gatewayClassName: 'eg', tls: { clusterIssuer: 'letsencrypt' } },
      dataPlaneNamespace: 'envoy-gateway-system',
      routes: [{ path: '/', backend: web }],
    });
    const objects = chart.toJson();
    const gateway = find(objects, 'Gateway', 'routes');
    expectSchemaValid(gateway);
    expect(gateway.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(gateway.spec.listeners.map((l: any) => [l.name, l.protocol, l.port])).toEqual([
      ['http', 'HTTP', 80],
      ['https', 'HTTPS', 443],
    ]);
    expect(gateway.spec.listeners[1].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'routes-tls' }] });
    expect(find(objects, 'HTTPRoute', 'routes').spec.parentRefs).toEqual([{ name: 'routes', sectionName: 'https' }]);
    const redirect = find(objects, 'HTTPRoute', 'routes-https-redirect');
    expectSchemaValid(redirect);
    expect(redirect.spec.parentRefs).toEqual([{ name: 'routes', sectionName: 'http' }]);
    expect(redirect.spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    expect(routes.router.tls).toEqual({ secretName: 'routes-tls', clusterIssuer: 'letsencrypt' });
    expect(routes.node.metadata.find((m) => m.type === 'kstack:external-secret')?.data).toBe('routes-tls');
  });

  test('GIVEN a GatewayRoutes WHEN described THEN it is a gateway-api router, and Compose serves its routes from nginx.conf', () => {
    const { chart, api, web } = app();
    new GatewayRoutes(chart, 'routes', {
      gateway: { name: 'traefik-gateway', namespace: 'kube-system' },
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
      maxBodySize: '20m',
    });
    const [router] = describeStack(chart).routers;
    expect(router).toMatchObject({ kind: 'gateway-api', name: 'routes', namespace: 'shop', maxBodySize: '20m', path: 'test/routes' });
    expect(router.routes.map((r) => [r.path, r.stripPrefix, r.backend.serviceName])).toEqual([
      ['/', false, 'web'],
      ['/api', true, 'api'],
    ]);
    const conf = renderCompose(chart).files['nginx/nginx.conf'];
    expect(conf).toContain('location ~ "^/api(/|$)" {');
    expect(conf).toContain('rewrite "^/api(/|$)(.*)" /$2 break;');
    expect(conf).toContain('client_max_body_size 20m;');
  });

  test('GIVEN addRoute WHEN synthesized THEN the new path is in the HTTPRoute, the description and the admissions', () => {
    const { chart, api, web } = app();
    const routes = new GatewayRoutes(chart, 'routes', { gateway: { name: 'gw' }, routes: [{ path: '/', backend: web }] });
    routes.addRoute({ path: '/api', backend: api, stripPrefix: true });
    const route = find(chart.toJson(), 'HTTPRoute', 'routes');
    expect(route.spec.rules.map((r: any) => r.matches[0].path.value)).toEqual(['/api', '/']);
    expect(routes.routes.map((r) => r.path)).toEqual(['/', '/api']);
    expect([...routes.objects.admissions.keys()]).toEqual(['web', 'api']);
    expectSchemaValid(route);
  });

  const failures: [string, (web: NextFrontend) => Partial<GatewayRoutesProps>, RegExp][] = [
    ['neither gateway nor createGateway is given', () => ({}), /'gateway' must be given, or 'createGateway' instead \(exactly one\)/],
    [
      'both gateway and createGateway are given',
      () => ({ gateway: { name: 'gw' }, createGateway: { gatewayClassName: 'traefik' } }),
      /'gateway' must be given, or 'createGateway' instead \(exactly one\)/,
    ],
    [
      'the gateway name is not a DNS name',
      () => ({ gateway: { name: 'My Gateway' } }),
      /'gateway.name' must be a DNS-1123 subdomain.*got "My Gateway"/,
    ],
    [
      'cert-manager is asked for a certificate without a host',
      () => ({ createGateway: { gatewayClassName: 'eg', tls: { clusterIssuer: 'le' } } }),
      /'host' must be set with createGateway.tls.clusterIssuer/,
    ],
    [
      'the HTTPS listener takes the HTTP port',
      () => ({ createGateway: { gatewayClassName: 'eg', port: 8443, tls: { port: 8443 } } }),
      /'createGateway.tls.port' must differ from createGateway.port.*got 8443/,
    ],
    [
      'more than 16 routes are given',
      (web) => ({
        gateway: { name: 'gw' },
        routes: Array.from({ length: 17 }, (_, i) => ({ path: `/p${i}`, backend: web })),
      }),
      /'routes' must list 1 to 16 routes .*split larger sets over two GatewayRoutes/,
    ],
    [
      'the data plane namespace is not a DNS label',
      () => ({ gateway: { name: 'gw' }, dataPlaneNamespace: 'Kube_System' }),
      /'dataPlaneNamespace' must be a DNS-1123 label/,
    ],
  ];
  test.each(failures)('fails when %s', (_, props, message) => {
    const { chart, web } = app();
    const error = errorOf(
      () => new GatewayRoutes(chart, 'routes', { routes: [{ path: '/', backend: web }], ...props(web) } as GatewayRoutesProps),
    );
    expect(error).toMatch(/^test\/routes: /);
    expect(error).toMatch(message);
  });

  test('fails when a 17th route is added', () => {
    const { chart, web } = app();
    const routes = new GatewayRoutes(chart, 'routes', {
      gateway: { name: 'gw' },
      routes: Array.from({ length: 16 }, (_, i) => ({ path: `/p${i}`, backend: web })),
    });
    expect(errorOf(() => routes.addRoute({ path: '/more', backend: web }))).toBe(
      'test/routes: \'addRoute\' must keep the routes at 16 or fewer (an HTTPRoute holds at most 16 rules): add a second GatewayRoutes, got "/more"',
    );
  });

  test('GIVEN an NginxIngress and GatewayRoutes on the same host and path (the migration) WHEN synthesized THEN both render', () => {
    const { chart, web } = app();
    new NginxIngress(chart, 'ingress', { host: 'a.example.com', routes: [{ path: '/', backend: web }] });
    new GatewayRoutes(chart, 'routes', { host: 'a.example.com', gateway: { name: 'gw' }, routes: [{ path: '/', backend: web }] });
    const objects = chart.toJson();
    expect(find(objects, 'Ingress', 'ingress').spec.rules[0].host).toBe('a.example.com');
    expect(find(objects, 'HTTPRoute', 'routes').spec.hostnames).toEqual(['a.example.com']);
    // Compose serves one nginx: it cannot serve both, and says so.
    expect(errorOf(() => renderCompose(chart))).toMatch(/^compose: test\/routes and test\/ingress both route \//);
  });

  test('fails when two GatewayRoutes claim the same host and path in one namespace', () => {
    const { chart, web } = app();
    new GatewayRoutes(chart, 'routes', { host: 'a.example.com', gateway: { name: 'gw' }, routes: [{ path: '/', backend: web }] });
    expect(
      errorOf(
        () => new GatewayRoutes(chart, 'more', { host: 'a.example.com', gateway: { name: 'gw' }, routes: [{ path: '/', backend: web }] }),
      ),
    ).toMatch(/^test\/more: 'routes\[0\].path' must be unique in namespace shop: test\/routes already routes a.example.com\//);
  });
});
