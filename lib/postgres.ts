import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { Connections, IConnectable } from './connections';
import { DESCRIBE, Described } from './description';
import { environmentOf } from './environment';
import { guardDependency, propError, secretPropError } from './internal/errors';
import { namespaceOf, selectorLabels } from './internal/labels';
import { names } from './internal/names';
import {
  checkDataKey,
  checkImage,
  checkInteger,
  checkName,
  checkOptionalObject,
  checkResources,
  checkStorage,
  checkSubdomain,
  claimName,
  definedOnly,
} from './internal/validation';
import { WorkloadCore } from './internal/workload-core';
import { WorkloadObjects } from './internal/workload-render';
import { checkSecretValue, SecretValue } from './secret-value';
import { declareExternal } from './validate/constructs';
import { CheckSpec, ResourceSpec, SecretKeyRef, WorkloadDescription } from './workload';
import { ClientPolicies } from './internal/network';
import { requireValid } from './internal/checks/require';
import { duplicateTargetProblem } from './internal/checks/secret';
import { BackupDescription, BackupProps } from './backup';
import { addPostgresBackup, describeBackup, PostgresBackupObjects } from './internal/postgres-backup';

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

/** A PostgreSQL database as every target reads it. */
export interface DatabaseDescription {
  /** Name of the database (its Service, or a logical name for a managed database). */
  readonly name: string;
  readonly namespace?: string;
  /** Where it runs: a workload of the tree, or a service outside the cluster. */
  readonly location: 'in-cluster' | 'managed';
  /** The in-cluster workload's name. */
  readonly workload?: string;
  /** TCP port clients connect to. */
  readonly port: number;
  /** The Secret holding the connection details. */
  readonly secretName: string;
  /** The keys that Secret holds, by role (a URL-only Secret has just `url`). */
  readonly secretKeys: Partial<PostgresSecretKeys>;
  /** Database created at first start (in-cluster). */
  readonly databaseName?: string;
  /** Owner created at first start (in-cluster). */
  readonly user?: string;
  /** Backups (in-cluster). */
  readonly backup?: BackupDescription;
}

/** A PostgreSQL database that workloads can be wired to. */
export interface IPostgres extends IConnectable {
  /** Name of the database (its Service, or a logical name for a managed database). */
  readonly name: string;
  /** Namespace the connection Secret lives in; undefined means the kubeconfig default. */
  readonly namespace?: string;
  /** Name of the Secret holding the connection details. */
  readonly secretName: string;
  /** TCP port clients connect to. */
  readonly port: number;
  /** The in-cluster workload's name; undefined for a managed database. */
  readonly workloadName?: string;
  /** Its target-neutral description. */
  readonly database: DatabaseDescription;
}

/** Nightly logical backups with pg_dump (see docs/backup.md). */
export type PostgresBackupProps = BackupProps;

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
   * A literal password, written into a Secret owned by this construct: for a dev environment
   * only (refused in an environment that is not dev; the gate refuses literal Secrets outside dev).
   * @default - none: the Secret named by `existingSecret` is used
   */
  readonly password?: SecretValue;
  /** Name of an existing Secret with the keys database, user, password, host, port and url. @default '<name>-credentials' */
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

