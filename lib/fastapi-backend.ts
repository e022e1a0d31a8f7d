import { Construct } from 'constructs';
import { AppWorkloadObjects, buildAppWorkload } from './internal/app-workload';
import { AppServiceProps } from './app-service-props';
import { checkNoEnvClash, httpChecks, resolveCommonAppProps, sortedRecord } from './internal/app-props';
import { propError } from './internal/errors';
import { accessLabel, selectorLabels } from './internal/labels';
import { checkHttpPath, checkInteger, checkNonEmpty } from './internal/validation';
import { IPostgres } from './postgres';
import { DataVolumeSpec, IServiceEndpoint, IWorkload, ResourceSpec, SecretKeyRef, WorkloadDescription } from './workload';

/** A FastAPI backend that others (a frontend, an ingress) can wire to. */
export interface IFastApiBackend extends IServiceEndpoint, IWorkload {
  /** Label a client's pods carry to be allowed through the backend's NetworkPolicies. */
  readonly accessLabel: string;
}

export interface FastApiBackendProps extends AppServiceProps {
  /** Port uvicorn listens on; the Service port has the same number and is named 'http'. @default 8000 */
  readonly port?: number;
  /** Database to wire: DATABASE_URL and PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD come from its Secret. @default - no database */
  readonly database?: IPostgres;
  /** Command run to completion before the app starts, in an init container with the same env (e.g. ['alembic', 'upgrade', 'head']). @default - none */
  readonly migrationCommand?: readonly string[];
  /** Liveness path. @default '/health' */
  readonly healthPath?: string;
  /** Readiness path. @default '/ready' */
  readonly readinessPath?: string;
  /** Seconds the app may take to start before liveness applies. @default 150 */
  readonly startupTimeoutSeconds?: number;
  /** A persistent volume for apps that keep data on disk (e.g. SQLite); needs a single pod. @default - none */
  readonly dataVolume?: DataVolumeSpec;
  /** uid (and gid) the containers run as. @default 1000 */
  readonly runAsUser?: number;
}

const DEFAULT_RESOURCES: ResourceSpec = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
const DATABASE_ENV: Readonly<Record<string, keyof IPostgres['secretKeys']>> = {
  DATABASE_URL: 'url',
  PGDATABASE: 'database',
  PGHOST: 'host',
  PGPASSWORD: 'password',
  PGPORT: 'port',
  PGUSER: 'user',
};

/** A FastAPI backend: Deployment, ClusterIP Service on 8000, probes, ConfigMap, ServiceAccount, HPA/PDB, NetworkPolicies. */
export class FastApiBackend extends Construct implements IFastApiBackend {
  readonly serviceName: string;
  readonly namespace?: string;
  readonly port: number;
  readonly podSelector: Readonly<Record<string, string>>;
  readonly url: string;
  readonly accessLabel: string;
  readonly workload: WorkloadDescription;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: AppWorkloadObjects;

  constructor(scope: Construct, id: string, props: FastApiBackendProps) {
    super(scope, id);
    const path = this.node.path;
    const common = resolveCommonAppProps(this, id, props, { port: 8000, resources: DEFAULT_RESOURCES });
    const healthPath = props.healthPath ?? '/health';
    const readinessPath = props.readinessPath ?? '/ready';
    const startupTimeoutSeconds = props.startupTimeoutSeconds ?? 150;
    const user = props.runAsUser ?? 1000;
    checkHttpPath(path, 'healthPath', healthPath);
    checkHttpPath(path, 'readinessPath', readinessPath);
    checkInteger(path, 'startupTimeoutSeconds', startupTimeoutSeconds, 5, 3600);
    checkInteger(path, 'runAsUser', user, 1, 2147483647);
    if (props.migrationCommand !== undefined) {
      if (!Array.isArray(props.migrationCommand) || props.migrationCommand.length === 0) {
        throw propError(
          path,
          'migrationCommand',
          "must be a non-empty argv array such as ['alembic', 'upgrade', 'head']",
          props.migrationCommand,
        );
      }
      props.migrationCommand.forEach((arg, i) => checkNonEmpty(path, `migrationCommand[${i}]`, arg));
    }

    const secretEnv: Record<string, SecretKeyRef> = { ...props.secretEnv };
    const database = props.database;
    if (database !== undefined && (database === null || typeof database !== 'object' || typeof database.secretName !== 'string')) {
      throw propError(path, 'database', 'must be a Postgres (or Postgres.fromExisting) construct', database);
    }
    if (database) {
      if (database.namespace !== common.namespace) {
        throw propError(
          path,
          'database',
          `must be in the backend's namespace (${common.namespace ?? 'default'}): Secrets cannot be read across namespaces; use Postgres.fromExisting with a Secret in this namespace`,
          `${database.name} in ${database.namespace ?? 'default'}`,
        );
      }
      checkNoEnvClash(path, 'env', props.env ?? {}, Object.keys(DATABASE_ENV), "'database'");
      checkNoEnvClash(path, 'secretEnv', props.secretEnv ?? {}, Object.keys(DATABASE_ENV), "'database'");
      for (const [envName, key] of Object.entries(DATABASE_ENV)) {
        secretEnv[envName] = { name: database.secretName, key: database.secretKeys[key] };
      }
    }

    this.serviceName = common.name;
    this.namespace = common.namespace;
    this.port = common.port;
    this.podSelector = selectorLabels(this, common.name);
    this.url = `http://${common.name}:${common.port}`;
    this.accessLabel = accessLabel(common.name);
    this.workload = {
      name: common.name,
      component: 'backend',
      image: props.image,
      build: common.build,
      command: props.command,
      args: props.args,
      ports: [{ name: 'http', port: common.port }],
      config: sortedRecord({ PORT: String(common.port), ...props.env }),
      secretEnv: sortedRecord(secretEnv),
      ...httpChecks(common.port, healthPath, readinessPath, startupTimeoutSeconds),
      user,
      group: user,
      fsGroup: props.dataVolume ? user : undefined,
      readOnlyRootFilesystem: true,
      scratchPaths: ['/tmp'],
      dataVolume: props.dataVolume,
      preStart: props.migrationCommand,
      dependsOn: database?.workload ? [database.workload.name] : [],
      resources: common.resources,
    };
    this.objects = buildAppWorkload(this, this.workload, common.scaling);
    if (database) this.objects.deployment.podMetadata.addLabel(database.accessLabel, 'true');
  }
}
