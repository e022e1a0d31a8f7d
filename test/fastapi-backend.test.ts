import { names } from '../lib/internal/names';
import { FastApiBackend, Postgres, SecretValue } from '../lib';
import { errorOf, find, findAll, podSpecOf, podTemplateLabelsOf, testChart } from './util';

describe('FastApiBackend', () => {
  test('serves on 8000 behind a ClusterIP Service that selects its pods', () => {
    // GIVEN
    const chart = testChart();
    // WHEN
    new FastApiBackend(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    const objects = chart.toJson();
    // THEN
    const deployment = find(objects, 'Deployment', 'api');
    const service = find(objects, 'Service', 'api');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }]);
    const podLabels = podTemplateLabelsOf(deployment);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    const container = podSpecOf(deployment).containers[0];
    expect(container.ports).toEqual([{ containerPort: 8000, name: 'http' }]);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('probes /health for liveness, /ready for readiness and gives startup a generous budget', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    const container = podSpecOf(find(chart.toJson(), 'Deployment', 'api')).containers[0];
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 8000, scheme: 'HTTP' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8000, scheme: 'HTTP' });
    expect(container.startupProbe.httpGet.path).toBe('/health');
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
  });

  test('documented resource defaults: requests and a memory limit, no CPU limit', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    const container = podSpecOf(find(chart.toJson(), 'Deployment', 'api')).containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  test('runs as uid 1000 with a read-only root filesystem, a /tmp emptyDir and no service account token', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0' });
    const objects = chart.toJson();
    const spec = podSpecOf(find(objects, 'Deployment', 'api'));
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.serviceAccountName).toBe('api');
    expect(find(objects, 'ServiceAccount', 'api').automountServiceAccountToken).toBe(false);
    const container = spec.containers[0];
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(spec.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
  });

  test('puts non-sensitive env in a ConfigMap and sensitive env only as secretKeyRef', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', {
      image: 'api:1.0.0',
      env: { LOG_LEVEL: 'info' },
      secretEnv: { OPENAI_API_KEY: { name: 'api-secrets', key: 'openai' } },
    });
    const objects = chart.toJson();
    expect(find(objects, 'ConfigMap', 'api-config').data).toEqual({ LOG_LEVEL: 'info', PORT: '8000' });
    const container = podSpecOf(find(objects, 'Deployment', 'api')).containers[0];
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'api-config' } }]);
    expect(container.env).toEqual([{ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'api-secrets', key: 'openai' } } }]);
  });

  test('a database gives DATABASE_URL and PG* from the database Secret, and the pods its access label', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { existingSecret: 'db-secret' });
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db });
    const objects = chart.toJson();
    const deployment = find(objects, 'Deployment', 'api');
    const env = podSpecOf(deployment).containers[0].env;
    const byName = Object.fromEntries(env.map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
    expect(byName.DATABASE_URL).toEqual({ name: 'db-secret', key: 'url' });
    expect(byName.PGPASSWORD).toEqual({ name: 'db-secret', key: 'password' });
    expect(Object.keys(byName).sort()).toEqual(['DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
    expect(podTemplateLabelsOf(deployment)[names.accessLabel(db.name)]).toBe('true');
    const dbPolicy = find(objects, 'NetworkPolicy', 'db-allow-clients');
    expect(dbPolicy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({ [names.accessLabel(db.name)]: 'true' });
  });

  test('the migration step runs in an init container with the same image, env and security', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { password: SecretValue.unsafePlainText('x') });
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db, migrationCommand: ['alembic', 'upgrade', 'head'] });
    const spec = podSpecOf(find(chart.toJson(), 'Deployment', 'api'));
    expect(spec.initContainers).toHaveLength(1);
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['alembic', 'upgrade', 'head']);
    expect(init.image).toBe('api:1.0.0');
    expect(init.env).toEqual(spec.containers[0].env);
    expect(init.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  test('replicas give a fixed count, no HPA, and a PDB only when more than one pod runs', () => {
    const one = testChart();
    new FastApiBackend(one, 'api', { image: 'api:1.0.0' });
    expect(find(one.toJson(), 'Deployment', 'api').spec.replicas).toBe(1);
    expect(findAll(one.toJson(), 'PodDisruptionBudget')).toHaveLength(0);
    expect(findAll(one.toJson(), 'HorizontalPodAutoscaler')).toHaveLength(0);

    const three = testChart();
    new FastApiBackend(three, 'api', { image: 'api:1.0.0', replicas: 3 });
    expect(find(three.toJson(), 'Deployment', 'api').spec.replicas).toBe(3);
    expect(find(three.toJson(), 'PodDisruptionBudget', 'api').spec.maxUnavailable).toBe(1);
  });

  test('autoscaling gives an HPA and leaves replicas off the Deployment', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', autoscaling: { minReplicas: 2, maxReplicas: 5 } });
    const objects = chart.toJson();
    expect(find(objects, 'Deployment', 'api').spec.replicas).toBeUndefined();
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'api' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    expect(find(objects, 'PodDisruptionBudget', 'api')).toBeDefined();
  });

  test('a data volume gets a PVC, a Recreate strategy and fsGroup', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', dataVolume: { path: '/data', size: '2Gi' } });
    const objects = chart.toJson();
    expect(find(objects, 'PersistentVolumeClaim', 'api-data').spec.resources.requests.storage).toBe('2Gi');
    const deployment = find(objects, 'Deployment', 'api');
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(podSpecOf(deployment).securityContext.fsGroup).toBe(1000);
    expect(podSpecOf(deployment).containers[0].volumeMounts).toContainEqual({ mountPath: '/data', name: 'data' });
  });

  test('fails when replicas is below 1', () => {
    const msg = errorOf(() => new FastApiBackend(testChart(), 'api', { image: 'api:1.0.0', replicas: 0 }));
    expect(msg).toBe("test/api: 'replicas' must be >= 1, got 0");
  });

  test('fails when replicas and autoscaling are both set', () => {
    const msg = errorOf(
      () => new FastApiBackend(testChart(), 'api', { image: 'api:1.0.0', replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 3 } }),
    );
    expect(msg).toMatch(/^test\/api: 'replicas' must not be set together with 'autoscaling'.*got 2$/);
  });

  test('fails when the image is not an image reference', () => {
    expect(errorOf(() => new FastApiBackend(testChart(), 'api', { image: 'Not An Image' }))).toMatch(
      /^test\/api: 'image' must be an image reference.*got "Not An Image"$/,
    );
  });

  test('fails when the database lives in another namespace', () => {
    const app = testChart('a');
    const other = testChart('b');
    const db = new Postgres(other, 'db', { password: SecretValue.unsafePlainText('x') });
    expect(errorOf(() => new FastApiBackend(app, 'api', { image: 'api:1.0.0', database: db }))).toMatch(
      /^test\/api: 'database' must be in the backend's namespace \(a\)/,
    );
  });

  test('fails when env sets a variable the database wiring provides', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { password: SecretValue.unsafePlainText('x') });
    expect(
      errorOf(() => new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db, env: { DATABASE_URL: 'sqlite://' } })),
    ).toMatch(/^test\/api: 'env.DATABASE_URL' must not be set: 'database' provides it/);
  });

  test('fails when requests exceed limits', () => {
    expect(
      errorOf(
        () => new FastApiBackend(testChart(), 'api', { image: 'api:1.0.0', resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } }),
      ),
    ).toBe('test/api: \'resources.memoryRequest\' must be <= memoryLimit (512Mi), got "1Gi"');
  });
});
