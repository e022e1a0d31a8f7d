/**
 * The one place that decides the names of derived objects: every target (Kubernetes, Compose,
 * Pulumi) and every construct asks here, so a name is never re-typed.
 */

/** Cuts a name to a DNS label's 63 characters without a trailing '-'. */
function label(name: string): string {
  return name.length <= 63 ? name : name.slice(0, 63).replace(/-+$/, '');
}

export const names = {
  /** ConfigMap holding a workload's non-secret environment. */
  configMap: (workload: string) => `${workload}-config`,
  /** Credentials Secret of an in-cluster database (unless `existingSecret` names another). */
  postgresSecret: (database: string) => `${database}-credentials`,
  /** Headless Service giving a StatefulSet's pods stable DNS names. */
  headlessService: (workload: string) => `${workload}-headless`,
  /** PersistentVolumeClaim of a database's backups. */
  backupClaim: (database: string) => `${database}-backups`,
  /** CronJob (and its pods' name label) taking a database's backups; the Compose backup service. */
  backupJob: (database: string) => `${database}-backup`,
  /** Suspended CronJob a restore Job is created from; the Compose restore service. */
  restoreJob: (database: string) => `${database}-restore`,
  /** PersistentVolumeClaim of a Deployment's data volume; the Compose named volume of any data volume. */
  dataClaim: (workload: string) => `${workload}-data`,
  /** Volume name of a data volume inside the pod (and of a StatefulSet's claim template). */
  dataVolume: () => 'data',
  /** NetworkPolicy admitting a server's clients (pods carrying its access label). */
  allowClients: (server: string) => `${server}-allow-clients`,
  /** NetworkPolicy letting a server's clients connect to it. */
  clientEgress: (server: string) => `${server}-client-egress`,
  /** NetworkPolicy admitting a router's controller namespace to a routed Service. */
  allowRouter: (service: string, router: string) => label(`${service}-allow-ingress-${router}`),
  /** NetworkPolicy of one outbound peer of a workload ('internet', a CIDR...). */
  egressTo: (workload: string, peer: string) => label(`${workload}-egress-${peer}`),
  /** NetworkPolicy of one inbound peer of a workload outside the tree. */
  ingressFrom: (workload: string, peer: string) => label(`${workload}-ingress-${peer}`),
  /** The Ingress of a router's routes that strip their prefix (rewrite-target applies to a whole Ingress). */
  rewriteIngress: (router: string) => `${router}-strip`,
  /** TLS Secret of a router's host. */
  tlsSecret: (router: string) => `${router}-tls`,
  /** Compose service running a workload's preStart command once. */
  preStartService: (workload: string) => `${workload}-migrate`,
  /** Init container running a workload's preStart command. */
  preStartContainer: () => 'pre-start',
  /** The label a client's pods carry to be let through a server's NetworkPolicies. */
  accessLabel: (server: string) => `access.kstack.dev/${server}`,
  /** An emptyDir volume from its mount path: '/app/.next/cache' -> 'app-next-cache'. */
  scratchVolume: (path: string) => {
    const slug = path
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase();
    return slug === '' ? 'scratch' : label(slug);
  },
  /** HTTPRoute of a Gateway API router that redirects plain HTTP to HTTPS (when its created Gateway has TLS). */
  httpsRedirectRoute: (router: string) => `${router}-https-redirect`,
} as const;
