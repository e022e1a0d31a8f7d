/**
 * The route table every rendering of the route model is checked with: route sets, request
 * targets, the renderings of one route set, and the model's answers. Used by
 * test/routing-table.test.ts (interpreted renderings) and test/tools/routing-nginx.test.ts (the
 * real nginx).
 */
import { App, Chart } from 'cdk8s';
import {
  canonicalRequestPath,
  FastApiBackend,
  GatewayRoutes,
  IRoutable,
  NextFrontend,
  NginxIngress,
  renderNginxConf,
  RouteDescription,
  routeRequest,
  RouteProps,
} from '../../lib';
import { findAll } from '../util';
import { Outcome } from './interpret';

export const HOST = 'shop.example.com';

export type Services = Record<'web' | 'api' | 'docs' | 'admin' | 'v1', IRoutable>;

/** The route sets: the reference stack's, no root route, prefixes of several lengths, no stripping at all. */
export const ROUTE_SETS: Record<string, (s: Services) => RouteProps[]> = {
  reference: (s) => [
    { path: '/', backend: s.web },
    { path: '/api', backend: s.api, stripPrefix: true },
  ],
  'no root': (s) => [
    { path: '/api', backend: s.api, stripPrefix: true },
    { path: '/docs', backend: s.docs },
  ],
  'nested prefixes': (s) => [
    { path: '/', backend: s.web },
    { path: '/api', backend: s.api, stripPrefix: true },
    { path: '/api/v1.0', backend: s.v1, stripPrefix: true },
    { path: '/api/admin', backend: s.admin },
    { path: '/static', backend: s.web },
  ],
  'no strip': (s) => [
    { path: '/', backend: s.web },
    { path: '/docs', backend: s.docs },
    { path: '/docs/internal', backend: s.admin },
  ],
};

export const REQUESTS = [
  '/',
  '/?q=1',
  '/api',
  '/api/',
  '/api?x=1',
  '/api?',
  '/api/items?x=1',
  '/api/items/',
  '/apix',
  '/api/v1.0',
  '/api/v1.0/x',
  '/api/v1.0x',
  '/api/v1x/y',
  '/api/admin',
  '/api/admin/users?id=7',
  '/api/adminx',
  '/api%2Fx',
  '/api/a%2Fb',
  '/api/a%20b',
  '/api/caf%C3%A9',
  '/api/%7Euser',
  '/api//double',
  '/api/./x',
  '/api/../etc',
  '/api/a/../../web',
  '/a/b/c/d/e/f',
  '/docs',
  '/docs/',
  '/docsx',
  '/docs/internal',
  '/docs/internal/page',
  '/docs/internalx',
  '/static/app.js',
  '/staticx',
  '/API/x',
  '/Docs',
  '/x?',
];

export function services(chart: Chart): Services {
  const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
  return {
    api,
    web: new NextFrontend(chart, 'web', { image: 'web:1.0.0', api }),
    docs: new NextFrontend(chart, 'docs', { image: 'docs:1.0.0' }),
    admin: new NextFrontend(chart, 'admin', { image: 'admin:1.0.0' }),
    v1: new FastApiBackend(chart, 'v1', { image: 'v1:1.0.0' }),
  };
}

/** The same routes rendered by each router, each in its own chart (a host and path may be claimed once per chart). */
export function render(set: string) {
  const app = new App();
  const chart = (id: string) => new Chart(app, id, { namespace: 'shop' });
  const ingressChart = chart('ingress');
  const ingress = new NginxIngress(ingressChart, 'ingress', { host: HOST, routes: ROUTE_SETS[set](services(ingressChart)) });
  const gatewayChart = chart('gateway');
  const gateway = new GatewayRoutes(gatewayChart, 'routes', {
    host: HOST,
    gateway: { name: 'gw' },
    routes: ROUTE_SETS[set](services(gatewayChart)),
  });
  return {
    routes: gateway.routes,
    router: gateway.router,
    ingresses: findAll(ingressChart.toJson(), 'Ingress'),
    httpRoutes: findAll(gatewayChart.toJson(), 'HTTPRoute'),
    conf: renderNginxConf(gateway.router),
    ingressRoutes: ingress.routes,
  };
}

export function modelOutcome(routes: readonly RouteDescription[], target: string): Outcome {
  const hit = routeRequest(routes, target);
  if (hit) return { upstream: `${hit.route.backend.serviceName}:${hit.route.backend.port}`, target: hit.upstreamPath };
  // No route is a 404; a path the model cannot make canonical (bad %-encoding, '..' above the root) a 400.
  return { status: canonicalRequestPath(target.split('?')[0]) === undefined ? 400 : 404 };
}

export const table = (f: (target: string) => Outcome) => Object.fromEntries(REQUESTS.map((t) => [t, f(t)]));
