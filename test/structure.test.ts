/**
 * The structure every target stands on: descriptions are the only source (additions methods reach
 * every target), connections instead of labels, uniform escape hatches, one error for a refused
 * dependency. Objects are found by kind and name.
 */
import { ApiObject, App } from 'cdk8s';
import {
  AppNamespace,
  ArgoApp,
  collectGateContext,
  describeStack,
  FastApiBackend,
  KstackPropError,
  NextFrontend,
  NginxIngress,
  Peer,
  Postgres,
  renderCompose,
  synthesizeEnvironment,
  validateObjects,
} from '../lib';
import { guardDependency } from '../lib/internal/errors';
import { buildAppStack } from '../stacks/app-stack';
import { dev, EnvConfig } from '../stacks/environments';
import stack from '../stacks/index';
import { errorOf, find, podSpecOf, testChart } from './util';

/** The dev stack with additions made after construction, as a user's composition would. */
function devWithAdditions() {
  const definition = {
    ...stack,
    build: (app: App, env: EnvConfig) => {
      const s = buildAppStack(app, env);
      s.backend.addEnv('FEATURE_FLAGS', 'search,export');
      s.backend.addSecretEnv('OPENAI_API_KEY', { name: 'openai', key: 'api-key' });
      s.router.addRoute({ path: '/admin', backend: s.backend, stripPrefix: true });
      return s;
    },
  };
  const result = synthesizeEnvironment(definition, dev);
  return { result, objects: result.files.flatMap((f) => [...f.objects]) };
}

describe('additions methods reach every target', () => {
  test('GIVEN addEnv, addSecretEnv and addRoute after construction WHEN synthesized THEN the Kubernetes objects carry them', () => {
    const { objects, result } = devWithAdditions();
    expect(find(objects, 'ConfigMap', 'api-config').data.FEATURE_FLAGS).toBe('search,export');
    const spec = podSpecOf(find(objects, 'Deployment', 'api'));
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.env).toContainEqual({ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'openai', key: 'api-key' } } });
    }
    // dev routes through the Gateway API: the added route is a rule of the HTTPRoute, with its prefix rewrite.
    const route = find(objects, 'HTTPRoute', 'app');
    expect(route.spec.rules.map((r: any) => [r.matches[0].path.value, r.filters?.[0].urlRewrite.path.replacePrefixMatch])).toEqual([
      ['/admin', '/'],
      ['/api', '/'],
      ['/', undefined],
    ]);
    // The added Secret is declared external: the gate passes without flags.
    expect(result.findings.filter((f) => f.severity === 'error' && !f.waived)).toEqual([]);
  });

  test('GIVEN the same additions WHEN the Compose project is rendered THEN the api service and nginx.conf carry them', () => {
    const { result } = devWithAdditions();
    const project = renderCompose(result.app);
    const api = project.compose.services.api;
    expect(api.environment?.FEATURE_FLAGS).toBe('search,export');
    expect(api.environment?.OPENAI_API_KEY).toMatch(/^\$\{OPENAI_API_KEY:\?/);
    expect(project.variables.map((v) => v.name)).toContain('OPENAI_API_KEY');
    expect(project.files['nginx/nginx.conf']).toContain('location ~ "^/admin(/|$)" {');
  });

  test('GIVEN the additions WHEN the descriptions are read THEN describeStack has them (what every other target reads)', () => {
    const { result } = devWithAdditions();
    const d = describeStack(result.app);
    const api = d.workloads.find((w) => w.name === 'api')!;
    expect(api.config.FEATURE_FLAGS).toBe('search,export');
    expect(api.secretEnv.OPENAI_API_KEY).toEqual({ name: 'openai', key: 'api-key' });
    expect(d.routers[0].routes.map((r) => [r.path, r.backend.serviceName, r.stripPrefix])).toEqual([
      ['/', 'web', false],
      ['/api', 'api', true],
      ['/admin', 'api', true],
    ]);
  });

  test('fails when addEnv sets a variable that wiring provides, or one already set', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { existingSecret: 'db-secret' });
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db, env: { LOG_LEVEL: 'info' } });
    expect(errorOf(() => api.addEnv('DATABASE_URL', 'x'))).toBe(
      `test/api: 'addEnv.DATABASE_URL' must not be set: 'database' provides it, got "DATABASE_URL"`,
    );
    expect(errorOf(() => api.addEnv('PORT', '9000'))).toMatch(/'addEnv.PORT' must not be set: the 'port' prop provides it/);
    expect(errorOf(() => api.addSecretEnv('LOG_LEVEL', { name: 's', key: 'k' }))).toMatch(/'addSecretEnv.LOG_LEVEL' must not be set twice/);
  });

  test('GIVEN a raw escape-hatch edit WHEN both targets render THEN only Kubernetes sees it (documented in docs/escape-hatches.md)', () => {
    const chart = testChart();
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    api.objects.configMap!.addData('RAW_EDIT', '1');
    expect(find(chart.toJson(), 'ConfigMap', 'api-config').data.RAW_EDIT).toBe('1');
    expect(renderCompose(chart).compose.services.api.environment?.RAW_EDIT).toBeUndefined();
  });
});

