import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { propError } from './internal/errors';
import { checkName, claimName } from './internal/validation';

const { k8s } = kplus;

export interface AppNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Pod Security Standards level enforced on the namespace. @default 'restricted' */
  readonly podSecurity?: 'restricted' | 'baseline';
  /** Namespace of the cluster DNS, which every pod may query. @default 'kube-system' */
  readonly dnsNamespace?: string;
}

/** A Namespace with Pod Security "restricted" enforced, default-deny NetworkPolicies and DNS egress. */
export class AppNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: AppNamespaceProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object with a name', props);
    const podSecurity = props.podSecurity ?? 'restricted';
    const dnsNamespace = props.dnsNamespace ?? 'kube-system';
    checkName(path, 'name', props.name);
    checkName(path, 'dnsNamespace', dnsNamespace);
    if (podSecurity !== 'restricted' && podSecurity !== 'baseline')
      throw propError(path, 'podSecurity', "must be 'restricted' or 'baseline'", podSecurity);
    claimName(this, 'namespace', undefined, props.name);
    this.name = props.name;

    const ns = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: props.name,
        labels: {
          'pod-security.kubernetes.io/enforce': podSecurity,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    // A Namespace is cluster-scoped; the chart's default namespace must not be stamped on it.
    ApiObject.of(ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: props.name },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns', namespace: props.name },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dnsNamespace } } }],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
  }
}
