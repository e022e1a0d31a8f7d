/**
 * Backups, the pure pieces (lib/backup.ts, lib/internal/backup-script.ts,
 * lib/internal/postgres-backup.ts): the description, the Kubernetes objects rendered from it and
 * the shape of the commands. What the commands do against a real PostgreSQL is proven in
 * test/tools/backup-drill.test.ts.
 */
import { collectGateContext, gateErrors, Postgres, PostgresBackupProps, validateObjects } from '../lib';
import { names } from '../lib/internal/names';
import { BackupDescription } from '../lib/backup';
import { backupServices, COMPOSE_BACKUP_DIR } from '../lib/compose/backup';
import { SecretEnv } from '../lib/compose/context';
import { databaseServices } from '../lib/compose/database';
import { backupFileRegex, backupScript, restoreScript } from '../lib/internal/backup-script';
import { NEVER } from '../lib/internal/postgres-backup';
import { errorOf, find, podSpecOf, podTemplateLabelsOf, testChart } from './util';

/** A Postgres construct with backups: their description and objects, and the chart's synthesized objects. */
function backedUp(props: PostgresBackupProps = {}, name = 'db') {
  const chart = testChart();
  const db = new Postgres(chart, 'db', { name, existingSecret: 'db-secret', backup: props });
  return { chart, db, description: db.database.backup!, objects: db.objects.backup!, json: chart.toJson() };
}

describe('backups: the description', () => {
  test('GIVEN no props WHEN described THEN the defaults are nightly at 03:00, 7 days, the 3 newest kept, 2Gi, the database image and user', () => {
    const { db, description } = backedUp();
    expect(description).toEqual<BackupDescription>({
      database: 'db',
      name: 'db-backup',
      restoreName: 'db-restore',
      image: db.workload.image,
      schedule: '0 3 * * *',
      retentionDays: 7,
      keepLast: 3,
      volume: { name: 'db-backups', size: '2Gi', storageClass: undefined },
      config: { PGCONNECT_TIMEOUT: '10' },
      secretEnv: {
        PGDATABASE: { name: 'db-secret', key: 'database' },
        PGHOST: { name: 'db-secret', key: 'host' },
        PGPASSWORD: { name: 'db-secret', key: 'password' },
        PGPORT: { name: 'db-secret', key: 'port' },
        PGUSER: { name: 'db-secret', key: 'user' },
      },
      user: 999,
      group: 999,
      resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
    });
  });

  test.each([
    ['the schedule is a word', { schedule: 'nightly' }, /^test\/db\/backup: 'schedule' must be a five-field cron schedule.*got "nightly"$/],
    ['retentionDays is 0', { retentionDays: 0 }, /^test\/db\/backup: 'retentionDays' .*got 0$/],
    ['keepLast is 0 (the newest backup must always be kept)', { keepLast: 0 }, /^test\/db\/backup: 'keepLast' .*got 0$/],
    ['keepLast is fractional', { keepLast: 1.5 }, /^test\/db\/backup: 'keepLast' .*got 1.5$/],
    ['the size is not a quantity', { size: '10 Gi' }, /^test\/db\/backup: 'size' must be a storage quantity.*got "10 Gi"$/],
    ['the storageClass is not a name', { storageClass: 'Fast SSD' }, /^test\/db\/backup: 'storageClass' .*got "Fast SSD"$/],
  ])('fails when %s', (_, props, message) => {
    expect(errorOf(() => backedUp(props))).toMatch(message);
  });

  test('fails when the database name leaves no room for the restore CronJob name', () => {
    expect(errorOf(() => backedUp({}, 'd'.repeat(45)))).toMatch(/^test\/db: 'name' must be at most 44 characters when backups are on/);
    expect(() => backedUp({}, 'd'.repeat(44))).not.toThrow();
  });
});