describe('connections', () => {
  function pair() {
    const chart = testChart();
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    const web = new NextFrontend(chart, 'web', { image: 'web:1.0.0' });
    return { chart, api, web };
  }

  test('GIVEN api.connections.allowFrom(web) WHEN synthesized THEN web pods carry the access label and both sides record the connection', () => {
    const { chart, api, web } = pair();
    api.connections.allowFrom(web, { reason: 'calls the API' });
    const objects = chart.toJson();
    const allow = find(objects, 'NetworkPolicy', 'api-allow-clients');
    const [label] = Object.keys(allow.spec.ingress[0].from[0].podSelector.matchLabels);
    expect(find(objects, 'Deployment', 'web').spec.template.metadata.labels[label]).toBe('true');
    expect(api.workload.connections.inbound).toEqual([
      { peer: { kind: 'workload', name: 'web', namespace: 'shop', path: 'test/web' }, ports: [8000], hosts: [], reason: 'calls the API' },
    ]);
    expect(web.workload.connections.outbound.map((c) => [c.peer.kind, (c.peer as { name: string }).name, c.ports])).toEqual([
      ['workload', 'api', [8000]],
    ]);
  });

  test('GIVEN allowTo(Peer.internet()) with hosts WHEN synthesized THEN one egress policy to public addresses on the ports, naming the hosts it cannot match', () => {
    const { chart, api } = pair();
    api.connections.allowTo(Peer.internet(), { ports: [443], hosts: ['api.openai.com'] });
    api.connections.allowTo(Peer.internet(), { ports: [443, 8443], hosts: ['hooks.stripe.com'] });
    const policy = find(chart.toJson(), 'NetworkPolicy', 'api-egress-internet');
    expect(policy.spec.podSelector.matchLabels).toEqual(find(chart.toJson(), 'Service', 'api').spec.selector);
    expect(policy.spec.egress).toEqual([
      {
        ports: [
          { protocol: 'TCP', port: 443 },
          { protocol: 'TCP', port: 8443 },
        ],
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } },
          { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } },
        ],
      },
    ]);
    expect(policy.metadata.annotations['kstack.dev/hosts']).toBe('api.openai.com,hooks.stripe.com');
    expect(policy.metadata.annotations['kstack.dev/note']).toMatch(/not host names/);
  });

  test('GIVEN allowTo(Peer.cidr) with an except block WHEN synthesized THEN the ipBlock has it', () => {
    const { chart, api } = pair();
    api.connections.allowTo(Peer.cidr('10.20.0.0/16', { except: ['10.20.5.0/24'] }), { ports: [5432] });
    const policy = find(chart.toJson(), 'NetworkPolicy', 'api-egress-cidr-10-20-0-0-16');
    expect(policy.spec.egress[0]).toEqual({
      ports: [{ protocol: 'TCP', port: 5432 }],
      to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'] } }],
    });
  });

  test('GIVEN allowFrom(Peer.namespace) WHEN synthesized THEN an ingress policy admits that namespace on the service port', () => {
    const { chart, api } = pair();
    api.connections.allowFrom(Peer.namespace('monitoring'));
    const policy = find(chart.toJson(), 'NetworkPolicy', 'api-ingress-ns-monitoring');
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 8000 }],
      },
    ]);
  });

  test.each([
    [
      'a peer outside the tree has no ports',
      (api: FastApiBackend) => api.connections.allowTo(Peer.internet()),
      /'allowTo.ports' must list the TCP ports/,
    ],
    [
      'a CIDR is not one',
      (api: FastApiBackend) => api.connections.allowTo(Peer.cidr('10.0.0.0/33'), { ports: [443] }),
      /'allowTo.peer.cidr' must be a CIDR block/,
    ],
    [
      'an except block lies outside its CIDR',
      (api: FastApiBackend) => api.connections.allowTo(Peer.cidr('10.0.0.0/8', { except: ['192.168.0.0/16'] }), { ports: [443] }),
      /must lie inside 10.0.0.0\/8/,
    ],
    [
      'a port is out of range',
      (api: FastApiBackend) => api.connections.allowTo(Peer.internet(), { ports: [70000] }),
      /'allowTo.ports\[0\]' must be <= 65535/,
    ],
    [
      'a host is a URL',
      (api: FastApiBackend) => api.connections.allowTo(Peer.internet(), { ports: [443], hosts: ['https://api.openai.com'] }),
      /'allowTo.hosts\[0\]'/,
    ],
  ])('fails when %s', (_, connect, message) => {
    const { api } = pair();
    expect(errorOf(() => connect(api))).toMatch(message);
  });

  test('fails when a managed database is asked to connect out (it has no pods)', () => {
    const chart = testChart();
    const db = Postgres.fromExisting(chart, 'db', { name: 'db', secretName: 'neon' });
    expect(errorOf(() => db.connections.allowTo(Peer.internet(), { ports: [443] }))).toMatch(
      /^test\/db: 'allowTo' cannot be used: this has no pods/,
    );
  });
});

