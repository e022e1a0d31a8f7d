import { Construct } from 'constructs';
import { AppServiceObjects, AppServiceProps, appServiceObjects, IAppService } from './app-service-props';
import { Connections } from './connections';
import { DESCRIBE, Described } from './description';
import { appWorkloadBase, checkMounts, checkWired, resolveAppRuntime, resolveCommonAppProps } from './internal/app-props';
import { propError } from './internal/errors';
import { names } from './internal/names';
import { WorkloadCore } from './internal/workload-core';
import { checkArgv } from './internal/validation';
import { IPostgres, postgresEnv } from './postgres';
import { DataVolumeSpec, ResourceSpec, SecretKeyRef, WorkloadDescription } from './workload';

/** A FastAPI backend that others (a frontend, a router) can wire to. */
export interface IFastApiBackend extends IAppService {}

export interface FastApiBackendProps extends AppServiceProps {
  /** Port uvicorn listens on; the Service port has the same number and is named 'http'. @default 8000 */
  readonly port?: number;
  /** Database to wire: DATABASE_URL and the PG* variables of the keys its Secret has; its NetworkPolicy admits this backend. @default - no database */
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

/** A FastAPI backend: Deployment, ClusterIP Service on 8000, probes, ConfigMap, ServiceAccount, HPA/PDB, NetworkPolicies. */
export class FastApiBackend extends Construct implements IFastApiBackend {
  readonly serviceName: string;
  readonly namespace?: string;
  readonly port: number;
  readonly url: string;
  readonly connections: Connections;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: AppServiceObjects;
  private readonly core: WorkloadCore;

  constructor(scope: Construct, id: string, props: FastApiBackendProps) {
    super(scope, id);
    const path = this.node.path;
    const database = checkWired<IPostgres>(
      path,
      'database',
      props?.database,
      'secretName',
      'a Postgres (or Postgres.fromExisting) construct',
    );
    const wiredEnv = database ? postgresEnv(database) : {};
    const reserved: Record<string, string> = { PORT: "the 'port' prop" };
    for (const name of Object.keys(wiredEnv)) reserved[name] = "'database'";
    const common = resolveCommonAppProps(this, id, props, { port: 8000, resources: DEFAULT_RESOURCES, reserved });
    const runtime = resolveAppRuntime(path, props, {
      healthPath: '/health',
      readinessPath: '/ready',
      startupTimeoutSeconds: 150,
      user: 1000,
    });
    checkArgv(path, 'migrationCommand', props.migrationCommand, "['alembic', 'upgrade', 'head']");
    if (props.migrationCommand && common.name === names.preStartContainer()) {
      throw propError(
        path,
        'name',
        `must not be '${common.name}' with a migrationCommand: the migration's init container has that name`,
        common.name,
      );
    }
    if (database && database.namespace !== common.namespace) {
      throw propError(
        path,
        'database',
        `must be in the backend's namespace (${common.namespace ?? 'default'}): Secrets cannot be read across namespaces; use Postgres.fromExisting with a Secret in this namespace`,
        `${database.name} in ${database.namespace ?? 'default'}`,
      );
    }
    checkMounts(path, [
      { prop: 'the scratch folder /tmp', path: '/tmp' },
      ...(props.dataVolume ? [{ prop: 'dataVolume.path', path: props.dataVolume.path }] : []),
    ]);

    this.serviceName = common.name;
    this.namespace = common.namespace;
    this.port = common.port;
    this.url = `http://${common.name}:${common.port}`;
    this.core = new WorkloadCore(this, {
      base: appWorkloadBase(common, props, runtime, {
        component: 'backend',
        fsGroup: props.dataVolume ? runtime.user : undefined,
        scratchPaths: ['/tmp'],
        dataVolume: props.dataVolume,
        preStart: props.migrationCommand,
        dependsOn: database?.workloadName ? [database.workloadName] : [],
      }),
      config: { PORT: String(common.port), ...props.env },
      secretEnv: { ...props.secretEnv, ...wiredEnv },
      reserved,
      acceptsClients: true,
    });
    this.objects = appServiceObjects(this.core);
    this.connections = this.core.connections;
    database?.connections.allowFrom(this, { reason: `database '${database.name}'` });
  }

  /** The target-neutral description (a snapshot). */
  get workload(): WorkloadDescription {
    return this.core.description;
  }

  /** Adds a non-secret environment variable (ConfigMap in Kubernetes; every target sees it). */
  addEnv(name: string, value: string): void {
    this.core.addEnv(name, value);
  }

  /** Adds an environment variable read from a Secret key created out of band (every target sees it). */
  addSecretEnv(name: string, ref: SecretKeyRef): void {
    this.core.addSecretEnv(name, ref);
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { workload: this.workload };
  }
}
