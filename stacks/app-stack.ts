import { App, Chart } from 'cdk8s';
import { AppNamespace, ArgoApp, FastApiBackend, IPostgres, NextFrontend, NginxIngress, Postgres, waive } from '../lib';
import { EnvConfig } from './environments';
import { validateEnvConfig } from './validate-env';

/** The charts of one environment. */
export interface AppStack {
  /** The environment's objects, synthesized to dist/<env>/. */
  readonly chart: Chart;
  /** The Argo CD Application, synthesized to dist/<env>/argocd/ (applied once to bootstrap). */
  readonly argoChart?: Chart;
  readonly backend: FastApiBackend;
  readonly frontend: NextFrontend;
  readonly database: IPostgres;
  readonly ingress: NginxIngress;
}

/** Composes the reference app (Next.js + FastAPI + PostgreSQL + ingress + Argo CD) for one environment. */
export function buildAppStack(app: App, env: EnvConfig): AppStack {
  validateEnvConfig(env);
  const chart = new Chart(app, env.name, {
    namespace: env.namespace,
    labels: {
      'app.kubernetes.io/part-of': env.app,
      'app.kubernetes.io/instance': `${env.app}-${env.name}`,
      'app.kubernetes.io/version': env.version,
      'app.kubernetes.io/managed-by': 'kstack',
    },
  });
  new AppNamespace(chart, 'namespace', { name: env.namespace });

  const database: IPostgres =
    env.database.kind === 'in-cluster'
      ? new Postgres(chart, 'db', {
          password: env.database.devPassword,
          storageSize: env.database.storageSize,
          storageClass: env.database.storageClass,
          backup: env.database.backup,
        })
      : Postgres.fromExisting(chart, 'db', { name: 'db', secretName: env.database.secretName });
  if (database instanceof Postgres && env.database.kind === 'in-cluster' && env.database.devPassword !== undefined) {
    waive(
      database,
      'policy/secret-literal',
      'dev only: a throwaway password for a local cluster (validateEnvConfig rejects devPassword elsewhere)',
    );
  }

  const backend = new FastApiBackend(chart, 'api', {
    image: `${env.backend.image}:${env.version}`,
    build: env.build ? { context: env.build.backend } : undefined,
    replicas: env.backend.autoscaling ? undefined : env.backend.replicas,
    autoscaling: env.backend.autoscaling,
    resources: env.backend.resources,
    env: { LOG_LEVEL: env.name === 'dev' ? 'debug' : 'info' },
    database,
    migrationCommand: ['alembic', 'upgrade', 'head'],
  });

  const frontend = new NextFrontend(chart, 'web', {
    image: `${env.frontend.image}:${env.version}`,
    build: env.build ? { context: env.build.frontend } : undefined,
    replicas: env.frontend.autoscaling ? undefined : env.frontend.replicas,
    autoscaling: env.frontend.autoscaling,
    resources: env.frontend.resources,
    env: { NEXT_PUBLIC_API_PATH: '/api' },
    api: backend,
  });

  const ingress = new NginxIngress(chart, 'ingress', {
    host: env.host,
    tls: env.tls ? { clusterIssuer: env.tls.clusterIssuer } : undefined,
    routes: [
      { path: '/', backend: frontend },
      { path: '/api', backend, stripPrefix: true },
    ],
  });

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
  return { chart, argoChart, backend, frontend, database, ingress };
}
