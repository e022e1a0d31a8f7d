import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DESCRIBE, Described } from './description';
import { namespaceMatchProblem } from './internal/checks/namespace';
import { requireValid } from './internal/checks/require';
import { propError } from './internal/errors';
import { checkName, claimName } from './internal/validation';

const { k8s } = kplus;

export interface AppNamespaceProps {
  /** Namespace name; the chart's namespace when the chart has one. @default - the chart's namespace */
  readonly name?: string;
  /** Pod Security Standards level enforced on the namespace. @default 'restricted' */
  readonly podSecurity?: 'restricted' | 'baseline';
  /** Namespace of the cluster DNS, which every pod may query. @default 'kube-system' */
  readonly dnsNamespace?: string;
}

/** A namespace as every target reads it. */
export interface NamespaceDescription {
  readonly name: string;
  /** Pod Security Standards level enforced. */
  readonly podSecurity: 'restricted' | 'baseline';
  /** Namespace of the cluster DNS. */
  readonly dnsNamespace: string;
}

/** The Kubernetes objects of an AppNamespace, for escape hatches. */
export interface AppNamespaceObjects {
  readonly namespace: ApiObject;
  /** Denies all ingress and egress of every pod not admitted by another policy. */
  readonly defaultDeny: ApiObject;
  /** Lets every pod query the cluster DNS. */
  readonly allowDns: ApiObject;
}

/** A Namespace with Pod Security "restricted" enforced, default-deny NetworkPolicies and DNS egress. */
export class AppNamespace extends Construct {
  readonly name: string;
  /** The Kubernetes objects, for escape hatches. */
  readonly objects: AppNamespaceObjects;
  private readonly description: NamespaceDescription;

  constructor(scope: Construct, id: string, props: AppNamespaceProps = {}) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object (or left out)', props);
    const chartNamespace = Chart.of(this).namespace;
    const name = props.name ?? chartNamespace;
    const podSecurity = props.podSecurity ?? 'restricted';
    const dnsNamespace = props.dnsNamespace ?? 'kube-system';
    if (name === undefined) throw propError(path, 'name', "must be set when the chart has no namespace, e.g. 'shop'", name);
    checkName(path, 'name', name);
    requireValid(path, 'name', name, namespaceMatchProblem(name, chartNamespace));
    checkName(path, 'dnsNamespace', dnsNamespace);
    if (podSecurity !== 'restricted' && podSecurity !== 'baseline')
      throw propError(path, 'podSecurity', "must be 'restricted' or 'baseline'", podSecurity);
    claimName(this, 'namespace', undefined, name);
    this.name = name;
    this.description = { name, podSecurity, dnsNamespace };

    const namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': podSecurity,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    // A Namespace is cluster-scoped; the chart's default namespace must not be stamped on it.
    ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    const defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: name },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const allowDns = new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns', namespace: name },
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
    this.objects = { namespace, defaultDeny, allowDns };
  }

  /** The namespace as every target reads it. */
  get namespace(): NamespaceDescription {
    return { ...this.description };
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { namespace: this.namespace };
  }
}