describe('databases by URL', () => {
  test('GIVEN Postgres.fromConnectionUrl WHEN a backend is wired THEN it gets DATABASE_URL only, from the one key, in Kubernetes and Compose', () => {
    const chart = testChart();
    const db = Postgres.fromConnectionUrl(chart, 'db', { name: 'neon', secretName: 'neon-db', key: 'uri' });
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db });
    const env = podSpecOf(find(chart.toJson(), 'Deployment', 'api')).containers[0].env;
    expect(env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'neon-db', key: 'uri' } } }]);
    expect(db.database).toMatchObject({ location: 'managed', secretKeys: { url: 'uri' } });
    const compose = renderCompose(chart);
    expect(Object.keys(compose.compose.services)).toEqual(['api']);
    expect(compose.compose.services.api.environment?.DATABASE_URL).toMatch(/^\$\{DATABASE_URL:\?/);
  });

  test('fails when two settings of a managed database read one Secret key', () => {
    expect(
      errorOf(() =>
        Postgres.fromExisting(testChart(), 'db', { name: 'db', secretName: 's', secretKeys: { user: 'login', password: 'login' } }),
      ),
    ).toMatch(/^test\/db: 'secretKeys' must map each entry to its own key: 'user' and 'password' both read key 'login', got /);
  });
});

