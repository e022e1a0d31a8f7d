import { ApiObject, Cron, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { propError } from './internal/errors';
import { accessLabel, namespaceOf, podLabels, selectorLabels } from './internal/labels';
import { names } from './internal/names';
import { allowClients } from './internal/network';
import { toSize } from './internal/quantity';
import { hardenPodSpec, restrictedContainer, restrictedPod } from './internal/security';
import {
  checkCron,
  checkDataKey,
  checkImage,
  checkInteger,
  checkName,
  checkNonEmpty,
  checkOptionalObject,
  checkResources,
  checkStorage,
  checkSubdomain,
  claimName,
  definedOnly,
} from './internal/validation';
import { declareExternal } from './validate/constructs';
import { containerEnv, toProbe, toResources } from './internal/app-workload';
import { CheckSpec, ResourceSpec, WorkloadDescription } from './workload';

/** Keys of the connection Secret. */
export interface PostgresSecretKeys {
  /** Full connection URL (postgresql://user:password@host:port/database). */
  readonly url: string;
  /** Host name. */
  readonly host: string;
  /** Port. */
  readonly port: string;
  /** Database name. */
  readonly database: string;
  /** User name. */
  readonly user: string;
  /** Password. */
  readonly password: string;
}

/** A PostgreSQL database that workloads can be wired to. */
export interface IPostgres {
  /** Name of the database (its Service, or a logical name for a managed database). */
  readonly name: string;
  /** Namespace the connection Secret lives in; undefined means the kubeconfig default. */
  readonly namespace?: string;
  /** Name of the Secret holding the connection details. */
  readonly secretName: string;
  /** Keys of that Secret. */
  readonly secretKeys: PostgresSecretKeys;
  /** TCP port clients connect to. */
  readonly port: number;
  /** Label a client's pods carry to be allowed through the database's NetworkPolicies. */
  readonly accessLabel: string;
  /** The in-cluster database's workload; undefined for a managed database. */
  readonly workload?: WorkloadDescription;
}

/** Nightly logical backups with pg_dump. */
export interface PostgresBackupProps {
  /** Cron schedule. @default '0 3 * * *' */
  readonly schedule?: string;
  /** Days a dump is kept. @default 7 */
  readonly retentionDays?: number;
  /** Size of the backup volume. @default '2Gi' */
  readonly size?: string;
  /** StorageClass of the backup volume. @default - the cluster default */
  readonly storageClass?: string;
}

export interface PostgresProps {
  /** Object name of the StatefulSet, Services and Secret prefix. @default - the construct id */
  readonly name?: string;
  /** PostgreSQL image, pinned. @default 'postgres:16.10' */
  readonly image?: string;
  /** Database created at first start. @default 'app' */
  readonly databaseName?: string;
  /** Database owner created at first start. @default 'app' */
  readonly user?: string;
  /**
   * A literal password, written into a Secret owned by this construct. For development only:
   * everywhere else use `existingSecret`. @default - none: the Secret named by `existingSecret` is used
   */
  readonly password?: string;
  /**
   * Name of an existing Secret with the keys database, user, password, host, port and url.
   * @default '<name>-credentials'
   */
  readonly existingSecret?: string;
  /** Size of the data volume. @default '1Gi' */
  readonly storageSize?: string;
  /** StorageClass of the data volume. @default - the cluster default */
  readonly storageClass?: string;
  /** Requests and limits. @default { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' } */
  readonly resources?: Partial<ResourceSpec>;
  /** Nightly pg_dump backups. @default - no backups */
  readonly backup?: PostgresBackupProps;
}

/** Props of a database managed outside the cluster (Neon, RDS, Render...). */
export interface ExistingPostgresProps {
  /** Logical name, used for the NetworkPolicy and access label. */
  readonly name: string;
  /** Secret holding the connection details. */
  readonly secretName: string;
  /** Key names inside that Secret. @default { url: 'url', host: 'host', port: 'port', database: 'database', user: 'user', password: 'password' } */
  readonly secretKeys?: Partial<PostgresSecretKeys>;
  /** TCP port of the managed database, for the egress NetworkPolicy. @default 5432 */
  readonly port?: number;
}

const PORT = 5432;
const UID = 999;
const DATA_PATH = '/var/lib/postgresql/data';
const DEFAULT_KEYS: PostgresSecretKeys = {
  url: 'url',
  host: 'host',
  port: 'port',
  database: 'database',
  user: 'user',
  password: 'password',
};
const DEFAULT_RESOURCES: ResourceSpec = { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' };

/** PostgreSQL in the cluster: a StatefulSet with a volume per pod, Services, credentials and optional backups. */
export class Postgres extends Construct implements IPostgres {
  /** Wires workloads to a database managed outside the cluster, through Secret references only. */
  static fromExisting(scope: Construct, id: string, props: ExistingPostgresProps): IPostgres {
    return new ExistingPostgres(scope, id, props);
  }

  readonly name: string;
  readonly namespace?: string;
  readonly secretName: string;
  readonly secretKeys = DEFAULT_KEYS;
  readonly port = PORT;
  readonly accessLabel: string;
  readonly workload: WorkloadDescription;
  /** The StatefulSet. */
  readonly statefulSet: kplus.StatefulSet;
  private readonly connection: { readonly user: string; readonly databaseName: string };

  constructor(scope: Construct, id: string, props: PostgresProps = {}) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object (or left out)', props);
    checkOptionalObject(path, 'resources', props.resources);
    checkOptionalObject(path, 'backup', props.backup);
    const name = props.name ?? id;
    const image = props.image ?? 'postgres:16.10';
    const databaseName = props.databaseName ?? 'app';
    const user = props.user ?? 'app';
    const storageSize = props.storageSize ?? '1Gi';
    const resources: ResourceSpec = { ...DEFAULT_RESOURCES, ...definedOnly(props.resources) };

    checkName(path, 'name', name, 52);
    checkImage(path, 'image', image);
    checkName(path, 'databaseName', databaseName);
    checkName(path, 'user', user);
    checkStorage(path, 'storageSize', storageSize);
    checkResources(path, 'resources', resources);
    if (props.password !== undefined && props.existingSecret !== undefined) {
      throw propError(path, 'password', "must not be set together with 'existingSecret' (choose one source of credentials)", '<redacted>');
    }
    if (props.password !== undefined) checkNonEmpty(path, 'password', props.password);
    if (props.existingSecret !== undefined) checkName(path, 'existingSecret', props.existingSecret, 253);
    if (props.storageClass !== undefined) checkSubdomain(path, 'storageClass', props.storageClass);
    claimName(this, 'workload', namespaceOf(this), name);

    this.name = name;
    this.namespace = namespaceOf(this);
    this.secretName = props.existingSecret ?? names.postgresSecret(name);
    this.accessLabel = accessLabel(name);
    const selector = selectorLabels(this, name);
    const ref = (key: keyof PostgresSecretKeys) => ({ name: this.secretName, key: this.secretKeys[key] });
    // Without a password the credentials Secret is created out of band (existingSecret or '<name>-credentials').
    if (props.password === undefined) declareExternal(this, this.secretName);

    this.connection = { user, databaseName };
    if (props.password !== undefined) {
      new kplus.Secret(this, 'Credentials', {
        metadata: { name: this.secretName },
        stringData: this.connectionSecretData(props.password),
      });
    }

    const isReady: CheckSpec['check'] = {
      kind: 'command',
      command: ['sh', '-c', 'exec pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1 -p 5432'],
    };
    this.workload = {
      name,
      component: 'database',
      image,
      ports: [{ name: 'postgres', port: PORT }],
      config: { PGDATA: `${DATA_PATH}/pgdata` },
      secretEnv: { POSTGRES_DB: ref('database'), POSTGRES_PASSWORD: ref('password'), POSTGRES_USER: ref('user') },
      liveness: { check: isReady, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
      readiness: { check: isReady, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
      startup: { check: isReady, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
      user: UID,
      group: UID,
      fsGroup: UID,
      readOnlyRootFilesystem: true,
      scratchPaths: ['/tmp', '/var/run/postgresql'],
      dataVolume: { path: DATA_PATH, size: storageSize, storageClass: props.storageClass },
      dependsOn: [],
      resources,
    };

    const headless = new kplus.Service(this, 'Headless', {
      metadata: { name: names.postgresHeadless(name) },
      clusterIP: 'None',
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT }],
    });
    const service = new kplus.Service(this, 'Service', {
      metadata: { name },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT }],
    });
    for (const [k, v] of Object.entries(selector)) {
      headless.selectLabel(k, v);
      service.selectLabel(k, v);
    }

    const configMap = new kplus.ConfigMap(this, 'Config', { metadata: { name: names.configMap(name) }, data: { ...this.workload.config } });
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: { name }, automountToken: false });
    this.statefulSet = new kplus.StatefulSet(this, 'StatefulSet', {
      metadata: { name },
      service: headless,
      replicas: 1,
      select: false,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: restrictedPod(UID, UID, UID),
    });
    for (const [k, v] of Object.entries(podLabels(this, name, 'database'))) this.statefulSet.podMetadata.addLabel(k, v);
    this.statefulSet.select(kplus.LabelSelector.of({ labels: selector }));
    const container = this.statefulSet.addContainer({
      name: 'postgres',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'postgres', number: PORT }],
      liveness: toProbe(this.workload.liveness),
      readiness: toProbe(this.workload.readiness),
      startup: toProbe(this.workload.startup!),
      resources: toResources(resources),
      securityContext: restrictedContainer(UID, UID, true),
      ...containerEnv(this, this.workload, configMap),
    });
    this.workload.scratchPaths.forEach((p, i) => {
      container.mount(p, kplus.Volume.fromEmptyDir(this, `Scratch${i}`, p === '/tmp' ? 'tmp' : 'run'));
    });
    const sts = ApiObject.of(this.statefulSet);
    sts.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: DATA_PATH }));
    // cdk8s-plus-27 has no volumeClaimTemplates prop; a plain string would synthesize as `storage: null`.
    sts.addJsonPatch(
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: props.storageClass,
            resources: { requests: { storage: kplus.k8s.Quantity.fromString(storageSize) } },
          },
        },
      ]),
    );
    hardenPodSpec(this.statefulSet, '/spec/template/spec');

    allowClients(this, { server: name, serverSelector: selector, accessLabel: this.accessLabel, port: PORT });

    if (props.backup) this.addBackup(props.backup, image, resources);
  }

  /**
   * The data of the credentials Secret (keys as in `secretKeys`) for a password: what this construct
   * writes for a literal dev password, and what a deploy tool that generates the password writes
   * into the Secret named `secretName`.
   */
  connectionSecretData(password: string): Record<string, string> {
    const { user, databaseName } = this.connection;
    const k = this.secretKeys;
    return {
      [k.database]: databaseName,
      [k.user]: user,
      [k.password]: password,
      [k.host]: this.name,
      [k.port]: String(PORT),
      [k.url]: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.name}:${PORT}/${databaseName}`,
    };
  }

  private addBackup(backup: PostgresBackupProps, image: string, resources: ResourceSpec): void {
    const path = `${this.node.path}/backup`;
    const schedule = backup.schedule ?? '0 3 * * *';
    const retentionDays = backup.retentionDays ?? 7;
    const size = backup.size ?? '2Gi';
    if (this.name.length > 45) {
      throw propError(
        this.node.path,
        'name',
        "must be at most 45 characters when backups are on (the CronJob is named '<name>-backup', at most 52 characters)",
        this.name,
      );
    }
    checkCron(path, 'schedule', schedule);
    checkInteger(path, 'retentionDays', retentionDays, 1, 3650);
    checkStorage(path, 'size', size);
    if (backup.storageClass !== undefined) checkSubdomain(path, 'storageClass', backup.storageClass);

    const claim = new kplus.PersistentVolumeClaim(this, 'BackupClaim', {
      metadata: { name: names.backupClaim(this.name) },
      storage: toSize(size),
      storageClassName: backup.storageClass,
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    });
    const [minute, hour, day, month, weekDay] = schedule.trim().split(/\s+/);
    const job = new kplus.CronJob(this, 'Backup', {
      metadata: { name: `${this.name}-backup` },
      schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      automountServiceAccountToken: false,
      securityContext: restrictedPod(UID, UID, UID),
      select: false,
    });
    for (const [k, v] of Object.entries(podLabels(this, `${this.name}-backup`, 'backup'))) job.podMetadata.addLabel(k, v);
    job.podMetadata.addLabel(this.accessLabel, 'true');
    const ref = (key: keyof PostgresSecretKeys) => ({ name: this.secretName, key: this.secretKeys[key] });
    const container = job.addContainer({
      name: 'pg-dump',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: [
        'sh',
        '-c',
        `set -eu; f="/backups/${this.name}-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"; pg_dump --no-owner | gzip > "$f.partial"; mv "$f.partial" "$f"; find /backups -name '*.sql.gz' -mtime +${retentionDays} -delete`,
      ],
      resources: toResources({ ...resources, cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
      securityContext: restrictedContainer(UID, UID, true),
      ...containerEnv(this, {
        ...this.workload,
        secretEnv: {
          PGDATABASE: ref('database'),
          PGHOST: ref('host'),
          PGPASSWORD: ref('password'),
          PGPORT: ref('port'),
          PGUSER: ref('user'),
        },
      }),
    });
    container.mount('/backups', kplus.Volume.fromPersistentVolumeClaim(this, 'BackupVolume', claim, { name: 'backups' }));
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'BackupTmp', 'tmp'));
    hardenPodSpec(job, '/spec/jobTemplate/spec/template/spec');
  }
}

class ExistingPostgres extends Construct implements IPostgres {
  readonly name: string;
  readonly namespace?: string;
  readonly secretName: string;
  readonly secretKeys: PostgresSecretKeys;
  readonly port: number;
  readonly accessLabel: string;

  constructor(scope: Construct, id: string, props: ExistingPostgresProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object with name and secretName', props);
    checkOptionalObject(path, 'secretKeys', props.secretKeys);
    checkName(path, 'name', props.name);
    checkName(path, 'secretName', props.secretName, 253);
    this.port = props.port ?? PORT;
    checkInteger(path, 'port', this.port, 1, 65535);
    this.secretKeys = { ...DEFAULT_KEYS, ...props.secretKeys };
    for (const [k, v] of Object.entries(this.secretKeys)) checkDataKey(path, `secretKeys.${k}`, v);
    claimName(this, 'workload', namespaceOf(this), props.name);
    declareExternal(this, props.secretName);
    this.name = props.name;
    this.namespace = namespaceOf(this);
    this.secretName = props.secretName;
    this.accessLabel = accessLabel(props.name);
    allowClients(this, { server: props.name, accessLabel: this.accessLabel, port: this.port });
  }
}
