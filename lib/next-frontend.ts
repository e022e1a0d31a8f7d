import { Construct } from 'constructs';
import { AppServiceObjects, AppServiceProps, appServiceObjects, IAppService } from './app-service-props';
import { Connections } from './connections';
import { DESCRIBE, Described } from './description';
import { IFastApiBackend } from './fastapi-backend';
import { appWorkloadBase, checkMounts, checkWired, resolveAppRuntime, resolveCommonAppProps } from './internal/app-props';
import { propError } from './internal/errors';
import { checkEnvName } from './internal/validation';
import { WorkloadCore } from './internal/workload-core';
import { ResourceSpec, SecretKeyRef, WorkloadDescription } from './workload';

/** A Next.js frontend that routers can route to. */
export interface INextFrontend extends IAppService {}

export interface NextFrontendProps extends AppServiceProps {
  /** Port the Next.js server listens on; the Service port is named 'http'. @default 3000 */
  readonly port?: number;
  /** Backend whose in-cluster URL is injected as `apiUrlEnv`; its NetworkPolicy admits this frontend. @default - none */
  readonly api?: IFastApiBackend;
  /** Name of the variable that receives the backend URL. @default 'API_URL' */
  readonly apiUrlEnv?: string;
  /** Liveness and startup path. @default '/' */
  readonly healthPath?: string;
  /** Readiness path. @default - same as healthPath */
  readonly readinessPath?: string;
  /** Seconds the server may take to start before liveness applies. @default 60 */
  readonly startupTimeoutSeconds?: number;
  /** Writable directory for Next.js's cache (an emptyDir). @default '/app/.next/cache' */
  readonly cachePath?: string;
  /** uid (and gid) the container runs as. @default 1001 */
  readonly runAsUser?: number;
}

const DEFAULT_RESOURCES: ResourceSpec = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };

/** A Next.js frontend (standalone server): Deployment, Service on 3000, probes, ConfigMap, HPA/PDB, NetworkPolicies. */
export class NextFrontend extends Construct implements INextFrontend {
  readonly serviceName: string;
  readonly namespace?: string;
  readonly port: number;
  readonly url: string;
  readonly connections: Connections;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: AppServiceObjects;
  private readonly core: WorkloadCore;

  constructor(scope: Construct, id: string, props: NextFrontendProps) {
    super(scope, id);
    const path = this.node.path;
    const api = checkWired<IFastApiBackend>(path, 'api', props?.api, 'serviceName', 'a FastApiBackend (or another IFastApiBackend)');
    const apiUrlEnv = props?.apiUrlEnv ?? 'API_URL';
    checkEnvName(path, 'apiUrlEnv', apiUrlEnv);
    const reserved: Record<string, string> = { PORT: "the 'port' prop" };
    if (api) reserved[apiUrlEnv] = "'api'";
    const common = resolveCommonAppProps(this, id, props, { port: 3000, resources: DEFAULT_RESOURCES, reserved });
    const runtime = resolveAppRuntime(path, props, { healthPath: '/', startupTimeoutSeconds: 60, user: 1001 });
    const cachePath = props.cachePath ?? '/app/.next/cache';
    checkMounts(path, [
      { prop: 'the scratch folder /tmp', path: '/tmp' },
      { prop: 'cachePath', path: cachePath },
    ]);
    if (api && api.namespace !== common.namespace) {
      throw propError(
        path,
        'api',
        `must be in the frontend's namespace (${common.namespace ?? 'default'})`,
        `${api.serviceName} in ${api.namespace ?? 'default'}`,
      );
    }

    this.serviceName = common.name;
    this.namespace = common.namespace;
    this.port = common.port;
    this.url = `http://${common.name}:${common.port}`;
    this.core = new WorkloadCore(this, {
      base: appWorkloadBase(common, props, runtime, {
        component: 'frontend',
        scratchPaths: ['/tmp', cachePath],
        dependsOn: api ? [api.serviceName] : [],
      }),
      config: {
        HOSTNAME: '0.0.0.0',
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(common.port),
        ...props.env,
        ...(api ? { [apiUrlEnv]: api.url } : {}),
      },
      secretEnv: { ...props.secretEnv },
      reserved,
      acceptsClients: true,
    });
    this.objects = appServiceObjects(this.core);
    this.connections = this.core.connections;
    api?.connections.allowFrom(this, { reason: `api '${api.serviceName}'` });
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