describe('escape hatches and descriptions of every construct', () => {
  test('GIVEN each construct WHEN built THEN it exposes every object it creates', () => {
    const chart = testChart();
    const ns = new AppNamespace(chart, 'namespace');
    const db = new Postgres(chart, 'db', { existingSecret: 'db-secret', backup: {} });
    const api = new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db, replicas: 2 });
    const web = new NextFrontend(chart, 'web', { image: 'web:1.0.0', api });
    const ingress = new NginxIngress(chart, 'ingress', {
      routes: [
        { path: '/', backend: web },
        { path: '/api', backend: api, stripPrefix: true },
      ],
    });
    const argo = new ArgoApp(chart, 'shop', { repoURL: 'https://github.com/acme/shop.git', destinationNamespace: 'shop' });
    const exposed = new Set<unknown>([
      ...Object.values(ns.objects),
      ...Object.values(db.objects).flatMap((o) =>
        o && typeof o === 'object' && !(o instanceof ApiObject) && 'cronJob' in o ? Object.values(o) : [o],
      ),
      ...Object.values(api.objects),
      ...Object.values(web.objects),
      ingress.objects.ingress,
      ingress.objects.rewriteIngress,
      ...ingress.objects.admissions.values(),
      argo.objects.application,
    ]);
    const apiObjectOf = (o: unknown) =>
      o instanceof ApiObject ? o : o && typeof o === 'object' && 'node' in o ? ApiObject.of(o as never) : undefined;
    const exposedObjects = new Set(
      [...exposed]
        .map((o) => {
          try {
            return apiObjectOf(o);
          } catch {
            return undefined;
          }
        })
        .filter(Boolean),
    );
    const all = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    const missing = all.filter((o) => !exposedObjects.has(o)).map((o) => `${o.kind}/${o.name}`);
    expect(missing).toEqual([]);
  });

  test('GIVEN an AppNamespace named unlike its chart WHEN built THEN it fails: the chart namespace would get no default-deny', () => {
    expect(errorOf(() => new AppNamespace(testChart('shop'), 'ns', { name: 'store' }))).toMatch(
      /^test\/ns: 'name' must be the namespace of its chart \(shop\)/,
    );
  });
});

describe('dependency errors', () => {
  test('GIVEN a step that a dependency refuses WHEN guarded THEN the error is a KstackPropError naming the path and prop', () => {
    const err = (() => {
      try {
        guardDependency('prod/api', 'props', () => {
          throw new Error('Invalid mount configuration\nat line 2');
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as KstackPropError;
    expect(err).toBeInstanceOf(KstackPropError);
    expect([err.path, err.prop, err.message]).toEqual([
      'prod/api',
      'props',
      "prod/api: 'props' was refused while rendering (cdk8s: Invalid mount configuration); check the prop's documented form",
    ]);
  });

  test("GIVEN NextFrontend cachePath '/tmp' (cdk8s-plus: Invalid mount configuration) WHEN built THEN a KstackPropError names cachePath", () => {
    expect(errorOf(() => new NextFrontend(testChart(), 'web', { image: 'web:1.0.0', cachePath: '/tmp' }))).toBe(
      `test/web: 'cachePath' must be a folder of its own: the scratch folder /tmp is mounted there already; choose another folder, got "/tmp"`,
    );
  });

  test("fails when a backend named 'pre-start' has a migration (two containers of one name)", () => {
    expect(errorOf(() => new FastApiBackend(testChart(), 'pre-start', { image: 'a:1.0.0', migrationCommand: ['x'] }))).toMatch(
      /^test\/pre-start: 'name' must not be 'pre-start' with a migrationCommand/,
    );
  });
});

describe('outbound calls and the gate', () => {
  /** Seed 002's shape: a chatbot backend that calls api.openai.com, in a default-deny namespace. */
  function chatbot(allow: boolean) {
    const chart = testChart();
    new AppNamespace(chart, 'namespace');
    const api = new FastApiBackend(chart, 'api', {
      image: 'ghcr.io/acme/chat:1.0.0',
      env: { OPENAI_BASE_URL: 'https://api.openai.com/v1' },
    });
    if (allow) api.connections.allowTo(Peer.internet(), { ports: [443], hosts: ['api.openai.com'] });
    return validateObjects(chart.toJson(), { env: 'dev', ...collectGateContext([chart]) }).filter((f) => f.ruleId === 'policy/egress-host');
  }

  test('GIVEN a backend whose env names an external https host and no egress WHEN gated THEN policy/egress-host warns with the fix', () => {
    const findings = chatbot(false);
    expect(findings.map((f) => [f.severity, f.object, f.message])).toEqual([
      [
        'warning',
        'Deployment/shop/api',
        'env "OPENAI_BASE_URL" names api.openai.com:443, but the NetworkPolicies selecting the pods let nothing out to outside addresses on port 443',
      ],
    ]);
    expect(findings[0].fix).toContain("connections.allowTo(Peer.internet(), { ports: [443], hosts: ['api.openai.com'] })");
  });

  test('GIVEN the same backend with allowTo(Peer.internet()) on 443 WHEN gated THEN there is no warning', () => {
    expect(chatbot(true)).toEqual([]);
  });
});