describe('backups: the Kubernetes objects', () => {
  test('GIVEN backups WHEN added THEN the CronJob keeps the names, construct ids, schedule, security and resources of the first version', () => {
    const { json, db } = backedUp({ schedule: '30 2 * * *', retentionDays: 14 });
    const job = find(json, 'CronJob', 'db-backup');
    expect(job.spec.schedule).toBe('30 2 * * *');
    expect(job.spec.suspend).toBe(false);
    expect(job.spec.concurrencyPolicy).toBe('Forbid');
    expect([job.spec.successfulJobsHistoryLimit, job.spec.failedJobsHistoryLimit]).toEqual([3, 3]);
    const labels = podTemplateLabelsOf(job);
    expect(labels['cdk8s.io/metadata.addr']).toBe('test-db-Backup-c88b1a65'); // the id path of the first version
    expect(labels[names.accessLabel(db.name)]).toBe('true');
    expect(labels['app.kubernetes.io/component']).toBe('backup');
    const spec = podSpecOf(job);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [c] = spec.containers;
    expect(c.name).toBe('pg-dump');
    expect(c.image).toBe(db.workload.image);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources).toEqual({ limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(c.volumeMounts).toEqual([
      { mountPath: '/backups', name: 'backups' },
      { mountPath: '/tmp', name: 'tmp' },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'backups', persistentVolumeClaim: { claimName: 'db-backups', readOnly: false } },
      { emptyDir: {}, name: 'tmp' },
    ]);
    expect(c.env.map((e: any) => e.name)).toEqual(['PGCONNECT_TIMEOUT', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
    expect(c.env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'db-secret', key: 'password' });
    expect(find(json, 'PersistentVolumeClaim', 'db-backups').spec.resources.requests.storage).toBe('2Gi');
  });

  test('GIVEN backups WHEN added THEN the container runs the synthesized backup script under sh, and the restore template the restore script', () => {
    const { json, description } = backedUp();
    const backup = podSpecOf(find(json, 'CronJob', 'db-backup')).containers[0];
    const restore = podSpecOf(find(json, 'CronJob', 'db-restore')).containers[0];
    expect(backup.command).toEqual(['sh', '-c', backupScript(description)]);
    expect(restore.command).toEqual(['sh', '-c', restoreScript(description)]);
  });

  test('GIVEN backups WHEN added THEN the restore template is suspended on a date that never comes, with the same pod as the backup', () => {
    const { json } = backedUp();
    const restore = find(json, 'CronJob', 'db-restore');
    expect(restore.spec.suspend).toBe(true);
    expect(restore.spec.schedule).toBe(NEVER);
    expect(NEVER.split(' ').slice(2, 4)).toEqual(['31', '2']); // 31 February
    const b = podSpecOf(find(json, 'CronJob', 'db-backup'));
    const r = podSpecOf(restore);
    expect(r.containers[0].name).toBe('pg-restore');
    for (const key of ['securityContext', 'volumes', 'automountServiceAccountToken']) expect(r[key]).toEqual(b[key]);
    for (const key of ['env', 'image', 'resources', 'securityContext', 'volumeMounts'])
      expect(r.containers[0][key]).toEqual(b.containers[0][key]);
    expect(podTemplateLabelsOf(restore)['app.kubernetes.io/component']).toBe('restore');
  });

  test('GIVEN backups WHEN the objects go through the gate THEN it reports no error (schemas, restricted pod security, references)', () => {
    const { chart } = backedUp({ storageClass: 'fast' });
    const findings = validateObjects(chart.toJson(), { env: 'prod', ...collectGateContext([chart]) });
    expect(gateErrors(findings)).toEqual([]);
  });
});

describe('backups: the commands', () => {
  const { description } = backedUp({ retentionDays: 14, keepLast: 2 });
  const script = backupScript(description);

  test('GIVEN the backup script THEN the dump goes to a partial file, is read back, then renamed, with no pipe after pg_dump', () => {
    const lines = script.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[0]).toBe('set -eu');
    expect(script).not.toMatch(/pipefail|bash/);
    const dump = at(/^pg_dump /);
    expect(lines[dump]).toBe(
      'pg_dump --format=custom --no-owner --file="$part" || fail "pg_dump exited with status $? (no backup written)"',
    );
    expect(at(/^pg_restore --file=\/dev\/null "\$part"/)).toBeGreaterThan(dump);
    expect(at(/^mv "\$part" "\$final"$/)).toBeGreaterThan(at(/^pg_restore --file/));
    expect(at(/^n=0; for f in/)).toBeGreaterThan(at(/^mv /)); // retention only after a good backup
    expect(script).toContain('[ "$n" -gt 2 ] || continue');
    expect(script).toContain(`-mmin +${14 * 24 * 60}`);
  });

  test('GIVEN the file name pattern THEN it matches finished backups only', () => {
    const re = new RegExp(backupFileRegex('db'));
    expect(re.test('db-20250101T030000Z.dump')).toBe(true);
    for (const name of ['db-20250101T030000Z.dump.partial', 'db-20250101T030000Z.sql.gz', 'dbx-20250101T030000Z.dump', 'db-latest.dump'])
      expect({ name, match: re.test(name) }).toEqual({ name, match: false });
  });

  test('GIVEN the restore script THEN it restores RESTORE_FILE (default the newest) with --clean --if-exists --no-owner in one transaction', () => {
    const restore = restoreScript(description);
    expect(restore).toContain('file="${RESTORE_FILE:-latest}"');
    expect(restore).toContain('target="${RESTORE_DATABASE:-$PGDATABASE}"');
    expect(restore).toMatch(/pg_restore --dbname="\$target" --clean --if-exists --no-owner --single-transaction --exit-on-error/);
  });
});

