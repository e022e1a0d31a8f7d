/**
 * PostgreSQL backups on Kubernetes: the description (validated props with their defaults) and the
 * objects rendered from it: the backup volume, the scheduled backup (a CronJob) and the restore
 * template (a suspended CronJob that never runs on its own; each restore is a Job created from it
 * with `kubectl create job --from=cronjob/<name>-restore`, see docs/backup.md).
 */
import { Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BackupDescription, BackupProps } from '../backup';
import { SecretKeyRef, WorkloadDescription } from '../workload';
import { containerEnv, toResources } from './workload-render';
import { backupScript, BACKUP_DIR, restoreScript } from './backup-script';
import { propError } from './errors';
import { podLabels } from './labels';
import { names } from './names';
import { toSize } from './quantity';
import { hardenPodSpec, restrictedContainer, restrictedPod } from './security';
import { checkCron, checkInteger, checkStorage, checkSubdomain } from './validation';

/** The database's connection Secret and its keys (as IPostgres has them). */
export interface BackupConnection {
  readonly secretName: string;
  readonly secretKeys: {
    readonly host: string;
    readonly port: string;
    readonly database: string;
    readonly user: string;
    readonly password: string;
  };
}

/** Longest database name with backups on: '<name>-restore' is a CronJob name (at most 52 characters). */
export const MAX_BACKED_UP_NAME = 44;
/** A schedule that never comes (31 February): the restore template runs only when a Job is created from it. */
export const NEVER = '0 0 31 2 *';

/**
 * Validates the backup props (path is the database's construct path) and resolves their defaults;
 * the image, user and resources come from the database's workload, so pg_dump matches the server.
 */
export function describeBackup(path: string, db: WorkloadDescription, connection: BackupConnection, props: BackupProps): BackupDescription {
  const at = `${path}/backup`;
  const schedule = props.schedule ?? '0 3 * * *';
  const retentionDays = props.retentionDays ?? 7;
  const keepLast = props.keepLast ?? 3;
  const size = props.size ?? '2Gi';
  if (db.name.length > MAX_BACKED_UP_NAME) {
    throw propError(
      path,
      'name',
      `must be at most ${MAX_BACKED_UP_NAME} characters when backups are on (the restore CronJob is named '<name>-restore', at most 52 characters)`,
      db.name,
    );
  }
  checkCron(at, 'schedule', schedule);
  checkInteger(at, 'retentionDays', retentionDays, 1, 3650);
  checkInteger(at, 'keepLast', keepLast, 1, 1000);
  checkStorage(at, 'size', size);
  if (props.storageClass !== undefined) checkSubdomain(at, 'storageClass', props.storageClass);
  const ref = (key: keyof BackupConnection['secretKeys']): SecretKeyRef => ({
    name: connection.secretName,
    key: connection.secretKeys[key],
  });
  return {
    database: db.name,
    name: names.backupJob(db.name),
    restoreName: names.restoreJob(db.name),
    image: db.image,
    schedule: schedule.trim(),
    retentionDays,
    keepLast,
    volume: { name: names.backupClaim(db.name), size, storageClass: props.storageClass },
    // A database that does not answer fails the run in 10 s, not after the kernel's TCP timeout.
    config: { PGCONNECT_TIMEOUT: '10' },
    secretEnv: { PGDATABASE: ref('database'), PGHOST: ref('host'), PGPASSWORD: ref('password'), PGPORT: ref('port'), PGUSER: ref('user') },
    user: db.user,
    group: db.group,
    resources: { ...db.resources, cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
  };
}

/** The objects {@link addPostgresBackup} creates. */
export interface PostgresBackupObjects {
  readonly claim: kplus.PersistentVolumeClaim;
  /** The scheduled backup. */
  readonly cronJob: kplus.CronJob;
  /** The restore template: suspended, never scheduled. */
  readonly restore: kplus.CronJob;
}

/** The env of the job's container: the connection as Secret key references, the config as values, sorted by name. */
function jobEnv(scope: Construct, b: BackupDescription): Pick<kplus.ContainerProps, 'envVariables'> {
  const envVariables = { ...containerEnv(scope, b.secretEnv).envVariables };
  for (const [k, v] of Object.entries(b.config)) envVariables[k] = kplus.EnvValue.fromValue(v);
  return { envVariables: Object.fromEntries(Object.entries(envVariables).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) };
}

/**
 * One CronJob running `script` on the backup volume: Pod Security "restricted" as the database's
 * user, no service account token, read-only root with /tmp as an emptyDir, connected to the database by `connect`.
 */
function backupCronJob(
  scope: Construct,
  id: string,
  b: BackupDescription,
  job: { name: string; component: string; container: string; script: string; schedule: string; suspend: boolean },
  volumes: { backups: kplus.Volume; tmp: kplus.Volume },
  connect: (cronJob: kplus.CronJob, id: string) => void,
): kplus.CronJob {
  const [minute, hour, day, month, weekDay] = job.schedule.split(/\s+/);
  const cronJob = new kplus.CronJob(scope, id, {
    metadata: { name: job.name },
    schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
    suspend: job.suspend,
    // cdk8s-plus's default (10 s) skips the night's backup whenever the controller is a little late.
    startingDeadline: Duration.hours(1),
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    successfulJobsRetained: 3,
    failedJobsRetained: 3,
    automountServiceAccountToken: false,
    securityContext: restrictedPod(b.user, b.group, b.group),
    select: false,
  });
  for (const [k, v] of Object.entries(podLabels(scope, job.name, job.component))) cronJob.podMetadata.addLabel(k, v);
  connect(cronJob, id);
  const container = cronJob.addContainer({
    name: job.container,
    image: b.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    command: ['sh', '-c', job.script],
    resources: toResources(b.resources),
    securityContext: restrictedContainer(b.user, b.group, true),
    ...jobEnv(scope, b),
  });
  container.mount(BACKUP_DIR, volumes.backups);
  container.mount('/tmp', volumes.tmp);
  hardenPodSpec(cronJob, '/spec/jobTemplate/spec/template/spec');
  return cronJob;
}

/**
 * The backup objects on `scope` (the Postgres construct; the ids BackupClaim, Backup,
 * BackupVolume and BackupTmp are those of the construct's first version, so live objects are
 * kept): the volume, the nightly backup, and the restore template. `db` is the database's
 * workload; `connect` makes each job a client of the database (its connections), which lets the
 * jobs' pods through the database's NetworkPolicy.
 */
export function addPostgresBackup(
  scope: Construct,
  b: BackupDescription,
  connect: (cronJob: kplus.CronJob, id: string) => void,
): PostgresBackupObjects {
  const claim = new kplus.PersistentVolumeClaim(scope, 'BackupClaim', {
    metadata: { name: b.volume.name },
    storage: toSize(b.volume.size),
    storageClassName: b.volume.storageClass,
    accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
  });
  const volumes = {
    backups: kplus.Volume.fromPersistentVolumeClaim(scope, 'BackupVolume', claim, { name: 'backups' }),
    tmp: kplus.Volume.fromEmptyDir(scope, 'BackupTmp', 'tmp'),
  };
  const cronJob = backupCronJob(
    scope,
    'Backup',
    b,
    { name: b.name, component: 'backup', container: 'pg-dump', script: backupScript(b), schedule: b.schedule, suspend: false },
    volumes,
    connect,
  );
  const restore = backupCronJob(
    scope,
    'Restore',
    b,
    { name: b.restoreName, component: 'restore', container: 'pg-restore', script: restoreScript(b), schedule: NEVER, suspend: true },
    volumes,
    connect,
  );
  return { claim, cronJob, restore };
}
