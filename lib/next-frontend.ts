import { Construct } from 'constructs';
import { AppWorkloadObjects, buildAppWorkload } from './internal/app-workload';
import { AppServiceProps } from './app-service-props';
import { checkNoEnvClash, httpChecks, resolveCommonAppProps, sortedRecord } from './internal/app-props';
import { propError } from './internal/errors';
import { accessLabel, selectorLabels } from './internal/labels';
import { checkEnvName, checkHttpPath, checkInteger } from './internal/validation';
import { IFastApiBackend } from './fastapi-backend';
import { IServiceEndpoint, IWorkload, ResourceSpec, WorkloadDescription } from './workload';

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
export class NextFrontend extends Construct implements IServiceEndpoint, IWorkload {
  readonly serviceName: string;
  readonly namespace?: string;
  readonly port: number;
  readonly podSelector: Readonly<Record<string, string>>;
  readonly url: string;
  readonly accessLabel: string;
  readonly workload: WorkloadDescription;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: AppWorkloadObjects;

  constructor(scope: Construct, id: string, props: NextFrontendProps) {
    super(scope, id);
    const path = this.node.path;
    const common = resolveCommonAppProps(this, id, props, { port: 3000, resources: DEFAULT_RESOURCES });
    const healthPath = props.healthPath ?? '/';
    const readinessPath = props.readinessPath ?? healthPath;
    const startupTimeoutSeconds = props.startupTimeoutSeconds ?? 60;
    const cachePath = props.cachePath ?? '/app/.next/cache';
    const apiUrlEnv = props.apiUrlEnv ?? 'API_URL';
    const user = props.runAsUser ?? 1001;
    checkHttpPath(path, 'healthPath', healthPath);
    checkHttpPath(path, 'readinessPath', readinessPath);
    checkHttpPath(path, 'cachePath', cachePath);
    checkEnvName(path, 'apiUrlEnv', apiUrlEnv);
    checkInteger(path, 'startupTimeoutSeconds', startupTimeoutSeconds, 5, 3600);
    checkInteger(path, 'runAsUser', user, 1, 2147483647);

    const env: Record<string, string> = { HOSTNAME: '0.0.0.0', NEXT_TELEMETRY_DISABLED: '1', PORT: String(common.port), ...props.env };
    const api = props.api;
    if (api !== undefined && (api === null || typeof api !== 'object' || typeof api.serviceName !== 'string')) {
      throw propError(path, 'api', 'must be a FastApiBackend (or another IFastApiBackend)', api);
    }
    if (api) {
      if (api.namespace !== common.namespace) {
        throw propError(
          path,
          'api',
          `must be in the frontend's namespace (${common.namespace ?? 'default'})`,
          `${api.serviceName} in ${api.namespace ?? 'default'}`,
        );
      }
      checkNoEnvClash(path, 'env', props.env ?? {}, [apiUrlEnv], "'api'");
      env[apiUrlEnv] = api.url;
    }

    this.serviceName = common.name;
    this.namespace = common.namespace;
    this.port = common.port;
    this.podSelector = selectorLabels(this, common.name);
    this.url = `http://${common.name}:${common.port}`;
    this.accessLabel = accessLabel(common.name);
    this.workload = {
      name: common.name,
      component: 'frontend',
      image: props.image,
      build: common.build,
      command: props.command,
      args: props.args,
      ports: [{ name: 'http', port: common.port }],
      config: sortedRecord(env),
      secretEnv: sortedRecord(props.secretEnv ?? {}),
      ...httpChecks(common.port, healthPath, readinessPath, startupTimeoutSeconds),
      user,
      group: user,
      readOnlyRootFilesystem: true,
      scratchPaths: ['/tmp', cachePath],
      dependsOn: api ? [api.serviceName] : [],
      resources: common.resources,
    };
    this.objects = buildAppWorkload(this, this.workload, common.scaling);
    if (api) this.objects.deployment.podMetadata.addLabel(api.accessLabel, 'true');
  }
}
