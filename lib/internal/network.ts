import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';

const { k8s } = kplus;

/** Admits pods carrying `fromLabel: "true"` (same namespace) to `port` of the selected pods. */
export function allowIngressFromLabel(scope: Construct, id: string, opts: {
  name: string; podSelector: Record<string, string>; fromLabel: string; port: number;
}): void {
  new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { name: opts.name },
    spec: {
      podSelector: { matchLabels: opts.podSelector },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ podSelector: { matchLabels: { [opts.fromLabel]: 'true' } } }],
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(opts.port) }],
      }],
    },
  });
}

/** Admits pods of another namespace (e.g. the ingress controller's) to `port` of the selected pods. */
export function allowIngressFromNamespace(scope: Construct, id: string, opts: {
  name: string; podSelector: Record<string, string>; namespace: string; port: number;
}): void {
  new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { name: opts.name },
    spec: {
      podSelector: { matchLabels: opts.podSelector },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': opts.namespace } } }],
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(opts.port) }],
      }],
    },
  });
}

/**
 * Lets the selected pods open connections to `port`: on pods matching `toPods` in the
 * same namespace, or anywhere when `toPods` is undefined (a managed database outside the cluster).
 */
export function allowEgress(scope: Construct, id: string, opts: {
  name: string; podSelector: Record<string, string>; toPods?: Record<string, string>; toNamespace?: string; port: number;
}): void {
  const peer: kplus.k8s.NetworkPolicyPeer | undefined = opts.toPods ? {
    podSelector: { matchLabels: opts.toPods },
    namespaceSelector: opts.toNamespace ? { matchLabels: { 'kubernetes.io/metadata.name': opts.toNamespace } } : undefined,
  } : undefined;
  new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { name: opts.name },
    spec: {
      podSelector: { matchLabels: opts.podSelector },
      policyTypes: ['Egress'],
      egress: [{
        to: peer ? [peer] : undefined,
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(opts.port) }],
      }],
    },
  });
}

/**
 * The two policies that let a server's clients reach it under a default-deny namespace:
 * the server admits pods carrying `accessLabel`, and those pods may connect to the server.
 * `serverSelector` is undefined for a server outside the cluster (egress to any address on `port`).
 */
export function allowClients(scope: Construct, opts: {
  server: string; serverSelector?: Record<string, string>; accessLabel: string; port: number;
}): void {
  if (opts.serverSelector) {
    allowIngressFromLabel(scope, 'AllowClients', {
      name: `${opts.server}-allow-clients`,
      podSelector: opts.serverSelector,
      fromLabel: opts.accessLabel,
      port: opts.port,
    });
  }
  allowEgress(scope, 'ClientEgress', {
    name: `${opts.server}-client-egress`,
    podSelector: { [opts.accessLabel]: 'true' },
    toPods: opts.serverSelector,
    port: opts.port,
  });
}
