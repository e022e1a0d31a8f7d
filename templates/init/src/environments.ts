/**
 * The environments of __NAME__: everything that differs between dev, staging and prod, as typed
 * data. The composition (src/main.ts) reads it; kstack's constructs check every value.
 */
import { AutoscalingProps, EnvironmentProps, SecretValue } from 'kstack';

/** PostgreSQL in the cluster (a StatefulSet). */
export interface InClusterDatabase {
  readonly kind: 'in-cluster';
  /** Size of the data volume. */
  readonly storageSize: string;
  /** A literal password: dev only (kstack refuses one elsewhere; `pulumi up` generates one instead). */
  readonly devPassword?: SecretValue;
}

/** PostgreSQL managed outside the cluster: its credentials are a Secret created out of band. */
export interface ManagedDatabase {
  readonly kind: 'managed';
  /** Secret with the keys url, host, port, database, user and password. */
  readonly secretName: string;
}

/** One environment (name, namespace, app and version come from EnvironmentProps). */
export interface AppEnvironment extends EnvironmentProps {
  /** Public host name. */
  readonly host: string;
  /** TLS through a cert-manager ClusterIssuer; undefined for plain HTTP. */
  readonly tls?: { readonly clusterIssuer: string };
  /** Image repositories, without tag (the tag is the environment's version). */
  readonly images: { readonly api: string; readonly web: string };
  /** A fixed number of replicas, or an autoscaling range. */
  readonly scale: { readonly replicas: number } | { readonly autoscaling: AutoscalingProps };
  /** Where PostgreSQL runs. */
  readonly database: InClusterDatabase | ManagedDatabase;
  /** The Gateway the routes attach to: created by the stack, of this GatewayClass. */
  readonly gateway: { readonly className: string; readonly port?: number; readonly dataPlaneNamespace?: string };
}

const app = '__NAME__';

export const dev: AppEnvironment = {
  name: 'dev',
  namespace: `${app}-dev`,
  app,
  version: 'dev',
  host: 'app.localhost',
  images: { api: `localhost:5000/${app}/api`, web: `localhost:5000/${app}/web` },
  scale: { replicas: 1 },
  database: { kind: 'in-cluster', storageSize: '1Gi', devPassword: SecretValue.unsafePlainText('dev-password-not-secret') },
  // k3d: the Traefik that k3s bundles (its web entrypoint listens on 8000 in kube-system).
  gateway: { className: 'traefik', port: 8000, dataPlaneNamespace: 'kube-system' },
};

export const staging: AppEnvironment = {
  name: 'staging',
  namespace: `${app}-staging`,
  app,
  version: '0.1.0',
  host: `staging.${app}.example.com`,
  tls: { clusterIssuer: 'letsencrypt-staging' },
  images: { api: `ghcr.io/example/${app}-api`, web: `ghcr.io/example/${app}-web` },
  scale: { autoscaling: { minReplicas: 2, maxReplicas: 4 } },
  database: { kind: 'in-cluster', storageSize: '5Gi' },
  gateway: { className: 'traefik', dataPlaneNamespace: 'kube-system' },
};

export const prod: AppEnvironment = {
  name: 'prod',
  namespace: `${app}-prod`,
  app,
  version: '0.1.0',
  host: `${app}.example.com`,
  tls: { clusterIssuer: 'letsencrypt-prod' },
  images: { api: `ghcr.io/example/${app}-api`, web: `ghcr.io/example/${app}-web` },
  scale: { autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 } },
  database: { kind: 'managed', secretName: 'db-credentials' },
  gateway: { className: 'traefik', dataPlaneNamespace: 'kube-system' },
};

/** The environments, by name: `kstack synth` writes dist/<name>/ for each. */
export const environments = { dev, staging, prod };
