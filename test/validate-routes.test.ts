/**
 * The routers' gate rules (lib/validate/routes.ts), run on a GateContext the way validateObjects
 * runs its checks: each rule with an object set it rejects and its clean twin.
 */
import { Chart } from 'cdk8s';
import {
  collectGateContext,
  FastApiBackend,
  Finding,
  formatFinding,
  GatewayRoutes,
  NextFrontend,
  NginxIngress,
  ValidateOptions,
} from '../lib';
import { GateContext } from '../lib/validate/context';
import { checkRouters, ROUTE_RULES } from '../lib/validate/routes';
import { checkIdentity } from '../lib/validate/schema';
import { environments } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';
import { find, testChart } from './util';

/** The checks of lib/validate/routes.ts over a set of objects, as the gate runs them. */
function routeFindings(objects: readonly unknown[], options: ValidateOptions = {}): Finding[] {
  const ctx = new GateContext({ env: 'staging', ...options });
  objects.forEach((o, i) => checkIdentity(ctx, o, i));
  checkRouters(ctx);
  return ctx.findings;
}

function chartWithApp(): { chart: Chart; api: FastApiBackend; web: NextFrontend } {
  const chart = testChart();
  const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
  return { chart, api, web: new NextFrontend(chart, 'web', { image: 'web:1.0.0', api }) };
}

/** A chart's objects and the gate options its constructs declare (construct paths, externals, waivers). */
function synth(chart: Chart): { objects: any[]; options: ValidateOptions } {
  return { objects: chart.toJson(), options: collectGateContext([chart]) };
}

