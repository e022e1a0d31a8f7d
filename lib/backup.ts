/**
 * A target-neutral description of a database's backups: the Kubernetes CronJob (and its restore
 * template) and the Compose services are rendered from it, as workloads are from their
 * {@link WorkloadDescription}.
 */
import { ResourceSpec, SecretKeyRef } from './workload';

/** Props of the nightly logical backups (pg_dump custom format, verified, then kept by age). */
export interface BackupProps {
  /** Cron schedule (five fields, the cluster's time zone, usually UTC). @default '0 3 * * *' */
  readonly schedule?: string;
  /** Days a backup is kept; older ones are deleted after the next good backup (never the newest `keepLast`). @default 7 */
  readonly retentionDays?: number;
  /** The newest good backups always kept, whatever their age. @default 3 */
  readonly keepLast?: number;
  /** Size of the backup volume. @default '2Gi' */
  readonly size?: string;
  /** StorageClass of the backup volume. @default - the cluster default */
  readonly storageClass?: string;
}

/** The volume the backups are written to. */
export interface BackupVolumeDescription {
  /** Name of the PersistentVolumeClaim, and of the Compose named volume. */
  readonly name: string;
  /** Requested size, e.g. '2Gi'. */
  readonly size: string;
  /** StorageClass; unset means the cluster default. */
  readonly storageClass?: string;
}

export interface BackupDescription {
  /** Name of the database workload backed up (its Service). */
  readonly database: string;
  /** Name of the scheduled backup (the CronJob, the Compose service). */
  readonly name: string;
  /** Name of the restore template (a suspended CronJob, the Compose service). */
  readonly restoreName: string;
  /** Image the backup and restore run: the database's own, so pg_dump matches the server. */
  readonly image: string;
  /** Cron schedule, five fields. */
  readonly schedule: string;
  /** Days a good backup is kept (older ones go after the next good backup). */
  readonly retentionDays: number;
  /** The newest good backups kept whatever their age (at least 1). */
  readonly keepLast: number;
  /** Where the backups are kept. */
  readonly volume: BackupVolumeDescription;
  /** Non-sensitive environment (libpq settings), sorted by name. */
  readonly config: Readonly<Record<string, string>>;
  /** The connection (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD) as Secret key references, sorted by name. */
  readonly secretEnv: Readonly<Record<string, SecretKeyRef>>;
  /** uid the job runs as (the database image's user). */
  readonly user: number;
  /** gid the job runs as. */
  readonly group: number;
  /** Requests and limits of the job's container. */
  readonly resources: ResourceSpec;
}
