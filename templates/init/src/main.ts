/**
 * The composition of __NAME__: a FastAPI backend, a Next.js frontend, PostgreSQL and the routes
 * to them, for one environment. `kstack synth` (and `npm run synth`) reads the default export;
 * so do `kstack compose`, `kstack graph`, `kstack diff` and the Pulumi program (pulumi/index.ts).
 */
import { App, Chart } from 'cdk8s';
import {
  AppNamespace,
  defineStack,
  environmentChart,
  FastApiBackend,
  GatewayRoutes,
  IPostgres,
  NextFrontend,
  Postgres,
  waive,
} from 'kstack';
import { AppEnvironment, environments } from './environments';

function database(scope: Chart, env: AppEnvironment): IPostgres {
  const db = env.database;
  if (db.kind === 'managed') return Postgres.fromExisting(scope, 'db', { name: 'db', secretName: db.secretName });
  const postgres = new Postgres(scope, 'db', { password: db.devPassword, storageSize: db.storageSize });
  if (db.devPassword) waive(postgres, 'policy/secret-literal', 'dev only: a throwaway password for a local cluster');
  return postgres;
}

export function build(app: App, env: AppEnvironment) {
  const chart = environmentChart(app, env);
  new AppNamespace(chart, 'namespace');
  const db = database(chart, env);
  const scale = 'replicas' in env.scale ? { replicas: env.scale.replicas } : { autoscaling: env.scale.autoscaling };
  const api = new FastApiBackend(chart, 'api', {
    image: `${env.images.api}:${env.version}`,
    database: db,
    env: { LOG_LEVEL: env.name === 'dev' ? 'debug' : 'info' },
    ...scale,
  });
  const web = new NextFrontend(chart, 'web', {
    image: `${env.images.web}:${env.version}`,
    api,
    env: { NEXT_PUBLIC_API_PATH: '/api' },
    ...scale,
  });
  new GatewayRoutes(chart, 'routes', {
    name: 'app',
    host: env.host,
    createGateway: {
      gatewayClassName: env.gateway.className,
      port: env.gateway.port,
      tls: env.tls ? { clusterIssuer: env.tls.clusterIssuer } : undefined,
    },
    dataPlaneNamespace: env.gateway.dataPlaneNamespace,
    routes: [
      { path: '/', backend: web },
      { path: '/api', backend: api, stripPrefix: true },
    ],
  });
  return { files: { 'app.k8s.yaml': chart } };
}

export default defineStack({ environments, build });
