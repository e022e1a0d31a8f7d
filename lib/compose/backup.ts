import { BackupDescription } from '../backup';
import { backupScript, restoreScript } from '../internal/backup-script';
import { WorkloadDescription } from '../workload';
import { literal, MappingContext } from './context';
import { cpus, memory, tmpfsMount } from './service';
import { ComposeService } from './types';

/**
 * Where the backup volume is mounted in Compose: the postgres image's home folder, owned by its
 * user (999). Docker gives a new named volume the owner of the folder it is mounted on, and
 * Compose has no fsGroup: on a folder the image does not have (/backups, as in Kubernetes) the
 * volume would belong to root and the backup could not write.
 */
export const COMPOSE_BACKUP_DIR = '/var/lib/postgresql';
/** Profile of the backup service: `docker compose run --rm <db>-backup` (naming the service enables it). */
export const BACKUP_PROFILE = 'backup';
/** Profile of the restore service. */
export const RESTORE_PROFILE = 'restore';

/** The backup and restore services of a database, and the named volume they share. */
export interface ComposeBackup {
  readonly services: Record<string, ComposeService>;
  readonly volumes: Record<string, Record<string, never>>;
}

/**
 * The opt-in backup of a database for Compose, from its workload and backup descriptions: two
 * one-shot services in their own profiles (so `docker compose up` starts neither), running the
 * same scripts as the Kubernetes CronJobs with the database's image, as its user, on a read-only
 * root, with the connection from the database's Secret keys (PGHOST is the database's service).
 * Compose has no scheduler: `<db>-backup` runs once per `docker compose run --rm <db>-backup`
 * (from the host's cron or a systemd timer, see docs/backup.md); `<db>-restore` restores
 * RESTORE_FILE (default: the newest) with `docker compose run --rm -e RESTORE_FILE=... <db>-restore`.
 */
export function backupServices(db: WorkloadDescription, b: BackupDescription, ctx: MappingContext): ComposeBackup {
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(b.config)) environment[k] = literal(v);
  for (const [k, ref] of Object.entries(b.secretEnv)) environment[k] = ctx.secrets.resolve(ref, k, b.name);
  const service = (profile: string, script: string): ComposeService => ({
    image: b.image,
    entrypoint: ['sh', '-c', literal(script)],
    user: `${b.user}:${b.group}`,
    restart: 'no',
    profiles: [profile],
    read_only: true,
    tmpfs: [tmpfsMount('/tmp', b.user, b.group)],
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    environment: Object.fromEntries(Object.entries(environment).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
    volumes: [`${b.volume.name}:${COMPOSE_BACKUP_DIR}`],
    depends_on: { [db.name]: { condition: 'service_healthy' } },
    cpus: b.resources.cpuLimit !== undefined ? cpus(b.resources.cpuLimit) : undefined,
    mem_limit: memory(b.resources.memoryLimit),
  });
  return {
    services: {
      [b.name]: service(BACKUP_PROFILE, backupScript(b, COMPOSE_BACKUP_DIR)),
      [b.restoreName]: service(RESTORE_PROFILE, restoreScript(b, COMPOSE_BACKUP_DIR)),
    },
    volumes: { [b.volume.name]: {} },
  };
}