/** The Kubernetes objects of an in-cluster database, for escape hatches (Kubernetes only: see docs/escape-hatches.md). */
export interface PostgresObjects extends WorkloadObjects {
  /** The StatefulSet (the same object as `controller`). */
  readonly statefulSet: kplus.StatefulSet;
  /** The credentials Secret, when a literal dev password is given. */
  readonly secret?: kplus.Secret;
  /** NetworkPolicy admitting the database's clients. */
  readonly allowClients: ClientPolicies['allowClients'];
  /** NetworkPolicy letting the clients connect. */
  readonly clientEgress: ClientPolicies['clientEgress'];
  /** The backup CronJob, the restore template and the backup volume claim, when backups are on. */
  readonly backup?: PostgresBackupObjects;
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
/** The variables a client gets, by Secret key role. */
const CLIENT_ENV: Readonly<Record<string, keyof PostgresSecretKeys>> = {
  DATABASE_URL: 'url',
  PGDATABASE: 'database',
  PGHOST: 'host',
  PGPASSWORD: 'password',
  PGPORT: 'port',
  PGUSER: 'user',
};

/** What a client of the database reads: DATABASE_URL and the PG* variables of the keys its Secret holds. */
export function postgresEnv(db: IPostgres): Record<string, SecretKeyRef> {
  const { secretName, secretKeys } = db.database;
  const env: Record<string, SecretKeyRef> = {};
  for (const [variable, role] of Object.entries(CLIENT_ENV)) {
    const key = secretKeys[role];
    if (key !== undefined) env[variable] = { name: secretName, key };
  }
  return env;
}

/** PostgreSQL in the cluster: a StatefulSet with a volume per pod, Services, credentials and optional backups. */
export class Postgres extends Construct implements IPostgres {
  /** Wires workloads to a database managed outside the cluster, through a Secret with the six keys. */
  static fromExisting(scope: Construct, id: string, props: ExistingPostgresProps): IPostgres {
    return new ExistingPostgres(scope, id, props, 'all');
  }

  /**
   * Wires workloads to a managed database whose Secret holds only a connection URL (what Neon,
   * Render and Supabase hand out): clients get DATABASE_URL, and no PG* variable.
   */
  static fromConnectionUrl(scope: Construct, id: string, props: ConnectionUrlPostgresProps): IPostgres {
    return new ExistingPostgres(scope, id, { ...props, secretKeys: { url: props.key ?? 'url' } }, 'url');
  }

  readonly name: string;
  readonly namespace?: string;
  readonly secretName: string;
  readonly port = PORT;
  readonly workloadName: string;
  readonly connections: Connections;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: PostgresObjects;
  private readonly core: WorkloadCore;
  private readonly connection: { readonly user: string; readonly databaseName: string };
  private readonly backup?: BackupDescription;

  constructor(scope: Construct, id: string, props: PostgresProps = {}) {
    super(scope, id);
    const path = this.node.path;
    const { name, image, databaseName, user, storageSize, resources } = resolvePostgresProps(path, id, props);
    const password = checkPassword(this, props);
    if (props.existingSecret !== undefined) checkName(path, 'existingSecret', props.existingSecret, 253);
    if (props.storageClass !== undefined) checkSubdomain(path, 'storageClass', props.storageClass);
    claimName(this, 'workload', namespaceOf(this), name);

    this.name = name;
    this.workloadName = name;
    this.namespace = namespaceOf(this);
    this.secretName = props.existingSecret ?? names.postgresSecret(name);
    this.connection = { user, databaseName };
    // Without a password the credentials Secret is created out of band (existingSecret or '<name>-credentials').
    if (password === undefined) declareExternal(this, this.secretName);
    const secret = password
      ? new kplus.Secret(this, 'Credentials', {
          metadata: { name: this.secretName },
          stringData: this.connectionSecretData(password.unsafeUnwrap()),
        })
      : undefined;

    this.core = new WorkloadCore(this, {
      base: this.workloadBase(image, storageSize, props.storageClass, resources),
      config: { PGDATA: `${DATA_PATH}/pgdata` },
      secretEnv: { POSTGRES_DB: this.ref('database'), POSTGRES_PASSWORD: this.ref('password'), POSTGRES_USER: this.ref('user') },
      reserved: {
        PGDATA: 'the data volume',
        POSTGRES_DB: "'databaseName'",
        POSTGRES_PASSWORD: 'the credentials Secret',
        POSTGRES_USER: "'user'",
      },
      acceptsClients: true,
    });
    this.connections = this.core.connections;
    const policies = this.connections.clientPolicies!;
    this.backup = props.backup === undefined ? undefined : this.describeBackup(props.backup);
    this.objects = {
      ...this.core.objects,
      statefulSet: this.core.objects.controller as kplus.StatefulSet,
      secret,
      allowClients: policies.allowClients,
      clientEgress: policies.clientEgress,
      backup:
        this.backup &&
        guardDependency(path, 'backup', () =>
          addPostgresBackup(this, this.backup!, (job, jobId) =>
            this.connections.allowFrom(cronJobClient(this, jobId, job), { reason: jobId.toLowerCase() }),
          ),
        ),
    };
  }

