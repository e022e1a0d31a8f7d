/**
 * One route model, three renderings: a table of request targets goes through each rendering of
 * the same routes, INTERPRETED FROM THE RENDERED OUTPUT (test/routing/interpret.ts): the
 * Ingress objects under ingress-nginx's semantics, the HTTPRoute under the Gateway API's, the
 * generated nginx.conf under nginx's. Each answers the upstream and the target it receives; every
 * answer must be the route model's (routeRequest). ingress-nginx has documented divergences,
 * listed below one by one and asserted as such (docs/routing.md); anything else fails.
 */
import {
  ingressNginxLocations,
  Outcome,
  parseNginxConf,
  replacePrefixMatch,
  viaHttpRoutes,
  viaIngressNginx,
  viaNginxConf,
} from './routing/interpret';
import { RouteDescription } from '../lib';
import { HOST, modelOutcome, render, ROUTE_SETS, table } from './routing/table';

/**
 * What ingress-nginx does differently, by route set and request (why in docs/routing.md):
 * - case: whenever a route of the host strips its prefix, ingress-nginx makes EVERY path of the
 *   host a case-insensitive regex (`~*`), so '/API/x' is '/api/x' to it. This cannot be turned
 *   off in ingress-nginx.
 * Two more it would have (a kept prefix losing its segment boundary, '/docs' matching '/docsx';
 * regexes ordered by string length, so '/api(/|$)(.*)' before '/api/admin') NginxIngress avoids
 * by writing every non-root path as a `<path>(/|$)(.*)` regex as soon as any route strips.
 */
const INGRESS_NGINX_DIVERGENCES: Record<string, Record<string, Outcome>> = {
  reference: { '/API/x': { upstream: 'api:8000', target: '/x' } },
  'no root': {
    '/API/x': { upstream: 'api:8000', target: '/x' },
    '/Docs': { upstream: 'docs:3000', target: '/Docs' },
  },
  'nested prefixes': {
    '/API/x': { upstream: 'api:8000', target: '/x' },
  },
  'no strip': {},
};

describe.each(Object.keys(ROUTE_SETS))('route set "%s"', (set) => {
  const r = render(set);
  const model = table((t) => modelOutcome(r.routes, t));

  test('GIVEN the route model WHEN the table goes through it THEN it routes on segment boundaries, longest prefix first', () => {
    // The model's own answers are pinned for the reference set; the other sets are compared below.
    const withoutPaths = (routes: readonly RouteDescription[]) => routes.map((x) => ({ ...x, backend: { ...x.backend, path: '' } }));
    expect(withoutPaths(r.ingressRoutes)).toEqual(withoutPaths(r.routes));
    if (set !== 'reference') return;
    expect(model['/api/items?x=1']).toEqual({ upstream: 'api:8000', target: '/items?x=1' });
    expect(model['/api']).toEqual({ upstream: 'api:8000', target: '/' });
    expect(model['/api/']).toEqual({ upstream: 'api:8000', target: '/' });
    expect(model['/api?']).toEqual({ upstream: 'api:8000', target: '/' });
    expect(model['/apix']).toEqual({ upstream: 'web:3000', target: '/apix' });
    expect(model['/api%2Fx']).toEqual({ upstream: 'api:8000', target: '/x' });
    expect(model['/api/caf%C3%A9']).toEqual({ upstream: 'api:8000', target: '/caf%C3%A9' });
    expect(model['/api/%7Euser']).toEqual({ upstream: 'api:8000', target: '/~user' });
    expect(model['/api/../etc']).toEqual({ upstream: 'web:3000', target: '/api/../etc' });
    expect(model['/API/x']).toEqual({ upstream: 'web:3000', target: '/API/x' });
  });

  test('GIVEN the HTTPRoute WHEN the table goes through it under Gateway API semantics THEN every answer is the model', () => {
    expect(r.httpRoutes.map((h) => h.spec.hostnames)).toEqual([[HOST]]);
    expect(table((t) => viaHttpRoutes(r.httpRoutes, HOST, t))).toEqual(model);
  });

  test('GIVEN the generated nginx.conf WHEN the table goes through it under nginx semantics THEN every answer is the model', () => {
    expect(table((t) => viaNginxConf(parseNginxConf(r.conf), t))).toEqual(model);
  });

  test('GIVEN the Ingress objects WHEN the table goes through them under ingress-nginx semantics THEN every answer is the model, but for the documented divergences', () => {
    const locations = ingressNginxLocations(r.ingresses, HOST);
    const got = table((t) => viaIngressNginx(locations, t));
    const divergences = INGRESS_NGINX_DIVERGENCES[set];
    for (const [target, outcome] of Object.entries(divergences)) expect(outcome).not.toEqual(model[target]);
    expect(got).toEqual({ ...model, ...divergences });
  });
});

