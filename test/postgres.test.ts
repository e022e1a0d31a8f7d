import { names } from '../lib/internal/names';
import { Yaml } from 'cdk8s';
import { FastApiBackend, Postgres, SecretValue } from '../lib';
import { errorOf, find, findAll, podSpecOf, podTemplateLabelsOf, testChart } from './util';

describe('Postgres', () => {
  test('a StatefulSet with a volume claim template, a headless and a ClusterIP Service on 5432', () => {
    // GIVEN
    const chart = testChart();
    // WHEN
    new Postgres(chart, 'db', { existingSecret: 'db-secret', storageSize: '5Gi', storageClass: 'fast' });
    const objects = chart.toJson();
    // THEN
    const sts = find(objects, 'StatefulSet', 'db');
    expect(sts.spec.serviceName).toBe('db-headless');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } },
      },
    ]);
    expect(find(objects, 'Service', 'db-headless').spec.clusterIP).toBe('None');
    const service = find(objects, 'Service', 'db');
    expect(service.spec.ports[0]).toMatchObject({ port: 5432, targetPort: 5432 });
    const labels = podTemplateLabelsOf(sts);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    const container = podSpecOf(sts).containers[0];
    expect(container.image).toBe('postgres:16.10');
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    expect(find(objects, 'ConfigMap', 'db-config').data.PGDATA).toBe('/var/lib/postgresql/data/pgdata');
  });

  test('passes restricted: uid 999, fsGroup 999, pg_isready probes', () => {
    const chart = testChart();
    new Postgres(chart, 'db', { existingSecret: 'db-secret' });
    const spec = podSpecOf(find(chart.toJson(), 'StatefulSet', 'db'));
    expect(spec.securityContext).toMatchObject({
      runAsUser: 999,
      fsGroup: 999,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = spec.containers[0];
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.readinessProbe.exec.command.join(' ')).toContain('pg_isready');
    expect(c.livenessProbe.exec.command.join(' ')).toContain('pg_isready');
  });

  test('a literal password goes into a construct-owned Secret with all connection keys', () => {
    const chart = testChart();
    new Postgres(chart, 'db', { password: SecretValue.unsafePlainText('p@ss word') });
    const secret = find(chart.toJson(), 'Secret', 'db-credentials');
    expect(Object.keys(secret.stringData).sort()).toEqual(['database', 'host', 'password', 'port', 'url', 'user']);
    expect(secret.stringData.url).toBe('postgresql://app:p%40ss%20word@db:5432/app');
  });

  test('connectionSecretData gives the Secret of any password, URL-encoded in the URL', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'orders', { existingSecret: 'orders-secret', databaseName: 'shop', user: 'shopper' });
    expect(db.connectionSecretData('p@ss/w')).toEqual({
      database: 'shop',
      user: 'shopper',
      password: 'p@ss/w',
      host: 'orders',
      port: '5432',
      url: 'postgresql://shopper:p%40ss%2Fw@orders:5432/shop',
    });
  });

  test('existingSecret writes no Secret and no password', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { existingSecret: 'vault-db' });
    const objects = chart.toJson();
    expect(findAll(objects, 'Secret')).toHaveLength(0);
    expect(db.secretName).toBe('vault-db');
    const yaml = Yaml.stringify(...objects);
    expect(yaml).not.toContain('stringData');
    expect(yaml).not.toMatch(/^\s*password:/m);
  });

  test('backup adds a verified pg_dump CronJob with retention, its own volume, a restore template and database access', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { existingSecret: 'db-secret', backup: { schedule: '30 2 * * *', retentionDays: 14 } });
    const objects = chart.toJson();
    const job = find(objects, 'CronJob', 'db-backup');
    expect(job.spec.schedule).toBe('30 2 * * *');
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    const spec = podSpecOf(job);
    const script = spec.containers[0].command.join(' ');
    expect(script).toContain('pg_dump --format=custom');
    expect(script).toContain(`-mmin +${14 * 24 * 60}`); // retention in days, as minutes
    expect(find(objects, 'CronJob', 'db-restore').spec.suspend).toBe(true);
    expect(db.database.backup).toMatchObject({ schedule: '30 2 * * *', retentionDays: 14, keepLast: 3 });
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(find(objects, 'PersistentVolumeClaim', 'db-backups')).toBeDefined();
    expect(podTemplateLabelsOf(job)[names.accessLabel(db.name)]).toBe('true');
  });

  test('only workloads granted access reach 5432', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'db', { existingSecret: 'db-secret' });
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db });
    const objects = chart.toJson();
    const policy = find(objects, 'NetworkPolicy', 'db-allow-clients');
    expect(policy.spec.podSelector.matchLabels).toEqual(find(objects, 'Service', 'db').spec.selector);
    expect(policy.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { [names.accessLabel(db.name)]: 'true' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('fromExisting carries only Secret references and allows egress to the managed database', () => {
    const chart = testChart();
    const db = Postgres.fromExisting(chart, 'db', { name: 'db', secretName: 'neon', secretKeys: { url: 'DATABASE_URL' } });
    new FastApiBackend(chart, 'api', { image: 'api:1.0.0', database: db });
    const objects = chart.toJson();
    expect(findAll(objects, 'StatefulSet')).toHaveLength(0);
    expect(findAll(objects, 'Secret')).toHaveLength(0);
    const env = podSpecOf(find(objects, 'Deployment', 'api')).containers[0].env;
    expect(env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toEqual({ name: 'neon', key: 'DATABASE_URL' });
    const egress = find(objects, 'NetworkPolicy', 'db-client-egress');
    expect(egress.spec.egress[0]).toEqual({ ports: [{ protocol: 'TCP', port: 5432 }] });
  });

  test('fails when password and existingSecret are both set, without echoing the password', () => {
    const msg = errorOf(() => new Postgres(testChart(), 'db', { password: SecretValue.unsafePlainText('hunter2'), existingSecret: 'x' }));
    expect(msg).toMatch(/^test\/db: 'password' must not be set together with 'existingSecret'/);
    expect(msg).not.toContain('hunter2');
  });

  test('fails when the storage size is not a quantity', () => {
    expect(errorOf(() => new Postgres(testChart(), 'db', { storageSize: '1GB' }))).toMatch(
      /^test\/db: 'storageSize' must be a storage quantity.*got "1GB"$/,
    );
  });

  test('fails when the backup schedule is not a cron expression', () => {
    expect(errorOf(() => new Postgres(testChart(), 'db', { backup: { schedule: 'nightly' } }))).toMatch(
      /^test\/db\/backup: 'schedule' must be a five-field cron schedule.*got "nightly"$/,
    );
  });
});