  /** The database server's workload description (a snapshot). */
  get workload(): WorkloadDescription {
    return this.core.description;
  }

  /** The database as clients and targets see it. */
  get database(): DatabaseDescription {
    return {
      name: this.name,
      namespace: this.namespace,
      location: 'in-cluster',
      workload: this.name,
      port: PORT,
      secretName: this.secretName,
      secretKeys: DEFAULT_KEYS,
      databaseName: this.connection.databaseName,
      user: this.connection.user,
      backup: this.backup,
    };
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { workload: this.workload, database: this.database };
  }

  /**
   * The data of the credentials Secret for a password: what this construct writes for a literal
   * dev password, and what a deploy tool that generates the password (the Pulumi component)
   * writes into the Secret named `secretName`.
   */
  connectionSecretData(password: string): Record<string, string> {
    const { user, databaseName } = this.connection;
    const k = DEFAULT_KEYS;
    return {
      [k.database]: databaseName,
      [k.user]: user,
      [k.password]: password,
      [k.host]: this.name,
      [k.port]: String(PORT),
      [k.url]: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.name}:${PORT}/${databaseName}`,
    };
  }

  private describeBackup(props: BackupProps): BackupDescription {
    checkOptionalObject(this.node.path, 'backup', props);
    return describeBackup(this.node.path, this.workload, { secretName: this.secretName, secretKeys: DEFAULT_KEYS }, props);
  }

  private ref(key: keyof PostgresSecretKeys): SecretKeyRef {
    return { name: this.secretName, key: DEFAULT_KEYS[key] };
  }

  private workloadBase(image: string, size: string, storageClass: string | undefined, resources: ResourceSpec) {
    const isReady: CheckSpec['check'] = {
      kind: 'command',
      command: ['sh', '-c', 'exec pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1 -p 5432'],
    };
    return {
      name: this.name,
      namespace: this.namespace,
      component: 'database' as const,
      containerName: 'postgres',
      stateful: true,
      image,
      ports: [{ name: 'postgres', port: PORT }],
      liveness: { check: isReady, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
      readiness: { check: isReady, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
      startup: { check: isReady, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
      user: UID,
      group: UID,
      fsGroup: UID,
      readOnlyRootFilesystem: true,
      scratchPaths: ['/tmp', '/var/run/postgresql'],
      dataVolume: { path: DATA_PATH, size, storageClass },
      dependsOn: [],
      resources,
      scaling: { replicas: 1 },
    };
  }
}

/** The props of an in-cluster database after defaults, checked. */
function resolvePostgresProps(path: string, id: string, props: PostgresProps) {
  if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object (or left out)', props);
  checkOptionalObject(path, 'resources', props.resources);
  checkOptionalObject(path, 'backup', props.backup);
  const resolved = {
    name: props.name ?? id,
    image: props.image ?? 'postgres:16.10',
    databaseName: props.databaseName ?? 'app',
    user: props.user ?? 'app',
    storageSize: props.storageSize ?? '1Gi',
    resources: { ...DEFAULT_RESOURCES, ...definedOnly(props.resources) } as ResourceSpec,
  };
  checkName(path, 'name', resolved.name, 52);
  checkImage(path, 'image', resolved.image);
  checkName(path, 'databaseName', resolved.databaseName);
  checkName(path, 'user', resolved.user);
  checkStorage(path, 'storageSize', resolved.storageSize);
  checkResources(path, 'resources', resolved.resources);
  return resolved;
}

/** A CronJob of the database's (backup, restore) as its client: it gets the access label on its pod template. */
function cronJobClient(owner: Construct, id: string, cronJob: kplus.CronJob): IConnectable {
  const client = new Construct(owner, `${id}Client`);
  const connections = new Connections(client, {
    name: cronJob.name,
    namespace: namespaceOf(owner),
    podSelector: selectorLabels(owner, cronJob.name),
    addPodLabel: (key, value) => cronJob.podMetadata.addLabel(key, value),
  });
  return Object.assign(client, { connections });
}

/** `password` and `existingSecret` exclude each other; a literal password only outside a non-dev environment. */
function checkPassword(scope: IConstruct, props: PostgresProps): SecretValue | undefined {
  const path = scope.node.path;
  if (props.password === undefined) return undefined;
  if (props.existingSecret !== undefined) {
    throw secretPropError(path, 'password', "must not be set together with 'existingSecret' (choose one source of credentials)");
  }
  const password = checkSecretValue(path, 'password', props.password);
  const env = environmentOf(scope);
  if (env !== undefined && !env.isDev) {
    throw secretPropError(
      path,
      'password',
      `must not be a literal outside a dev environment (this is '${env.name}'): create the Secret out of band and set 'existingSecret'`,
    );
  }
  return password;
}

/** Props of a database managed outside the cluster (Neon, RDS, Render...). */
export interface ExistingPostgresProps {
  /** Logical name, used in object and variable descriptions. */
  readonly name: string;
  /** Secret holding the connection details. */
  readonly secretName: string;
  /** Key names inside that Secret. @default { url: 'url', host: 'host', port: 'port', database: 'database', user: 'user', password: 'password' } */
  readonly secretKeys?: Partial<PostgresSecretKeys>;
  /** TCP port of the managed database, for the egress NetworkPolicy. @default 5432 */
  readonly port?: number;
}

/** Props of a managed database given as one connection URL. */
export interface ConnectionUrlPostgresProps {
  /** Logical name, used in object and variable descriptions. */
  readonly name: string;
  /** Secret holding the URL. */
  readonly secretName: string;
  /** Key of the URL inside that Secret. @default 'url' */
  readonly key?: string;
  /** TCP port of the managed database, for the egress NetworkPolicy. @default 5432 */
  readonly port?: number;
}

class ExistingPostgres extends Construct implements IPostgres {
  readonly name: string;
  readonly namespace?: string;
  readonly secretName: string;
  readonly port: number;
  readonly connections: Connections;
  /** The NetworkPolicy letting clients reach the database's port on any address. */
  readonly objects: { readonly clientEgress: ClientPolicies['clientEgress'] };
  private readonly secretKeys: Partial<PostgresSecretKeys>;

  constructor(scope: Construct, id: string, props: ExistingPostgresProps, keys: 'all' | 'url') {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object with name and secretName', props);
    checkOptionalObject(path, 'secretKeys', props.secretKeys);
    checkName(path, 'name', props.name);
    checkName(path, 'secretName', props.secretName, 253);
    this.port = props.port ?? PORT;
    checkInteger(path, 'port', this.port, 1, 65535);
    this.secretKeys = keys === 'all' ? { ...DEFAULT_KEYS, ...definedOnly(props.secretKeys) } : { url: props.secretKeys?.url };
    checkSecretKeys(path, keys === 'all' ? 'secretKeys' : 'key', this.secretKeys);
    claimName(this, 'workload', namespaceOf(this), props.name);
    declareExternal(this, props.secretName);
    this.name = props.name;
    this.namespace = namespaceOf(this);
    this.secretName = props.secretName;
    this.connections = new Connections(this, { name: props.name, namespace: this.namespace, serverPort: this.port });
    this.objects = { clientEgress: this.connections.clientPolicies!.clientEgress };
  }

  get database(): DatabaseDescription {
    return {
      name: this.name,
      namespace: this.namespace,
      location: 'managed',
      port: this.port,
      secretName: this.secretName,
      secretKeys: { ...this.secretKeys },
    };
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { database: this.database };
  }
}

/** Each key is a valid Secret key, and no two roles read the same key (one variable per key). */
function checkSecretKeys(path: string, prop: string, keys: Partial<PostgresSecretKeys>): void {
  for (const [role, key] of Object.entries(keys)) checkDataKey(path, prop === 'key' ? 'key' : `${prop}.${role}`, key as string);
  requireValid(path, prop, keys, duplicateTargetProblem(keys));
}