describe('the interpreters themselves', () => {
  test('GIVEN the Gateway API table of ReplacePrefixMatch WHEN replayed THEN every row is reproduced', () => {
    // apis/v1/httproute_types.go, HTTPPathModifier.ReplacePrefixMatch
    const rows: [string, string, string, string][] = [
      ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
      ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
      ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
      ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
      ['/foo', '/foo', '/xyz', '/xyz'],
      ['/foo/', '/foo', '/xyz', '/xyz/'],
      ['/foo/bar', '/foo', '', '/bar'],
      ['/foo/', '/foo', '', '/'],
      ['/foo', '/foo', '', '/'],
      ['/foo/', '/foo', '/', '/'],
      ['/foo', '/foo', '/', '/'],
    ];
    for (const [path, prefix, replacement, modified] of rows)
      expect([path, replacePrefixMatch(path, prefix, replacement)]).toEqual([path, modified]);
  });

  test("GIVEN ingress-nginx's documented example WHEN interpreted THEN the locations and choices are the documentation's", () => {
    // docs/user-guide/ingress-path-matching.md: /foo/bar/.+ (rewrite) beats /foo/bar/ and /foo/bar, all as ~* regexes.
    const ing = (name: string, paths: [string, string][], annotations: Record<string, string> = {}) => ({
      metadata: { name, annotations },
      spec: {
        rules: [
          {
            host: 'test.com',
            http: {
              paths: paths.map(([path, svc]) => ({
                path,
                pathType: 'ImplementationSpecific',
                backend: { service: { name: svc, port: { number: 80 } } },
              })),
            },
          },
        ],
      },
    });
    const locations = ingressNginxLocations(
      [
        ing('test-ingress-1', [
          ['/foo/bar', 'service1'],
          ['/foo/bar/', 'service2'],
        ]),
        ing('test-ingress-2', [['/foo/bar/(.+)', 'service3']], { 'nginx.ingress.kubernetes.io/rewrite-target': '/$1' }),
      ],
      'test.com',
    );
    expect(locations.map((l) => `${l.modifier} ${l.pattern}`)).toEqual(['~* ^/foo/bar/(.+)', '~* ^/foo/bar/', '~* ^/foo/bar']);
    expect(viaIngressNginx(locations, '/foo/bar/1')).toEqual({ upstream: 'service3:80', target: '/1' });
    expect(viaIngressNginx(locations, '/foo/bar/')).toEqual({ upstream: 'service2:80', target: '/foo/bar/' });
    expect(viaIngressNginx(locations, '/foo/bar')).toEqual({ upstream: 'service1:80', target: '/foo/bar' });
  });

  test('GIVEN a Prefix path without regexes on the host WHEN interpreted THEN ingress-nginx splits it into /p/ and = /p, case-sensitively', () => {
    const locations = ingressNginxLocations(
      [
        {
          metadata: { name: 'i' },
          spec: {
            rules: [
              { http: { paths: [{ path: '/docs', pathType: 'Prefix', backend: { service: { name: 'docs', port: { number: 80 } } } }] } },
            ],
          },
        },
      ],
      undefined,
    );
    expect(locations.map((l) => `${l.modifier} ${l.pattern}`)).toEqual([' /docs/', '= /docs']);
    expect(viaIngressNginx(locations, '/docsx')).toEqual({ status: 404 });
    expect(viaIngressNginx(locations, '/Docs')).toEqual({ status: 404 });
    expect(viaIngressNginx(locations, '/docs')).toEqual({ upstream: 'docs:80', target: '/docs' });
  });

  test('GIVEN an nginx.conf directive the interpreter does not know WHEN parsed THEN it fails rather than guess', () => {
    const conf = ['server {', '    listen 8080 default_server;', '    location / {', '        try_files $uri =404;', '    }', '}'].join(
      '\n',
    );
    expect(() => parseNginxConf(conf)).toThrow('nginx.conf: directive not interpreted in a location: try_files $uri =404;');
  });
});
