import {
  AutoscalingProps,
  CreateGatewayProps,
  EnvironmentProps,
  GatewayReference,
  PostgresBackupProps,
  ResourceSpec,
  SecretValue,
} from '../lib';

/** How an app service is sized and scaled in one environment. */
export interface ServiceConfig {
  /** Image repository (without tag), e.g. 'registry.example.com/acme/api'. */
  readonly image: string;
  /** Fixed replica count (when no autoscaling). */
  readonly replicas?: number;
  /** HPA range. */
  readonly autoscaling?: AutoscalingProps;
  /** Requests and limits. */
  readonly resources?: Partial<ResourceSpec>;
}

/** PostgreSQL running in the cluster. */
export interface InClusterDatabase {
  readonly kind: 'in-cluster';
  /** Data volume size. */
  readonly storageSize: string;
  /** StorageClass; undefined for the cluster default. */
  readonly storageClass?: string;
  /** Literal password: dev only (Postgres refuses it elsewhere; the Pulumi path generates one instead). */
  readonly devPassword?: SecretValue;
  /** Nightly backups. */
  readonly backup?: PostgresBackupProps;
}

/** PostgreSQL managed outside the cluster; the Secret is created out of band. */
export interface ManagedDatabase {
  readonly kind: 'managed';
  /** Secret with the keys url, host, port, database, user and password. */
  readonly secretName: string;
}

/** Argo CD Application settings. */
export interface ArgoConfig {
  /** Git repository holding dist/. */
  readonly repoURL: string;
  /** Branch, tag or commit. */
  readonly targetRevision: string;
}

/**
 * Routes through the Gateway API (GatewayRoutes): attached to an existing Gateway, or to one the
 * stack creates (its HTTPS listener then takes the environment's `tls`).
 */
export interface GatewayApiRouter {
  readonly kind: 'gateway-api';
  /** An existing Gateway (TLS is then that Gateway's business: leave `tls` out). */
  readonly gateway?: GatewayReference;
  /** A Gateway the stack creates. */
  readonly createGateway?: Omit<CreateGatewayProps, 'tls'>;
  /** Namespace of the Gateway's data plane, admitted to the app's Services. @default - the Gateway's namespace */
  readonly dataPlaneNamespace?: string;
}

/** Routes through ingress-nginx (NginxIngress): retired upstream in March 2026, kept for Minikube's ingress addon and existing clusters. */
export interface NginxIngressRouter {
  readonly kind: 'nginx-ingress';
  /** IngressClass. @default 'nginx' */
  readonly ingressClassName?: string;
  /** Namespace of the controller. @default 'ingress-nginx' */
  readonly controllerNamespace?: string;
}

/** Which router an environment uses (docs/routing.md compares them). */
export type RouterConfig = GatewayApiRouter | NginxIngressRouter;

/** The routers the reference environments choose from (docs/routing.md compares them). */
export const routers = {
  /** k3d/k3s: the Gateway API through the bundled Traefik (bin/k3d-up.sh enables its provider): a Gateway of class 'traefik' on its web entrypoint (port 8000 in the pod, 80 on the host); Traefik runs in kube-system. */
  k3dTraefik: { kind: 'gateway-api', createGateway: { gatewayClassName: 'traefik', port: 8000 }, dataPlaneNamespace: 'kube-system' },
  /** ingress-nginx (retired March 2026): Minikube's ingress addon and clusters that still run it. */
  ingressNginx: { kind: 'nginx-ingress' },
} as const satisfies Record<string, RouterConfig>;

/** Everything that differs between environments, as typed data (name, namespace, app and version: EnvironmentProps). */
export interface EnvConfig extends EnvironmentProps {
  /** Public host name. */
  readonly host: string;
  /** TLS through cert-manager; undefined for plain HTTP. */
  readonly tls?: { readonly clusterIssuer: string };
  /** How requests reach the app: the Gateway API or ingress-nginx. */
  readonly router: RouterConfig;
  /** Backend sizing. */
  readonly backend: ServiceConfig;
  /** Frontend sizing. */
  readonly frontend: ServiceConfig;
  /** Where PostgreSQL runs. */
  readonly database: InClusterDatabase | ManagedDatabase;
  /** Argo CD Application; undefined to apply directly. */
  readonly argo?: ArgoConfig;
  /** Build contexts of the app images, relative to the repository root (for Pulumi and Compose). */
  readonly build?: { readonly backend: string; readonly frontend: string };
}

const base = {
  app: 'kstack-demo',
  version: '0.1.0',
  argo: { repoURL: 'https://github.com/kstack-dev/kstack-demo.git', targetRevision: 'main' },
} as const;

export const dev: EnvConfig = {
  ...base,
  name: 'dev',
  namespace: 'kstack-dev',
  version: 'dev',
  host: 'app.localhost',
  // On Minikube (its ingress addon is ingress-nginx) use routers.ingressNginx: docs/routing.md.
  router: routers.k3dTraefik,
  backend: {
    image: 'localhost:5000/kstack-backend',
    replicas: 1,
    resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  },
  frontend: {
    image: 'localhost:5000/kstack-frontend',
    replicas: 1,
    resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  },
  database: { kind: 'in-cluster', storageSize: '1Gi', devPassword: SecretValue.unsafePlainText('dev-password-not-secret') },
  argo: undefined,
  build: { backend: 'examples/fullstack/backend', frontend: 'examples/fullstack/frontend' },
};

export const staging: EnvConfig = {
  ...base,
  name: 'staging',
  namespace: 'kstack-staging',
  host: 'staging.kstack.example.com',
  tls: { clusterIssuer: 'letsencrypt-staging' },
  router: routers.ingressNginx,
  backend: { image: 'ghcr.io/kstack-dev/kstack-backend', autoscaling: { minReplicas: 2, maxReplicas: 4 } },
  frontend: { image: 'ghcr.io/kstack-dev/kstack-frontend', autoscaling: { minReplicas: 2, maxReplicas: 4 } },
  database: { kind: 'in-cluster', storageSize: '5Gi', backup: { schedule: '0 3 * * *', retentionDays: 7, size: '5Gi' } },
};

export const prod: EnvConfig = {
  ...base,
  name: 'prod',
  namespace: 'kstack-prod',
  host: 'app.kstack.example.com',
  tls: { clusterIssuer: 'letsencrypt-prod' },
  router: routers.ingressNginx,
  backend: {
    image: 'ghcr.io/kstack-dev/kstack-backend',
    autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 },
    resources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
  },
  frontend: {
    image: 'ghcr.io/kstack-dev/kstack-frontend',
    autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 },
    resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
  },
  database: { kind: 'managed', secretName: 'db-credentials' },
};

/** The reference environments, by name. */
export const environments: Readonly<Record<string, EnvConfig>> = { dev, staging, prod };
