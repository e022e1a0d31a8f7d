/**
 * The stock baseline of the benchmark: the reference app (namespace, Postgres, FastAPI backend,
 * Next.js frontend, ingress, NetworkPolicies, HPAs) for three environments, written the way a
 * new cdk8s user writes it with cdk8s-plus and synthesized with `cdk8s synth` (ts-node).
 * About the same objects as kstack's reference stacks; not meant to be used, only timed.
 */
import { App, Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

interface Env {
  readonly name: string;
  readonly host: string;
  readonly replicas: number;
  readonly autoscale?: { min: number; max: number };
  readonly backup: boolean;
}

const ENVS: readonly Env[] = [
  { name: 'dev', host: 'app.localhost', replicas: 1, backup: false },
  { name: 'staging', host: 'staging.example.com', replicas: 2, autoscale: { min: 2, max: 4 }, backup: true },
  { name: 'prod', host: 'app.example.com', replicas: 3, autoscale: { min: 3, max: 10 }, backup: false },
];

function allowFrom(scope: Construct, id: string, to: kplus.Workload, from: kplus.Workload, port: number): void {
  new kplus.NetworkPolicy(scope, id, {
    selector: to,
    ingress: { rules: [{ peer: from, ports: [kplus.NetworkPolicyPort.tcp(port)] }] },
  });
}

function web(
  scope: Construct,
  name: string,
  image: string,
  port: number,
  env: Env,
  vars: Record<string, string>,
  secret?: kplus.ISecret,
): kplus.Deployment {
  const sa = new kplus.ServiceAccount(scope, `${name}-sa`, { metadata: { name }, automountToken: false });
  const config = new kplus.ConfigMap(scope, `${name}-config`, { metadata: { name: `${name}-config` }, data: vars });
  const deployment = new kplus.Deployment(scope, name, {
    metadata: { name },
    replicas: env.autoscale ? undefined : env.replicas,
    serviceAccount: sa,
    securityContext: { ensureNonRoot: true, user: 1000, group: 1000 },
  });
  const container = deployment.addContainer({
    name,
    image,
    portNumber: port,
    envFrom: [kplus.Env.fromConfigMap(config)],
    envVariables: secret ? { DATABASE_URL: kplus.EnvValue.fromSecretValue({ secret, key: 'url' }) } : {},
    liveness: kplus.Probe.fromHttpGet('/health', { port }),
    readiness: kplus.Probe.fromHttpGet('/ready', { port }),
    resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } },
    securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, user: 1000, group: 1000 },
  });
  container.mount('/tmp', kplus.Volume.fromEmptyDir(scope, `${name}-tmp`, 'tmp'));
  deployment.exposeViaService({ name, ports: [{ port, targetPort: port }] });
  if (env.autoscale) {
    new kplus.HorizontalPodAutoscaler(scope, `${name}-hpa`, {
      target: deployment,
      minReplicas: env.autoscale.min,
      maxReplicas: env.autoscale.max,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    new kplus.k8s.KubePodDisruptionBudget(scope, `${name}-pdb`, {
      metadata: { name },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { app: name } } },
    });
  }
  return deployment;
}

class EnvChart extends Chart {
  constructor(scope: Construct, env: Env, props: ChartProps = {}) {
    super(scope, env.name, {
      ...props,
      namespace: `demo-${env.name}`,
      labels: { 'app.kubernetes.io/part-of': 'demo', 'app.kubernetes.io/instance': `demo-${env.name}` },
    });
    new kplus.Namespace(this, 'namespace', { metadata: { name: `demo-${env.name}` } });
    new kplus.NetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny' },
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });

    const secret = new kplus.Secret(this, 'db-credentials', {
      metadata: { name: 'db-credentials' },
      stringData: { url: 'postgresql://app:dev@db:5432/app', password: 'dev' },
    });
    const dbConfig = new kplus.ConfigMap(this, 'db-config', {
      metadata: { name: 'db-config' },
      data: { PGDATA: '/var/lib/postgresql/data/pgdata' },
    });
    const dbService = new kplus.Service(this, 'db-headless', {
      metadata: { name: 'db-headless' },
      clusterIP: 'None',
      ports: [{ port: 5432 }],
    });
    const db = new kplus.StatefulSet(this, 'db', {
      metadata: { name: 'db' },
      service: dbService,
      replicas: 1,
      securityContext: { ensureNonRoot: true, user: 999, group: 999, fsGroup: 999 },
    });
    db.addContainer({
      name: 'postgres',
      image: 'postgres:16.10',
      portNumber: 5432,
      envFrom: [kplus.Env.fromConfigMap(dbConfig)],
      envVariables: { POSTGRES_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }) },
      liveness: kplus.Probe.fromCommand(['pg_isready']),
      resources: { cpu: { request: kplus.Cpu.millis(250) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } },
      securityContext: { ensureNonRoot: true, user: 999, group: 999 },
    }).mount(
      '/var/lib/postgresql/data',
      kplus.Volume.fromPersistentVolumeClaim(
        this,
        'db-data-volume',
        new kplus.PersistentVolumeClaim(this, 'db-data', {
          metadata: { name: 'db-data' },
          storage: Size.gibibytes(1),
          accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
        }),
      ),
    );
    new kplus.Service(this, 'db-service', { metadata: { name: 'db' }, selector: db, ports: [{ port: 5432 }] });
    if (env.backup) {
      const backup = new kplus.CronJob(this, 'db-backup', {
        metadata: { name: 'db-backup' },
        schedule: { expressionString: '0 3 * * *' } as never,
        securityContext: { ensureNonRoot: true, user: 999, group: 999 },
      });
      backup.addContainer({
        name: 'pg-dump',
        image: 'postgres:16.10',
        command: ['sh', '-c', 'pg_dump > /backups/db.sql'],
        securityContext: { ensureNonRoot: true, user: 999, group: 999 },
      });
    }

    const api = web(this, 'api', `ghcr.io/demo/api:${env.name}`, 8000, env, { LOG_LEVEL: 'info', PORT: '8000' }, secret);
    const frontend = web(this, 'web', `ghcr.io/demo/web:${env.name}`, 3000, env, { API_URL: 'http://api:8000', PORT: '3000' });
    allowFrom(this, 'db-allow-api', db, api, 5432);
    allowFrom(this, 'api-allow-web', api, frontend, 8000);

    const ingress = new kplus.Ingress(this, 'ingress', { metadata: { name: 'ingress' } });
    ingress.addHostRule(
      env.host,
      '/',
      kplus.IngressBackend.fromService(frontend.exposeViaService({ name: 'web-public', ports: [{ port: 80, targetPort: 3000 }] })),
    );
    ingress.addHostRule(
      env.host,
      '/api',
      kplus.IngressBackend.fromService(api.exposeViaService({ name: 'api-public', ports: [{ port: 80, targetPort: 8000 }] })),
    );
  }
}

const app = new App();
for (const env of ENVS) new EnvChart(app, env);
app.synth();
