import fc from 'fast-check';
import { App, Chart } from 'cdk8s';
import {
  AppNamespace,
  collectGateContext,
  FastApiBackend,
  formatFinding,
  gateErrors,
  gateWarnings,
  IPostgres,
  KstackPropError,
  NextFrontend,
  NginxIngress,
  Postgres,
  SecretValue,
  validateObjects,
} from '../lib';
import { buildAppStack } from '../stacks/app-stack';
import { EnvConfig, ServiceConfig } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';

/** FC_SCALE=10 runs ten times more cases (for a local soak); CI keeps the default. */
const SCALE = Number(process.env.FC_SCALE ?? '1');

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9]{0,${max - 1}}$`));

const resources = fc
  .record({
    cpuMillis: fc.integer({ min: 10, max: 2000 }),
    memMi: fc.integer({ min: 64, max: 2048 }),
    extraMi: fc.integer({ min: 0, max: 2048 }),
    cpuLimit: fc.boolean(),
  })
  .map(({ cpuMillis, memMi, extraMi, cpuLimit }) => ({
    cpuRequest: `${cpuMillis}m`,
    ...(cpuLimit ? { cpuLimit: `${cpuMillis * 2}m` } : {}),
    memoryRequest: `${memMi}Mi`,
    memoryLimit: `${memMi + extraMi}Mi`,
  }));

const service = (repo: string): fc.Arbitrary<ServiceConfig> =>
  fc
    .record({
      scaling: fc.oneof(
        fc.integer({ min: 1, max: 5 }).map((replicas) => ({ replicas })),
        fc
          .record({
            min: fc.integer({ min: 1, max: 3 }),
            extra: fc.integer({ min: 0, max: 6 }),
            target: fc.option(fc.integer({ min: 10, max: 100 }), { nil: undefined }),
          })
          .map(({ min, extra, target }) => ({
            autoscaling: { minReplicas: min, maxReplicas: min + extra, ...(target !== undefined ? { targetCpuUtilization: target } : {}) },
          })),
      ),
      resources: fc.option(resources, { nil: undefined }),
      registry: fc.constantFrom('ghcr.io/acme', 'registry.example.com:5000/team', 'localhost:5000'),
    })
    .map(({ scaling, resources: r, registry }) => ({ image: `${registry}/${repo}`, ...scaling, ...(r ? { resources: r } : {}) }));

const cron = fc
  .record({ m: fc.integer({ min: 0, max: 59 }), h: fc.integer({ min: 0, max: 23 }), dow: fc.constantFrom('*', '1-5', '0', '*/2') })
  .map(({ m, h, dow }) => `${m} ${h} * * ${dow}`);

/** Valid EnvConfigs: any name (dev gets a literal password sometimes), sizing, scaling, database and Argo settings. */
const validEnv: fc.Arbitrary<EnvConfig> = fc
  .record({
    name: fc.oneof(fc.constantFrom('dev', 'staging', 'prod'), label(10)),
    app: label(20),
    version: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(99)).map(([a, b, c]) => `${a}.${b}.${c}`),
    sub: label(12),
    tls: fc.option(fc.constantFrom('letsencrypt-prod', 'letsencrypt-staging'), { nil: undefined }),
    backend: service('api'),
    frontend: service('web'),
    inCluster: fc.boolean(),
    storageGi: fc.integer({ min: 1, max: 100 }),
    storageClass: fc.option(fc.constantFrom('standard', 'fast-ssd', 'gp3.encrypted'), { nil: undefined }),
    password: fc.boolean(),
    backup: fc.option(
      fc.record({
        schedule: cron,
        retentionDays: fc.integer({ min: 1, max: 60 }),
        size: fc.integer({ min: 1, max: 50 }).map((n) => `${n}Gi`),
      }),
      { nil: undefined },
    ),
    secretName: fc.constantFrom('db-credentials', 'neon.credentials', 'pg'),
    argo: fc.boolean(),
    router: fc.constantFrom<EnvConfig['router']>(
      { kind: 'nginx-ingress' },
      { kind: 'gateway-api', createGateway: { gatewayClassName: 'traefik', port: 8000 }, dataPlaneNamespace: 'kube-system' },
      { kind: 'gateway-api', createGateway: { gatewayClassName: 'eg' }, dataPlaneNamespace: 'envoy-gateway-system' },
    ),
  })
  .map((g) => ({
    name: g.name,
    app: g.app,
    namespace: `${g.app}-${g.name}`,
    version: g.version,
    host: `${g.sub}.example.com`,
    tls: g.tls ? { clusterIssuer: g.tls } : undefined,
    router: g.router,
    backend: g.backend,
    frontend: g.frontend,
    database: g.inCluster
      ? {
          kind: 'in-cluster' as const,
          storageSize: `${g.storageGi}Gi`,
          storageClass: g.storageClass,
          devPassword: g.password && g.name === 'dev' ? SecretValue.unsafePlainText('dev-only') : undefined,
          backup: g.backup,
        }
      : { kind: 'managed' as const, secretName: g.secretName },
    argo: g.argo ? { repoURL: 'https://github.com/acme/app.git', targetRevision: 'main' } : undefined,
  }));

describe('property: valid inputs pass the whole gate', () => {
  test('random valid EnvConfigs synthesize to objects with zero gate errors and no unwaived warnings', () => {
    fc.assert(
      fc.property(validEnv, (env) => {
        const { findings } = synthesizeEnv(env);
        expect(gateErrors(findings).map(formatFinding)).toEqual([]);
        // The one warning a valid stack may carry: an NginxIngress relies on retired ingress-nginx.
        expect(
          gateWarnings(findings)
            .filter((f) => f.ruleId !== 'policy/retired-controller')
            .map(formatFinding),
        ).toEqual([]);
      }),
      { numRuns: 60 * SCALE },
    );
  });

  test('random compositions of backends, frontends, databases and ingresses pass the gate in prod', () => {
    const composition = fc.record({
      apps: fc.uniqueArray(label(8), { minLength: 1, maxLength: 4 }),
      managed: fc.boolean(),
      wire: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      replicas: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
      strip: fc.boolean(),
    });
    fc.assert(
      fc.property(composition, ({ apps, managed, wire, replicas, strip }) => {
        const chart = new Chart(new App(), 'prod', { namespace: 'shop', labels: { 'app.kubernetes.io/instance': 'shop-prod' } });
        new AppNamespace(chart, 'namespace', { name: 'shop' });
        const database: IPostgres = managed
          ? Postgres.fromExisting(chart, 'pg', { name: 'pg', secretName: 'pg-credentials' })
          : new Postgres(chart, 'pg', { existingSecret: 'pg-credentials' });
        const routes = apps
          .map((name, i) => {
            const backend = new FastApiBackend(chart, `${name}-api`, {
              image: `ghcr.io/acme/${name}-api:1.0.${i}`,
              replicas: replicas[i],
              database: wire[i] ? database : undefined,
            });
            const frontend = new NextFrontend(chart, `${name}-web`, {
              image: `ghcr.io/acme/${name}-web:1.0.${i}`,
              autoscaling: { minReplicas: 1, maxReplicas: replicas[i] + 1 },
              api: backend,
            });
            return [
              { path: i === 0 ? '/' : `/${name}`, backend: frontend },
              { path: `/${name}-api`, backend, stripPrefix: strip },
            ];
          })
          .flat();
        new NginxIngress(chart, 'ingress', { host: 'shop.example.com', routes });
        const findings = validateObjects(chart.toJson(), { env: 'prod', ...collectGateContext([chart]) });
        // The one finding an NginxIngress always brings: ingress-nginx is retired (a warning).
        expect(findings.filter((f) => f.ruleId !== 'policy/retired-controller').map(formatFinding)).toEqual([]);
        expect(findings.filter((f) => f.ruleId === 'policy/retired-controller').map((f) => f.severity)).toEqual(['warning']);
      }),
      { numRuns: 40 * SCALE },
    );
  });
});

/** Sets a dotted path of a copy of the env. */
function withField(env: EnvConfig, path: string, value: unknown): EnvConfig {
  const copy: any = JSON.parse(JSON.stringify(env));
  const keys = path.split('.');
  let target = copy;
  for (const k of keys.slice(0, -1)) {
    if (target[k] === null || typeof target[k] !== 'object') target[k] = {};
    target = target[k];
  }
  target[keys[keys.length - 1]] = value;
  return copy;
}

const notLabel = fc.oneof(
  fc.string({ minLength: 1, maxLength: 10 }).map((s) => `X${s}`),
  fc.constantFrom('', '-a', 'a-', 'a_b', 'a.b', 'a b', 'x'.repeat(64)),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
);
const notQuantity = fc.oneof(fc.constantFrom('1GB', '512M', '1.5Gi', '', 'lots', '-1Gi', '0Mi'), fc.integer(), fc.constant(null));
const notCpu = fc.oneof(fc.constantFrom('1 core', '100mm', '', '-1', 'm', '0m'), fc.integer(), fc.constant(null));

/** Field paths and values that are invalid wherever they are put. */
const invalidMutation = fc.oneof(
  fc.record({ path: fc.constantFrom('name', 'namespace', 'app'), value: notLabel }),
  fc.record({
    path: fc.constant('version'),
    value: fc.oneof(fc.constantFrom('1.0 beta', '', '.1', 'v1/2'), fc.integer(), fc.constant(null)),
  }),
  fc.record({
    path: fc.constant('host'),
    value: fc.oneof(fc.constantFrom('https://x.example.com', 'X.example.com', 'a..b', 'host:80', ''), fc.integer()),
  }),
  fc.record({
    path: fc.constantFrom('backend.image', 'frontend.image'),
    value: fc.oneof(fc.constantFrom('ghcr.io/acme/api:1.0', 'GHCR.io/x', 'a b', 'x@sha256:00'), fc.constant(null), fc.integer()),
  }),
  fc.record({ path: fc.constantFrom('backend.resources.cpuRequest', 'frontend.resources.cpuLimit'), value: notCpu }),
  fc.record({ path: fc.constantFrom('backend.resources.memoryRequest', 'frontend.resources.memoryLimit'), value: notQuantity }),
  fc.record({
    path: fc.constantFrom('backend', 'frontend', 'database'),
    value: fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.constant([])),
  }),
  fc.record({
    path: fc.constant('database.kind'),
    value: fc.oneof(
      fc.string().filter((s) => s !== 'in-cluster' && s !== 'managed'),
      fc.integer(),
      fc.constant(null),
    ),
  }),
  fc.record({
    path: fc.constant('tls'),
    value: fc.oneof(fc.constant('letsencrypt'), fc.record({ clusterIssuer: notLabel.filter((v) => v !== 'x'.repeat(64) && v !== 'a.b') })),
  }),
  fc.record({
    path: fc.constant('argo'),
    value: fc.oneof(
      fc.constant(1),
      fc.record({ repoURL: fc.constantFrom('github.com/x', '', 'ftp://x'), targetRevision: fc.constant('main') }),
    ),
  }),
);

/** Scaling mistakes: replicas < 1, both replicas and autoscaling, min > max. */
const scalingMutation = fc.oneof(
  fc.integer({ max: 0 }).map((n) => ({ replicas: n, autoscaling: undefined })),
  fc.double({ min: 1.1, max: 9.9, noInteger: true }).map((n) => ({ replicas: n, autoscaling: undefined })),
  fc.integer({ min: 1, max: 5 }).map((n) => ({ replicas: n, autoscaling: { minReplicas: 1, maxReplicas: 2 } })),
  fc
    .tuple(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 49 }))
    .filter(([min, max]) => min > max)
    .map(([min, max]) => ({ replicas: undefined, autoscaling: { minReplicas: min, maxReplicas: max } })),
  fc
    .integer({ min: 101, max: 1000 })
    .map((t) => ({ replicas: undefined, autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: t } })),
);

function outcome(build: () => unknown): 'ok' | 'prop-error' {
  try {
    build();
    return 'ok';
  } catch (err) {
    if (err instanceof KstackPropError) {
      expect(err.message.split('\n')).toHaveLength(1);
      return 'prop-error';
    }
    throw err;
  }
}

describe('property: invalid inputs end in a KstackPropError', () => {
  test('an invalid field anywhere in a valid EnvConfig is a KstackPropError', () => {
    fc.assert(
      fc.property(validEnv, invalidMutation, (env, { path, value }) => {
        expect(outcome(() => buildAppStack(new App(), withField(env, path, value)))).toBe('prop-error');
      }),
      { numRuns: 100 * SCALE },
    );
  });

  test('invalid scaling of the backend or frontend is a KstackPropError', () => {
    fc.assert(
      fc.property(validEnv, fc.constantFrom('backend', 'frontend'), scalingMutation, (env, which, scaling) => {
        const bad = { ...env, [which]: { ...env[which as 'backend'], ...scaling } };
        expect(outcome(() => buildAppStack(new App(), bad))).toBe('prop-error');
      }),
      { numRuns: 80 * SCALE },
    );
  });

  test('any value in any field either synthesizes to output passing the gate or is a KstackPropError, never another exception', () => {
    const paths = fc.constantFrom(
      'name',
      'app',
      'namespace',
      'version',
      'host',
      'tls',
      'tls.clusterIssuer',
      'backend',
      'backend.image',
      'backend.replicas',
      'backend.autoscaling',
      'backend.autoscaling.minReplicas',
      'backend.resources',
      'backend.resources.memoryLimit',
      'frontend.replicas',
      'frontend.resources.cpuRequest',
      'database',
      'database.kind',
      'database.storageSize',
      'database.secretName',
      'database.backup',
      'database.backup.schedule',
      'database.devPassword',
      'argo',
      'argo.repoURL',
      'argo.targetRevision',
      'build',
      'build.backend',
    );
    fc.assert(
      fc.property(validEnv, paths, fc.anything({ maxDepth: 2 }), (env, path, value) => {
        const mutated = withField(env, path, value);
        if (outcome(() => buildAppStack(new App(), mutated)) === 'ok') {
          expect(gateErrors(synthesizeEnv(mutated).findings).map(formatFinding)).toEqual([]);
        }
      }),
      { numRuns: 100 * SCALE },
    );
  });
});

describe('property: construct props', () => {
  const IMAGE = 'ghcr.io/acme/api:1.0.0';
  const builders: Record<string, { props: string[]; build: (chart: Chart, prop: string, value: unknown) => unknown }> = {
    FastApiBackend: {
      props: [
        'name',
        'image',
        'build',
        'port',
        'replicas',
        'autoscaling',
        'resources',
        'env',
        'secretEnv',
        'database',
        'migrationCommand',
        'healthPath',
        'readinessPath',
        'startupTimeoutSeconds',
        'dataVolume',
        'command',
        'args',
        'runAsUser',
      ],
      build: (chart, prop, value) => new FastApiBackend(chart, 'api', { image: IMAGE, [prop]: value } as any),
    },
    NextFrontend: {
      props: [
        'name',
        'image',
        'port',
        'replicas',
        'autoscaling',
        'resources',
        'env',
        'secretEnv',
        'api',
        'apiUrlEnv',
        'healthPath',
        'cachePath',
        'startupTimeoutSeconds',
        'runAsUser',
      ],
      build: (chart, prop, value) => new NextFrontend(chart, 'web', { image: IMAGE, [prop]: value } as any),
    },
    Postgres: {
      props: ['name', 'image', 'databaseName', 'user', 'password', 'existingSecret', 'storageSize', 'storageClass', 'resources', 'backup'],
      build: (chart, prop, value) => new Postgres(chart, 'db', { [prop]: value } as any),
    },
    NginxIngress: {
      props: ['name', 'host', 'routes', 'tls', 'maxBodySize', 'proxyTimeoutSeconds', 'ingressClassName', 'controllerNamespace'],
      build: (chart, prop, value) =>
        new NginxIngress(chart, 'ingress', {
          routes: [{ path: '/', backend: new NextFrontend(chart, 'web', { image: IMAGE }) }],
          [prop]: value,
        } as any),
    },
    AppNamespace: {
      props: ['name', 'podSecurity', 'dnsNamespace'],
      build: (chart, prop, value) => new AppNamespace(chart, 'ns', { name: 'shop', [prop]: value } as any),
    },
  };
  const pick = fc
    .constantFrom(...Object.keys(builders))
    .chain((kind) => fc.record({ kind: fc.constant(kind), prop: fc.constantFrom(...builders[kind].props) }));

  test('any value in any construct prop either builds or is a KstackPropError, never another exception', () => {
    fc.assert(
      fc.property(pick, fc.anything({ maxDepth: 2 }), ({ kind, prop }, value) => {
        const chart = new Chart(new App(), 'test', { namespace: 'shop' });
        if (outcome(() => builders[kind].build(chart, prop, value)) === 'ok') expect(() => chart.toJson()).not.toThrow();
      }),
      { numRuns: 150 * SCALE },
    );
  });
});
