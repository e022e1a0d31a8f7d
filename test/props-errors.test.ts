import { App, Chart } from 'cdk8s';
import { AppNamespace, ArgoApp, FastApiBackend, KstackPropError, NextFrontend, NginxIngress, Postgres, SecretValue, waive } from '../lib';
import { showValue } from '../lib/internal/format';
import { buildAppStack } from '../stacks/app-stack';
import { dev, EnvConfig, prod, staging } from '../stacks/environments';
import { testChart } from './util';

/** The value of a secret prop: never shown in the message. */
const SECRET = Symbol('secret');

/** One bad input: what builds it, and what the error must name. */
interface BadInput {
  /** Completes "fails when ...". */
  readonly when: string;
  readonly build: () => unknown;
  /** Construct path (or env name) the message starts with. */
  readonly path: string;
  readonly prop: string;
  /** The value received, as the message shows it after 'got '. */
  readonly got: unknown;
}

const IMAGE = 'ghcr.io/acme/api:1.0.0';

/** Builds the stack of an env with some fields replaced. */
const env = (base: EnvConfig, patch: Record<string, unknown>) => () => buildAppStack(new App(), { ...base, ...patch } as EnvConfig);
const backendOf = (patch: Record<string, unknown>) => ({ ...staging.backend, ...patch });

/** A chart in namespace 'other' and the usual test chart in 'shop', in one app. */
function twoNamespaces(): { other: Chart; shop: Chart } {
  const app = new App();
  return { other: new Chart(app, 'other', { namespace: 'other' }), shop: new Chart(app, 'test', { namespace: 'shop' }) };
}

const api =
  (props: Record<string, unknown>, id = 'api') =>
  () =>
    new FastApiBackend(testChart(), id, { image: IMAGE, ...props } as any);
const web = (props: Record<string, unknown>) => () => new NextFrontend(testChart(), 'web', { image: IMAGE, ...props } as any);
const db = (props: Record<string, unknown>) => () => new Postgres(testChart(), 'db', props as any);
const existing = (props: Record<string, unknown>) => () =>
  Postgres.fromExisting(testChart(), 'db', { name: 'db', secretName: 'db-credentials', ...props } as any);
const ingress = (props: (chart: Chart) => Record<string, unknown>) => () => {
  const chart = testChart();
  const frontend = new NextFrontend(chart, 'web', { image: IMAGE });
  return new NginxIngress(chart, 'ingress', { routes: [{ path: '/', backend: frontend }], ...props(chart) } as any);
};
const argo = (props: Record<string, unknown>) => () =>
  new ArgoApp(testChart(), 'shop', { repoURL: 'https://github.com/acme/shop.git', destinationNamespace: 'shop', ...props } as any);
const ns = (props: Record<string, unknown>) => () => new AppNamespace(testChart(), 'ns', { name: 'shop', ...props } as any);

