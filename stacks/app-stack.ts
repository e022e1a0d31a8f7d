import { App, Chart } from 'cdk8s';
import {
  AppNamespace,
  ArgoApp,
  environmentChart,
  FastApiBackend,
  GatewayRoutes,
  IPostgres,
  KstackPropError,
  NextFrontend,
  NginxIngress,
  Postgres,
  RouteProps,
  StackBuild,
  waive,
} from '../lib';
import { EnvConfig } from './environments';

/** The charts and constructs of one environment. */
export interface AppStack extends StackBuild {
  /** The environment's objects, synthesized to dist/<env>/app.k8s.yaml. */
  readonly chart: Chart;
  /** The Argo CD Application, synthesized to dist/<env>/argocd/ (applied once to bootstrap). */
  readonly argoChart?: Chart;
  readonly backend: FastApiBackend;
  readonly frontend: NextFrontend;
  readonly database: IPostgres;
  /** The environment's router (EnvConfig.router): GatewayRoutes or NginxIngress. */
  readonly router: GatewayRoutes | NginxIngress;
  /** @deprecated use `router` (the same construct; it is no longer always an NginxIngress). */
  readonly ingress: GatewayRoutes | NginxIngress;
}

/**
 * The parts of an EnvConfig that only this composition reads (the constructs check every value
 * they are given): the service and database sections are objects, the database kind is known.
 */
function checkEnvShape(env: EnvConfig): void {
  const at = typeof env?.name === 'string' ? env.name : 'env';
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const section of ['backend', 'frontend', 'database'] as const) {
    if (!isObject(env?.[section])) throw KstackPropError.of(at, section, 'must be an object', env?.[section]);
  }
  for (const section of ['tls', 'argo', 'build', 'router'] as const) {
    if (env[section] !== undefined && !isObject(env[section]))
      throw KstackPropError.of(at, section, 'must be an object (or left out)', env[section]);
  }
  for (const service of ['backend', 'frontend'] as const) {
    const image: unknown = env[service].image;
    // A repository: the composition appends ':<version>' (the image itself is checked by the construct).
    if (typeof image !== 'string' || /[:@][^/]*$/.test(image)) {
      throw KstackPropError.of(at, `${service}.image`, "must be an image repository without tag, such as 'ghcr.io/acme/api'", image);
    }
  }
  const router: unknown = env.router?.kind;
  if (router !== 'gateway-api' && router !== 'nginx-ingress')
    throw KstackPropError.of(at, 'router.kind', "must be 'gateway-api' or 'nginx-ingress'", router);
  const kind: unknown = env.database.kind;
  if (kind !== 'in-cluster' && kind !== 'managed') throw KstackPropError.of(at, 'database.kind', "must be 'in-cluster' or 'managed'", kind);
}

/** Where PostgreSQL runs: in the cluster (a StatefulSet), or managed outside it (a Secret reference). */
function database(chart: Chart, env: EnvConfig): IPostgres {
  const db = env.database;
  if (db.kind === 'managed') return Postgres.fromExisting(chart, 'db', { name: 'db', secretName: db.secretName });
  const postgres = new Postgres(chart, 'db', {
    password: db.devPassword,
    storageSize: db.storageSize,
    storageClass: db.storageClass,
    backup: db.backup,
  });
  if (db.devPassword !== undefined) {
    waive(postgres, 'policy/secret-literal', 'dev only: a throwaway password for a local cluster (Postgres refuses a literal outside dev)');
  }
  return postgres;
}

/**
 * The environment's router. Its construct id stays 'ingress' whichever the kind (ids are public
 * API); the Gateway API takes the environment's TLS on the Gateway it creates.
 */
function routerOf(chart: Chart, env: EnvConfig, routes: RouteProps[]): GatewayRoutes | NginxIngress {
  const r = env.router;
  if (r.kind === 'nginx-ingress') {
    return new NginxIngress(chart, 'ingress', {
      host: env.host,
      tls: env.tls ? { clusterIssuer: env.tls.clusterIssuer } : undefined,
      routes,
      ingressClassName: r.ingressClassName,
      controllerNamespace: r.controllerNamespace,
    });
  }
  if (env.tls && r.gateway)
    throw KstackPropError.of(env.name, 'tls', 'must be left out with router.gateway (TLS is configured on that Gateway)', env.tls);
  return new GatewayRoutes(chart, 'routes', {
    name: 'app',
    host: env.host,
    gateway: r.gateway,
    createGateway: r.createGateway && { ...r.createGateway, tls: env.tls ? { clusterIssuer: env.tls.clusterIssuer } : undefined },
    dataPlaneNamespace: r.dataPlaneNamespace,
    routes,
  });
}

/** Composes the reference app (Next.js + FastAPI + PostgreSQL + ingress + Argo CD) for one environment. */
export function buildAppStack(app: App, env: EnvConfig): AppStack {
  checkEnvShape(env);
  const chart = environmentChart(app, env);
  new AppNamespace(chart, 'namespace');
  const db = database(chart, env);

  const backend = new FastApiBackend(chart, 'api', {
    image: `${env.backend.image}:${env.version}`,
    build: env.build ? { context: env.build.backend } : undefined,
    replicas: env.backend.replicas,
    autoscaling: env.backend.autoscaling,
    resources: env.backend.resources,
    env: { LOG_LEVEL: env.name === 'dev' ? 'debug' : 'info' },
    database: db,
    migrationCommand: ['alembic', 'upgrade', 'head'],
  });

  const frontend = new NextFrontend(chart, 'web', {
    image: `${env.frontend.image}:${env.version}`,
    build: env.build ? { context: env.build.frontend } : undefined,
    replicas: env.frontend.replicas,
    autoscaling: env.frontend.autoscaling,
    resources: env.frontend.resources,
    env: { NEXT_PUBLIC_API_PATH: '/api' },
    api: backend,
  });

  const router = routerOf(chart, env, [
    { path: '/', backend: frontend },
    { path: '/api', backend, stripPrefix: true },
  ]);

  let argoChart: Chart | undefined;
  if (env.argo) {
    argoChart = new Chart(app, `${env.name}-argocd`, { labels: { 'app.kubernetes.io/managed-by': 'kstack' } });
    new ArgoApp(argoChart, `${env.app}-${env.name}`, {
      repoURL: env.argo.repoURL,
      targetRevision: env.argo.targetRevision,
      path: `dist/${env.name}`,
      destinationNamespace: env.namespace,
    });
  }
  const files: Record<string, Chart> = { 'app.k8s.yaml': chart };
  if (argoChart) files['argocd/application.k8s.yaml'] = argoChart;
  return { chart, argoChart, backend, frontend, database: db, router, ingress: router, files };
}