const rules = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.ruleId} ${f.object}${f.waived ? ' (waived)' : ''}`);

describe('router gate rules', () => {
  test('GIVEN GatewayRoutes on a created Gateway, with TLS from a declared Secret WHEN gated THEN nothing is reported', () => {
    const { chart, api, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', {
      host: 'shop.example.com',
      createGateway: { gatewayClassName: 'eg', tls: { secretName: 'shop-cert' } },
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const { objects, options } = synth(chart);
    expect(routeFindings(objects, options)).toEqual([]);
  });

  test('GIVEN GatewayRoutes on an existing Gateway of the same namespace WHEN gated THEN the construct has declared it external', () => {
    const { chart, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', { gateway: { name: 'public' }, routes: [{ path: '/', backend: web }] });
    const { objects, options } = synth(chart);
    expect(routeFindings(objects, options)).toEqual([]);
    expect(rules(routeFindings(objects))).toEqual(['error ref/route-parent HTTPRoute/shop/routes']);
  });

  test('fails when a backendRef names a missing Service, a port the Service lacks, no port, or another namespace', () => {
    const { chart, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', { gateway: { name: 'public' }, routes: [{ path: '/', backend: web }] });
    const { objects, options } = synth(chart);
    const route = find(objects, 'HTTPRoute', 'routes');
    route.spec.rules = [
      { backendRefs: [{ name: 'nope', port: 80 }] },
      { backendRefs: [{ name: 'web', port: 80 }] },
      { backendRefs: [{ name: 'web' }] },
      { backendRefs: [{ name: 'web', namespace: 'other', port: 3000 }] },
      { backendRefs: [{ name: 'web', port: 3000 }] },
    ];
    expect(routeFindings(objects, options).map((f) => f.message)).toEqual([
      'spec.rules[0].backendRefs[0] names Service "nope", which is not in namespace shop',
      'spec.rules[1].backendRefs[0] names port 80 of Service "web", which has ports [3000]',
      'spec.rules[2].backendRefs[0] names Service "web" without a port (required for a Service)',
      'spec.rules[3].backendRefs[0] names Service "web" in namespace "other", which needs a ReferenceGrant kstack does not create',
    ]);
  });

  test('fails when a parentRef names a Gateway that is neither in the set nor external, or a listener it lacks', () => {
    const { chart, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', { createGateway: { gatewayClassName: 'traefik' }, routes: [{ path: '/', backend: web }] });
    const { objects, options } = synth(chart);
    const route = find(objects, 'HTTPRoute', 'routes');
    route.spec.parentRefs = [{ name: 'routes', sectionName: 'https' }, { name: 'public', namespace: 'gateway-system' }, { name: 'routes' }];
    expect(routeFindings(objects, options).map((f) => f.message)).toEqual([
      'spec.parentRefs[0] names listener "https" of Gateway/shop/routes, which has listeners ["http"]',
      'spec.parentRefs[1] names Gateway "gateway-system/public", which is not in the set and not declared external',
    ]);
    // declared external in its own namespace (validate --external Gateway/gateway-system/public)
    expect(routeFindings(objects, { ...options, external: ['Gateway/gateway-system/public'] }).map((f) => f.message)).toEqual([
      'spec.parentRefs[0] names listener "https" of Gateway/shop/routes, which has listeners ["http"]',
    ]);
  });

  test('fails when a listener certificate Secret is neither in the set nor external, unless cert-manager issues it', () => {
    const { chart, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', {
      host: 'shop.example.com',
      createGateway: { gatewayClassName: 'eg', tls: { secretName: 'shop-cert' } },
      routes: [{ path: '/', backend: web }],
    });
    const { objects } = synth(chart);
    expect(routeFindings(objects).map((f) => `${f.ruleId}: ${f.message}`)).toEqual([
      'ref/secret: listener "https" names certificate Secret "shop-cert", which is not in the set and not declared external (and no cert-manager annotation issues it)',
    ]);
    find(objects, 'Gateway', 'routes').metadata.annotations = { 'cert-manager.io/cluster-issuer': 'letsencrypt' };
    expect(routeFindings(objects)).toEqual([]);
  });

  test("fails when an HTTPRoute rule breaks the CRD's CEL rules (ReplacePrefixMatch with two matches, a redirect with backends)", () => {
    const { chart, api, web } = chartWithApp();
    new GatewayRoutes(chart, 'routes', {
      gateway: { name: 'public' },
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const { objects, options } = synth(chart);
    const route = find(objects, 'HTTPRoute', 'routes');
    expect(routeFindings(objects, options)).toEqual([]);
    route.spec.rules[0].matches.push({ path: { type: 'PathPrefix', value: '/v1' } });
    route.spec.rules[1].filters = [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }];
    expect(routeFindings(objects, options).map((f) => `${f.ruleId}: ${f.message}`)).toEqual([
      'schema/httproute-rules: spec.rules[0]: when using a filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      'schema/httproute-rules: spec.rules[1]: RequestRedirect filter must not be used together with backendRefs',
    ]);
  });

  test('GIVEN an NginxIngress with a stripped prefix WHEN gated THEN one warning says ingress-nginx is retired, on one line for the whole set', () => {
    const { chart, api, web } = chartWithApp();
    new NginxIngress(chart, 'ingress', {
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const { objects, options } = synth(chart);
    const findings = routeFindings(objects, options);
    expect(findings.map(formatFinding)).toEqual([
      'warning policy/retired-controller [staging] Ingress/shop/ingress (test/ingress/Ingress): ingress-nginx is retired (March 2026): see docs/routing.md (2 Ingresses use it: Ingress/shop/ingress, Ingress/shop/ingress-strip); fix: move the routes to the Gateway API (GatewayRoutes), or waive the rule where ingress-nginx must stay (Minikube ingress addon)',
    ]);
  });

  test('GIVEN an Ingress of another class WHEN gated THEN no retirement notice; GIVEN a waiver THEN the notice is waived with its reason', () => {
    const { chart, web } = chartWithApp();
    new NginxIngress(chart, 'ingress', { routes: [{ path: '/', backend: web }], ingressClassName: 'traefik' });
    const { objects, options } = synth(chart);
    // NginxIngress still writes its nginx.ingress.kubernetes.io annotations: ingress-nginx is what reads them.
    expect(rules(routeFindings(objects, options))).toEqual(['warning policy/retired-controller Ingress/shop/ingress']);
    const plain = objects.map((o) => (o.kind === 'Ingress' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o));
    expect(routeFindings(plain, options)).toEqual([]);
    const waived = routeFindings(objects, {
      ...options,
      waivers: [{ path: 'test', ruleId: 'policy/retired-controller', reason: 'Minikube ingress addon' }],
    });
    expect(waived.map(formatFinding)).toEqual(['waived: policy/retired-controller on Ingress/shop/ingress: Minikube ingress addon']);
  });

  test('GIVEN the reference environments WHEN gated by the router rules THEN staging and prod print the retirement notice once each, and dev passes', () => {
    const lines = Object.values(environments).map((env) => {
      const result = synthesizeEnv(env);
      const options = { ...collectGateContext([result.app]), env: env.name };
      return [
        env.name,
        routeFindings(
          result.files.flatMap((f) => [...f.objects]),
          options,
        ).map(formatFinding),
      ];
    });
    const notice = (env: string, ns: string) =>
      `warning policy/retired-controller [${env}] Ingress/${ns}/ingress (${env}/ingress/Ingress): ingress-nginx is retired (March 2026): see docs/routing.md (2 Ingresses use it: Ingress/${ns}/ingress, Ingress/${ns}/ingress-strip); fix: move the routes to the Gateway API (GatewayRoutes), or waive the rule where ingress-nginx must stay (Minikube ingress addon)`;
    expect(lines).toEqual([
      ['dev', []],
      ['staging', [notice('staging', 'kstack-staging')]],
      ['prod', [notice('prod', 'kstack-prod')]],
    ]);
  });

  test('GIVEN the rule catalogue entries WHEN listed THEN every rule this file reports has an id, a severity, what it checks and a fix', () => {
    expect(ROUTE_RULES.map((r) => `${r.id} ${r.severity}`)).toEqual([
      'ref/route-backend error',
      'ref/route-parent error',
      'schema/httproute-rules error',
      'policy/retired-controller warning',
    ]);
    for (const r of ROUTE_RULES) expect(r.what.length > 20 && r.fix.length > 20).toBe(true);
  });
});
