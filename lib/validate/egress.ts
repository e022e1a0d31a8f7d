// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ipVersion } from '../internal/checks/ip';
import { asArray, asRecord, GateContext, isObject, PodTemplate, show } from './context';

/** An external http(s) endpoint named in an env value: host and port. */
interface Endpoint {
  readonly variable: string;
  readonly host: string;
  readonly port: number;
}

const URL_IN_VALUE = /\bhttps?:\/\/[^\s"'<>]+/gi;

/** A host inside the cluster or this machine: a bare Service name, *.svc(.cluster.local), localhost, a private IP. */
function isInternal(host: string): boolean {
  if (!host.includes('.') || host === 'localhost' || /\.svc(\.cluster\.local)?$/.test(host) || host.endsWith('.local')) return true;
  if (ipVersion(host) === 4) return /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host);
  return false;
}

function endpointsOf(variable: string, value: unknown): Endpoint[] {
  if (typeof value !== 'string') return [];
  const out: Endpoint[] = [];
  for (const m of value.matchAll(URL_IN_VALUE)) {
    let url: URL;
    try {
      url = new URL(m[0]);
    } catch {
      continue;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isInternal(host)) continue;
    out.push({ variable, host, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 });
  }
  return out;
}

/** The external endpoints a pod's containers read from literal env values and referenced ConfigMaps. */
function podEndpoints(ctx: GateContext, pod: PodTemplate): Endpoint[] {
  const out: Endpoint[] = [];
  const configMap = (name: unknown) => (typeof name === 'string' ? ctx.find('ConfigMap', pod.owner.namespace, name) : undefined);
  for (const { c } of pod.containers) {
    for (const e of asArray(c.env)) {
      if (typeof e?.value === 'string') out.push(...endpointsOf(e.name, e.value));
      const ref = e?.valueFrom?.configMapKeyRef;
      if (isObject(ref)) out.push(...endpointsOf(e.name, asRecord(configMap(ref.name)?.raw.data)[ref.key]));
    }
    for (const ef of asArray(c.envFrom)) {
      const data = asRecord(configMap(ef?.configMapRef?.name)?.raw.data);
      for (const [k, v] of Object.entries(data)) out.push(...endpointsOf(`${ef?.prefix ?? ''}${k}`, v));
    }
  }
  return out;
}

/** Whether an egress rule lets traffic out to outside addresses on this TCP port. */
function ruleAllows(rule: any, port: number): boolean {
  const ports = asArray(rule?.ports);
  const portOk =
    ports.length === 0 ||
    ports.some(
      (p) =>
        (p?.protocol ?? 'TCP') === 'TCP' &&
        (p?.port === undefined || p.port === port || (typeof p.endPort === 'number' && p.port <= port && port <= p.endPort)),
    );
  const to = asArray(rule?.to);
  return portOk && (to.length === 0 || to.some((peer) => isObject(peer?.ipBlock)));
}

/**
 * policy/egress-host: a workload whose environment names an external http(s) host, while the
 * NetworkPolicies that restrict its egress let nothing out to outside addresses on that port,
 * cannot reach it (k3s enforces NetworkPolicies; some CNIs do not). A warning: the variable may
 * be unused, and NetworkPolicy cannot tell hosts apart anyway.
 */
export function checkEgressHosts(ctx: GateContext): void {
  const egressPolicies = ctx.objects.filter((np) => np.kind === 'NetworkPolicy' && asArray(np.raw.spec?.policyTypes).includes('Egress'));
  if (egressPolicies.length === 0) return;
  for (const pod of ctx.pods) {
    const endpoints = podEndpoints(ctx, pod);
    if (endpoints.length === 0) continue;
    const selecting = egressPolicies.filter(
      (np) => np.namespace === pod.owner.namespace && ctx.podsSelectedBy(np.namespace, np.raw.spec?.podSelector ?? {}).includes(pod),
    );
    if (selecting.length === 0) continue; // egress not restricted
    const seen = new Set<string>();
    for (const ep of endpoints) {
      if (seen.has(`${ep.host}:${ep.port}`)) continue;
      seen.add(`${ep.host}:${ep.port}`);
      if (selecting.some((np) => asArray(np.raw.spec?.egress).some((rule) => ruleAllows(rule, ep.port)))) continue;
      ctx.report(
        'policy/egress-host',
        pod.owner,
        `env ${show(ep.variable)} names ${ep.host}:${ep.port}, but the NetworkPolicies selecting the pods let nothing out to outside addresses on port ${ep.port}`,
        `allow it, e.g. connections.allowTo(Peer.internet(), { ports: [${ep.port}], hosts: ['${ep.host}'] }) (NetworkPolicy matches addresses, not names)`,
      );
    }
  }
}