describe('backups: the Compose services', () => {
  /** The database mapped first, as renderCompose does, then its backup services on the same context. */
  function composeBackup() {
    const { db, description } = backedUp();
    const ctx = { contextRoot: '..', secrets: new SecretEnv() };
    const dbService = databaseServices(db.workload, db.database, ctx)[db.workload.name];
    const before = ctx.secrets.variables();
    return { db, description, dbService, before, ctx, rendered: backupServices(db.workload, description, ctx) };
  }

  test('GIVEN a database with backups WHEN its Compose backup is rendered THEN db-backup and db-restore are one-shot services in their own profiles on the db-backups volume', () => {
    const { rendered } = composeBackup();
    expect(Object.keys(rendered.services)).toEqual(['db-backup', 'db-restore']);
    expect(rendered.volumes).toEqual({ 'db-backups': {} });
    const backup = rendered.services['db-backup'];
    const restore = rendered.services['db-restore'];
    expect(backup.profiles).toEqual(['backup']);
    expect(restore.profiles).toEqual(['restore']);
    for (const s of [backup, restore]) {
      expect(s.restart).toBe('no');
      expect(s.healthcheck).toBeUndefined();
      expect(s.volumes).toEqual([`db-backups:${COMPOSE_BACKUP_DIR}`]);
      expect(s.depends_on).toEqual({ db: { condition: 'service_healthy' } });
      expect(s.user).toBe('999:999');
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toEqual(['/tmp:uid=999,gid=999,mode=1777']);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.ports).toBeUndefined();
      expect(s.mem_limit).toBe('512m');
    }
  });

  test('GIVEN the Compose backup WHEN rendered THEN it runs the same scripts as the CronJobs, on its folder, with $ escaped for Compose', () => {
    const { rendered, description } = composeBackup();
    const unescape = (s: string) => s.replace(/\$\$/g, '$');
    const entry = (name: string) => rendered.services[name].entrypoint!;
    expect(entry('db-backup').slice(0, 2)).toEqual(['sh', '-c']);
    expect(unescape(entry('db-backup')[2])).toBe(backupScript(description, COMPOSE_BACKUP_DIR));
    expect(unescape(entry('db-restore')[2])).toBe(restoreScript(description, COMPOSE_BACKUP_DIR));
    // Only the folder differs from the Kubernetes command.
    const k8s = backupScript(description).split('\n');
    const diff = backupScript(description, COMPOSE_BACKUP_DIR)
      .split('\n')
      .filter((l, i) => l !== k8s[i]);
    expect(diff).toEqual([`dir=${COMPOSE_BACKUP_DIR}`]);
  });

  test('GIVEN the Compose backup WHEN rendered THEN the connection is the db service and the variables the database already reads, no new ones', () => {
    const { rendered, dbService, before, ctx } = composeBackup();
    const env = rendered.services['db-backup'].environment!;
    expect(env.PGHOST).toBe('db');
    expect(env.PGPORT).toBe('5432');
    expect(env.PGPASSWORD).toBe(dbService.environment!.POSTGRES_PASSWORD);
    expect(env.PGUSER).toBe(dbService.environment!.POSTGRES_USER);
    expect(env.PGDATABASE).toBe(dbService.environment!.POSTGRES_DB);
    expect(env.PGCONNECT_TIMEOUT).toBe('10');
    expect(Object.keys(env)).toEqual([...Object.keys(env)].sort());
    expect(ctx.secrets.variables()).toEqual(before);
  });
});