const cases: readonly BadInput[] = [
  // EnvConfig: what environmentChart and the composition check, and what the constructs it feeds check
  { when: 'the env name is not a DNS label', build: env(staging, { name: 'Staging' }), path: 'environment', prop: 'name', got: 'Staging' },
  { when: 'the app name has a space', build: env(staging, { app: 'kstack demo' }), path: 'staging', prop: 'app', got: 'kstack demo' },
  {
    when: 'the namespace has an underscore',
    build: env(staging, { namespace: 'kstack_staging' }),
    path: 'staging',
    prop: 'namespace',
    got: 'kstack_staging',
  },
  {
    when: 'the version is not an image tag',
    build: env(staging, { version: '1.0 beta' }),
    path: 'staging',
    prop: 'version',
    got: '1.0 beta',
  },
  { when: "the version is 'latest' outside dev", build: env(prod, { version: 'latest' }), path: 'prod', prop: 'version', got: 'latest' },
  {
    when: 'the host has a scheme',
    build: env(staging, { host: 'https://staging.example.com' }),
    path: 'staging/ingress',
    prop: 'host',
    got: 'https://staging.example.com',
  },
  {
    when: 'the cluster issuer has a space',
    build: env(staging, { tls: { clusterIssuer: 'lets encrypt' } }),
    path: 'staging/ingress',
    prop: 'tls.clusterIssuer',
    got: 'lets encrypt',
  },
  {
    when: 'the backend image repository carries a tag',
    build: env(staging, { backend: backendOf({ image: 'ghcr.io/acme/api:1.0' }) }),
    path: 'staging',
    prop: 'backend.image',
    got: 'ghcr.io/acme/api:1.0',
  },
  {
    when: 'the frontend image repository is upper case',
    build: env(staging, { frontend: { ...staging.frontend, image: 'GHCR.io/Acme/Web' } }),
    path: 'staging/web',
    prop: 'image',
    got: 'GHCR.io/Acme/Web:0.1.0',
  },
  {
    when: 'the backend has 0 replicas',
    build: env(dev, { backend: { ...dev.backend, replicas: 0 } }),
    path: 'dev/api',
    prop: 'replicas',
    got: 0,
  },
  {
    when: 'the backend sets replicas and autoscaling',
    build: env(staging, { backend: backendOf({ replicas: 2 }) }),
    path: 'staging/api',
    prop: 'replicas',
    got: 2,
  },
  {
    when: 'the backend HPA minimum exceeds its maximum',
    build: env(staging, { backend: backendOf({ autoscaling: { minReplicas: 5, maxReplicas: 2 } }) }),
    path: 'staging/api',
    prop: 'autoscaling.minReplicas',
    got: 5,
  },
  {
    when: 'the frontend CPU target is above 100 percent',
    build: env(prod, { frontend: { ...prod.frontend, autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 150 } } }),
    path: 'prod/web',
    prop: 'autoscaling.targetCpuUtilization',
    got: 150,
  },
  {
    when: 'the backend CPU request is not a quantity',
    build: env(prod, { backend: { ...prod.backend, resources: { cpuRequest: '2.5.0' } } }),
    path: 'prod/api',
    prop: 'resources.cpuRequest',
    got: '2.5.0',
  },
  {
    when: 'the backend memory request exceeds its limit',
    build: env(prod, { backend: { ...prod.backend, resources: { cpuRequest: '1', memoryRequest: '2Gi', memoryLimit: '1Gi' } } }),
    path: 'prod/api',
    prop: 'resources.memoryRequest',
    got: '2Gi',
  },
  {
    when: 'the frontend memory limit uses decimal units',
    build: env(prod, { frontend: { ...prod.frontend, resources: { memoryLimit: '512MB' } } }),
    path: 'prod/web',
    prop: 'resources.memoryLimit',
    got: '512MB',
  },
  { when: 'the backend config is not an object', build: env(staging, { backend: null }), path: 'staging', prop: 'backend', got: null },
  {
    when: 'the database storage size uses decimal units',
    build: env(staging, { database: { ...staging.database, storageSize: '5GB' } }),
    path: 'staging/db',
    prop: 'storageSize',
    got: '5GB',
  },
  {
    when: 'the database storage class is not a DNS name',
    build: env(staging, { database: { ...staging.database, storageClass: 'Fast_SSD' } }),
    path: 'staging/db',
    prop: 'storageClass',
    got: 'Fast_SSD',
  },
  {
    when: 'a literal database password is set outside dev',
    build: env(staging, { database: { ...staging.database, devPassword: SecretValue.unsafePlainText('hunter2') } }),
    path: 'staging/db',
    prop: 'password',
    got: SECRET,
  },
  {
    when: 'the backup schedule has hour 25',
    build: env(staging, { database: { kind: 'in-cluster', storageSize: '5Gi', backup: { schedule: '0 25 * * *' } } }),
    path: 'staging/db/backup',
    prop: 'schedule',
    got: '0 25 * * *',
  },
  {
    when: 'the backup retention is 0 days',
    build: env(staging, { database: { kind: 'in-cluster', storageSize: '5Gi', backup: { retentionDays: 0 } } }),
    path: 'staging/db/backup',
    prop: 'retentionDays',
    got: 0,
  },
  {
    when: 'the backup size has a space',
    build: env(staging, { database: { kind: 'in-cluster', storageSize: '5Gi', backup: { size: '10 Gi' } } }),
    path: 'staging/db/backup',
    prop: 'size',
    got: '10 Gi',
  },
  {
    when: 'the database kind is unknown',
    build: env(prod, { database: { kind: 'external', secretName: 'db' } }),
    path: 'prod',
    prop: 'database.kind',
    got: 'external',
  },
  {
    when: 'the managed database Secret name has spaces',
    build: env(prod, { database: { kind: 'managed', secretName: 'db creds' } }),
    path: 'prod/db',
    prop: 'secretName',
    got: 'db creds',
  },
  {
    when: 'the Argo CD repository URL has no scheme',
    build: env(prod, { argo: { repoURL: 'github.com/acme/app', targetRevision: 'main' } }),
    path: 'prod-argocd/kstack-demo-prod',
    prop: 'repoURL',
    got: 'github.com/acme/app',
  },
  {
    when: 'the Argo CD target revision is empty',
    build: env(prod, { argo: { repoURL: 'https://github.com/acme/app.git', targetRevision: ' ' } }),
    path: 'prod-argocd/kstack-demo-prod',
    prop: 'targetRevision',
    got: ' ',
  },
  {
    when: 'a build context is empty',
    build: env(dev, { build: { backend: '', frontend: 'web' } }),
    path: 'dev/api',
    prop: 'build.context',
    got: '',
  },
  // FastApiBackend
  {
    when: 'the backend image is not an image reference',
    build: api({ image: 'Not An Image' }),
    path: 'test/api',
    prop: 'image',
    got: 'Not An Image',
  },
  { when: 'the backend name is upper case', build: api({ name: 'API' }), path: 'test/api', prop: 'name', got: 'API' },
  { when: 'the backend port is above 65535', build: api({ port: 70000 }), path: 'test/api', prop: 'port', got: 70000 },
  { when: 'the backend port is fractional', build: api({ port: 8000.5 }), path: 'test/api', prop: 'port', got: 8000.5 },
  { when: 'the backend replicas are negative', build: api({ replicas: -1 }), path: 'test/api', prop: 'replicas', got: -1 },
  {
    when: 'the FastApiBackend HPA minimum exceeds its maximum',
    build: api({ autoscaling: { minReplicas: 4, maxReplicas: 2 } }),
    path: 'test/api',
    prop: 'autoscaling.minReplicas',
    got: 4,
  },
  {
    when: 'the backend HPA CPU target is 0',
    build: api({ autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 0 } }),
    path: 'test/api',
    prop: 'autoscaling.targetCpuUtilization',
    got: 0,
  },
  {
    when: 'the backend CPU limit is not a quantity',
    build: api({ resources: { cpuLimit: 'lots' } }),
    path: 'test/api',
    prop: 'resources.cpuLimit',
    got: 'lots',
  },
  {
    when: 'the backend CPU request exceeds its limit',
    build: api({ resources: { cpuRequest: '2', cpuLimit: '1' } }),
    path: 'test/api',
    prop: 'resources.cpuRequest',
    got: '2',
  },
  { when: 'the backend resources are not an object', build: api({ resources: 'big' }), path: 'test/api', prop: 'resources', got: 'big' },
  { when: 'an env var name has a dash', build: api({ env: { 'LOG-LEVEL': 'info' } }), path: 'test/api', prop: 'env', got: 'LOG-LEVEL' },
  { when: 'an env var value is a number', build: api({ env: { WORKERS: 4 } }), path: 'test/api', prop: 'env.WORKERS', got: 4 },
  {
    when: 'a secretEnv Secret name has a space',
    build: api({ secretEnv: { TOKEN: { name: 'api token', key: 'token' } } }),
    path: 'test/api',
    prop: 'secretEnv.TOKEN.name',
    got: 'api token',
  },
  {
    when: 'a secretEnv key has a slash',
    build: api({ secretEnv: { TOKEN: { name: 'api-token', key: 'a/b' } } }),
    path: 'test/api',
    prop: 'secretEnv.TOKEN.key',
    got: 'a/b',
  },
  {
    when: 'a variable is set in env and secretEnv',
    build: api({ env: { TOKEN: 'x' }, secretEnv: { TOKEN: { name: 'api-token', key: 'token' } } }),
    path: 'test/api',
    prop: 'secretEnv.TOKEN',
    got: 'TOKEN',
  },
  { when: 'the health path is relative', build: api({ healthPath: 'health' }), path: 'test/api', prop: 'healthPath', got: 'health' },
  {
    when: 'the startup timeout is 2 seconds',
    build: api({ startupTimeoutSeconds: 2 }),
    path: 'test/api',
    prop: 'startupTimeoutSeconds',
    got: 2,
  },
  { when: 'the backend runs as uid 0', build: api({ runAsUser: 0 }), path: 'test/api', prop: 'runAsUser', got: 0 },
  { when: 'the migration command is empty', build: api({ migrationCommand: [] }), path: 'test/api', prop: 'migrationCommand', got: [] },
  {
    when: 'the command is a string instead of an argv array',
    build: api({ command: 'uvicorn app:app' }),
    path: 'test/api',
    prop: 'command',
    got: 'uvicorn app:app',
  },
  { when: 'an args entry is empty', build: api({ args: ['--workers', ''] }), path: 'test/api', prop: 'args[1]', got: '' },
  {
    when: 'the database is in another namespace',
    build: () => {
      const { other, shop } = twoNamespaces();
      new FastApiBackend(shop, 'api', { image: IMAGE, database: new Postgres(other, 'db') });
    },
    path: 'test/api',
    prop: 'database',
    got: 'db in other',
  },
  { when: 'the database is not a Postgres construct', build: api({ database: 'db' }), path: 'test/api', prop: 'database', got: 'db' },
  {
    when: 'env sets DATABASE_URL although a database is wired',
    build: () => {
      const chart = testChart();
      new FastApiBackend(chart, 'api', { image: IMAGE, env: { DATABASE_URL: 'x' }, database: new Postgres(chart, 'db') });
    },
    path: 'test/api',
    prop: 'env.DATABASE_URL',
    got: 'DATABASE_URL',
  },
  {
    when: 'a data volume is shared by 2 replicas',
    build: api({ replicas: 2, dataVolume: { path: '/data', size: '1Gi' } }),
    path: 'test/api',
    prop: 'dataVolume',
    got: '2 pods',
  },
  {
    when: 'the data volume path is relative',
    build: api({ dataVolume: { path: 'data', size: '1Gi' } }),
    path: 'test/api',
    prop: 'dataVolume.path',
    got: 'data',
  },
  { when: 'the build context is empty', build: api({ build: { context: '' } }), path: 'test/api', prop: 'build.context', got: '' },
  {
    when: 'two backends map to the same object name',
    build: () => {
      const chart = testChart();
      new FastApiBackend(chart, 'api', { image: IMAGE });
      new FastApiBackend(chart, 'api2', { image: IMAGE, name: 'api' });
    },
    path: 'test/api2',
    prop: 'name',
    got: 'api',
  },
  // NextFrontend
  { when: 'the API URL variable starts with a digit', build: web({ apiUrlEnv: '1API' }), path: 'test/web', prop: 'apiUrlEnv', got: '1API' },
  { when: 'the cache path is relative', build: web({ cachePath: 'cache' }), path: 'test/web', prop: 'cachePath', got: 'cache' },
  {
    when: 'the frontend API is in another namespace',
    build: () => {
      const { other, shop } = twoNamespaces();
      new NextFrontend(shop, 'web', { image: IMAGE, api: new FastApiBackend(other, 'api', { image: IMAGE }) });
    },
    path: 'test/web',
    prop: 'api',
    got: 'api in other',
  },
  {
    when: 'the frontend env sets the wired API URL variable',
    build: () => {
      const chart = testChart();
      new NextFrontend(chart, 'web', { image: IMAGE, env: { API_URL: 'x' }, api: new FastApiBackend(chart, 'api', { image: IMAGE }) });
    },
    path: 'test/web',
    prop: 'env.API_URL',
    got: 'API_URL',
  },
  {
    when: 'a frontend takes the name of a backend',
    build: () => {
      const chart = testChart();
      new FastApiBackend(chart, 'api', { image: IMAGE });
      new NextFrontend(chart, 'web', { image: IMAGE, name: 'api' });
    },
    path: 'test/web',
    prop: 'name',
    got: 'api',
  },
  {
    when: 'the frontend readiness path has a space',
    build: web({ readinessPath: '/ready now' }),
    path: 'test/web',
    prop: 'readinessPath',
    got: '/ready now',
  },
  // Postgres
  {
    when: 'the database name is longer than 52 characters',
    build: () => new Postgres(testChart(), 'db', { name: 'd'.repeat(53) }),
    path: 'test/db',
    prop: 'name',
    got: 'd'.repeat(53),
  },
  { when: 'the Postgres image has a bad tag', build: db({ image: 'postgres:16!' }), path: 'test/db', prop: 'image', got: 'postgres:16!' },
  {
    when: 'a password and an existing Secret are both set',
    build: db({ password: 'x', existingSecret: 'db-creds' }),
    path: 'test/db',
    prop: 'password',
    got: SECRET,
  },
  {
    when: 'the Postgres storage size uses decimal units',
    build: db({ storageSize: '1GB' }),
    path: 'test/db',
    prop: 'storageSize',
    got: '1GB',
  },
  {
    when: 'the Postgres memory limit uses decimal units',
    build: db({ resources: { memoryLimit: '1G' } }),
    path: 'test/db',
    prop: 'resources.memoryLimit',
    got: '1G',
  },
  {
    when: 'the Postgres database name has an underscore',
    build: db({ databaseName: 'App_DB' }),
    path: 'test/db',
    prop: 'databaseName',
    got: 'App_DB',
  },
  {
    when: 'the Postgres storage class has a bang',
    build: db({ storageClass: 'ssd!' }),
    path: 'test/db',
    prop: 'storageClass',
    got: 'ssd!',
  },
  {
    when: 'a database with backups has a name longer than 45 characters',
    build: db({ name: 'd'.repeat(46), backup: {} }),
    path: 'test/db',
    prop: 'name',
    got: 'd'.repeat(46),
  },
  {
    when: 'the backup schedule is a word',
    build: db({ backup: { schedule: 'nightly' } }),
    path: 'test/db/backup',
    prop: 'schedule',
    got: 'nightly',
  },
  {
    when: 'the backup retention is fractional',
    build: db({ backup: { retentionDays: 1.5 } }),
    path: 'test/db/backup',
    prop: 'retentionDays',
    got: 1.5,
  },
  {
    when: 'the Postgres props are null',
    build: () => new Postgres(testChart(), 'db', null as any),
    path: 'test/db',
    prop: 'props',
    got: null,
  },
  {
    when: 'two databases map to the same object name',
    build: () => {
      const chart = testChart();
      new Postgres(chart, 'db');
      new Postgres(chart, 'db2', { name: 'db' });
    },
    path: 'test/db2',
    prop: 'name',
    got: 'db',
  },
  // Postgres.fromExisting
  {
    when: 'the existing database Secret name has a bang',
    build: existing({ secretName: 'creds!' }),
    path: 'test/db',
    prop: 'secretName',
    got: 'creds!',
  },
  { when: 'the existing database port is 0', build: existing({ port: 0 }), path: 'test/db', prop: 'port', got: 0 },
  {
    when: 'an existing database Secret key has a space',
    build: existing({ secretKeys: { url: 'database url' } }),
    path: 'test/db',
    prop: 'secretKeys.url',
    got: 'database url',
  },
  // NginxIngress
  { when: 'an ingress has no routes', build: ingress(() => ({ routes: [] })), path: 'test/ingress', prop: 'routes', got: [] },
  {
    when: 'the ingress host has a scheme',
    build: ingress(() => ({ host: 'https://shop.example.com' })),
    path: 'test/ingress',
    prop: 'host',
    got: 'https://shop.example.com',
  },
  {
    when: 'a route path is relative',
    build: ingress((c) => ({ routes: [{ path: 'api', backend: c.node.findChild('web') }] })),
    path: 'test/ingress',
    prop: 'routes[0].path',
    got: 'api',
  },
  {
    when: "a route path ends with '/'",
    build: ingress((c) => ({ routes: [{ path: '/api/', backend: c.node.findChild('web') }] })),
    path: 'test/ingress',
    prop: 'routes[0].path',
    got: '/api/',
  },
  {
    when: 'a route is declared twice',
    build: ingress((c) => ({
      routes: [
        { path: '/', backend: c.node.findChild('web') },
        { path: '/', backend: c.node.findChild('web') },
      ],
    })),
    path: 'test/ingress',
    prop: 'routes[1].path',
    got: '/',
  },
  {
    when: "the '/' route strips its prefix",
    build: ingress((c) => ({ routes: [{ path: '/', backend: c.node.findChild('web'), stripPrefix: true }] })),
    path: 'test/ingress',
    prop: 'routes[0].stripPrefix',
    got: true,
  },
  {
    when: 'a route has no backend',
    build: ingress(() => ({ routes: [{ path: '/' }] })),
    path: 'test/ingress',
    prop: 'routes[0].backend',
    got: undefined,
  },
  {
    when: 'a route backend is in another namespace',
    build: () => {
      const { other, shop } = twoNamespaces();
      new NginxIngress(shop, 'ingress', { routes: [{ path: '/', backend: new NextFrontend(other, 'web', { image: IMAGE }) }] });
    },
    path: 'test/ingress',
    prop: 'routes[0].backend',
    got: 'web in other',
  },
  {
    when: 'the max body size uses MB',
    build: ingress(() => ({ maxBodySize: '10MB' })),
    path: 'test/ingress',
    prop: 'maxBodySize',
    got: '10MB',
  },
  {
    when: 'the proxy timeout is 0',
    build: ingress(() => ({ proxyTimeoutSeconds: 0 })),
    path: 'test/ingress',
    prop: 'proxyTimeoutSeconds',
    got: 0,
  },
  {
    when: 'the TLS Secret name is upper case',
    build: ingress(() => ({ tls: { secretName: 'TLS' } })),
    path: 'test/ingress',
    prop: 'tls.secretName',
    got: 'TLS',
  },
  // ArgoApp
  {
    when: 'the Argo CD repoURL has no scheme',
    build: argo({ repoURL: 'github.com/acme' }),
    path: 'test/shop',
    prop: 'repoURL',
    got: 'github.com/acme',
  },
  {
    when: 'the Argo CD destination namespace is upper case',
    build: argo({ destinationNamespace: 'Prod' }),
    path: 'test/shop',
    prop: 'destinationNamespace',
    got: 'Prod',
  },
  { when: 'the Argo CD retry limit is negative', build: argo({ retryLimit: -1 }), path: 'test/shop', prop: 'retryLimit', got: -1 },
  {
    when: 'the Argo CD path climbs out of the repository',
    build: argo({ path: '../secrets' }),
    path: 'test/shop',
    prop: 'path',
    got: '../secrets',
  },
  {
    when: 'the Argo CD destination server is plain http',
    build: argo({ destinationServer: 'http://k8s.local' }),
    path: 'test/shop',
    prop: 'destinationServer',
    got: 'http://k8s.local',
  },
  { when: "Argo CD prune is the string 'yes'", build: argo({ prune: 'yes' }), path: 'test/shop', prop: 'prune', got: 'yes' },
  // AppNamespace
  { when: 'the namespace name has an underscore', build: ns({ name: 'Shop_Prod' }), path: 'test/ns', prop: 'name', got: 'Shop_Prod' },
  {
    when: "the Pod Security level is 'privileged'",
    build: ns({ podSecurity: 'privileged' }),
    path: 'test/ns',
    prop: 'podSecurity',
    got: 'privileged',
  },
  {
    when: 'the DNS namespace has a space',
    build: ns({ dnsNamespace: 'kube system' }),
    path: 'test/ns',
    prop: 'dnsNamespace',
    got: 'kube system',
  },
  {
    when: 'two namespaces constructs declare the same namespace',
    build: () => {
      const chart = testChart();
      new AppNamespace(chart, 'ns', { name: 'shop' });
      new AppNamespace(chart, 'ns2', { name: 'shop' });
    },
    path: 'test/ns2',
    prop: 'name',
    got: 'shop',
  },
  // issue #14: props the cluster or its controller refuses, refused first by the construct in the gate's words
  ...['//a', '/a/../b', '/a%2Fb', '/a/.', '/a(b', '/v1.0*'].map((bad) => ({
    when: `a route path is ${JSON.stringify(bad)}`,
    build: ingress((c) => ({ routes: [{ path: bad, backend: c.node.findChild('web') }] })),
    path: 'test/ingress',
    prop: 'routes[0].path',
    got: bad,
  })),
  {
    when: 'the ingress host is an IP address',
    build: ingress(() => ({ host: '10.0.0.1' })),
    path: 'test/ingress',
    prop: 'host',
    got: '10.0.0.1',
  },
  {
    when: 'two NginxIngress route the same host and path',
    build: () => {
      const chart = testChart();
      const web = new NextFrontend(chart, 'web', { image: IMAGE });
      new NginxIngress(chart, 'a', { host: 'shop.example.com', routes: [{ path: '/', backend: web }] });
      return new NginxIngress(chart, 'b', { host: 'shop.example.com', routes: [{ path: '/', backend: web }] });
    },
    path: 'test/b',
    prop: 'routes[0].path',
    got: '/',
  },
  ...['*/0 * * * *', '30-10 * * * *', '0 3 * * 7'].map((schedule) => ({
    when: `a backup schedule is ${JSON.stringify(schedule)} (the CronJob controller's parser refuses it)`,
    build: db({ existingSecret: 'db-credentials', backup: { schedule } }),
    path: 'test/db/backup',
    prop: 'schedule',
    got: schedule,
  })),
  { when: "env sets PORT beside the 'port' prop", build: api({ env: { PORT: '9000' } }), path: 'test/api', prop: 'env.PORT', got: 'PORT' },
  {
    when: "a data volume is mounted at '/'",
    build: api({ dataVolume: { path: '/', size: '1Gi' } }),
    path: 'test/api',
    prop: 'dataVolume.path',
    got: '/',
  },
  { when: "the Next.js cache is mounted at '/'", build: web({ cachePath: '/' }), path: 'test/web', prop: 'cachePath', got: '/' },
  {
    when: 'Postgres.fromExisting maps two variables to one Secret key',
    build: existing({ secretKeys: { user: 'login', password: 'login' } }),
    path: 'test/db',
    prop: 'secretKeys',
    got: { url: 'url', host: 'host', port: 'port', database: 'database', user: 'login', password: 'login' },
  },
  {
    when: "an AppNamespace is named unlike its chart's namespace",
    build: ns({ name: 'store' }),
    path: 'test/ns',
    prop: 'name',
    got: 'store',
  },
  {
    when: 'an ArgoApp targetRevision has a newline',
    build: argo({ targetRevision: 'main\nrm -rf /' }),
    path: 'test/shop',
    prop: 'targetRevision',
    got: 'main\nrm -rf /',
  },
  { when: 'an ArgoApp retryLimit is 1e300', build: argo({ retryLimit: 1e300 }), path: 'test/shop', prop: 'retryLimit', got: 1e300 },
  {
    when: 'an ArgoApp repoURL carries credentials (shown redacted)',
    build: argo({ repoURL: 'https://bot:ghp_s3cr3t@github.com/acme/shop.git' }),
    path: 'test/shop',
    prop: 'repoURL',
    got: 'https://***@github.com/acme/shop.git',
  },
  {
    when: 'a Postgres password is a number (never echoed)',
    build: db({ password: SecretValue.unsafePlainText(12345 as unknown as string) }),
    path: 'test/db',
    prop: 'password',
    got: SECRET,
  },
  // waivers
  {
    when: 'a waiver names an unknown rule',
    build: () => waive(testChart(), 'policy/everything', 'because it is a test case'),
    path: 'test',
    prop: 'ruleId',
    got: 'policy/everything',
  },
  { when: 'a waiver has no reason', build: () => waive(testChart(), 'policy/pdb', 'ok'), path: 'test', prop: 'reason', got: 'ok' },
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a KstackPropError, nothing was thrown');
}

describe('props errors', () => {
  test('the table has at least 60 distinct bad inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.when)).size).toBe(cases.length);
  });

  test.each(cases)('fails when $when', ({ build, path, prop, got }) => {
    const err = thrown(build) as Error;
    // a kstack props error...
    expect(err).toBeInstanceOf(KstackPropError);
    const { message } = err;
    // ...on one line, naming the construct path, the prop, what is expected and the value received
    expect(message.split('\n')).toHaveLength(1);
    expect({ path: (err as KstackPropError).path, prop: (err as KstackPropError).prop, message }).toEqual({
      path,
      prop,
      message: expect.stringMatching(
        new RegExp(
          `^${escapeRegExp(`${path}: '${prop}' must `)}.*${escapeRegExp(got === SECRET ? ', got a value that is not shown (secret)' : `, got ${showValue(got)}`)}$`,
        ),
      ),
    });
    // ...thrown by kstack itself, never from inside cdk8s or another dependency
    const firstFrame = (err.stack ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
    expect(firstFrame).not.toMatch(/node_modules/);
    expect(firstFrame).toMatch(/[/\\](lib|stacks)[/\\]/);
  });
});
