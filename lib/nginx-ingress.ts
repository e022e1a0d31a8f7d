import { Construct } from 'constructs';
import { propError } from './internal/errors';
import { allowIngressFromNamespace } from './internal/network';
import { ingress as ingressObject } from './internal/plain-object';
import { namespaceOf } from './internal/labels';
import { checkBoolean, checkHost, checkHttpPath, checkInteger, checkName, checkOptionalObject, claimName } from './internal/validation';
import { declareExternal } from './validate/constructs';
import { IServiceEndpoint } from './workload';

/** One path routed to a Service. */
export interface IngressRoute {
  /** URL path prefix, e.g. '/' or '/api'. */
  readonly path: string;
  /** Service the path goes to (a FastApiBackend or NextFrontend). */
  readonly backend: IServiceEndpoint;
  /** Remove the path prefix before forwarding ('/api/items' reaches the backend as '/items'). @default false */
  readonly stripPrefix?: boolean;
}

/** TLS for the host. */
export interface IngressTlsProps {
  /** Secret holding the certificate; cert-manager creates it when `clusterIssuer` is set. @default '<name>-tls' */
  readonly secretName?: string;
  /** cert-manager ClusterIssuer that issues the certificate. @default - none: the Secret is managed by you */
  readonly clusterIssuer?: string;
}

export interface NginxIngressProps {
  /** Object name prefix of the Ingresses. @default - the construct id */
  readonly name?: string;
  /** Host name served. @default - every host (no host rule) */
  readonly host?: string;
  /** Paths and the Services they go to; a host and path may appear once. */
  readonly routes: readonly IngressRoute[];
  /** TLS settings. @default - plain HTTP */
  readonly tls?: IngressTlsProps;
  /** Largest request body accepted (nginx `client_max_body_size`). @default '10m' */
  readonly maxBodySize?: string;
  /** Seconds nginx waits on the upstream to read or send. @default 60 */
  readonly proxyTimeoutSeconds?: number;
  /** IngressClass. @default 'nginx' */
  readonly ingressClassName?: string;
  /** Namespace of the ingress-nginx controller, admitted by the routed Services' NetworkPolicies. @default 'ingress-nginx' */
  readonly controllerNamespace?: string;
}

/** A route after defaults, as renderers (Kubernetes, Compose nginx.conf) read it. */
export interface ResolvedRoute {
  readonly path: string;
  readonly backend: IServiceEndpoint;
  readonly stripPrefix: boolean;
}

/** Ingress objects for ingress-nginx, with prefix stripping, TLS and the NetworkPolicies routing implies. */
export class NginxIngress extends Construct {
  readonly name: string;
  readonly host?: string;
  readonly routes: readonly ResolvedRoute[];
  readonly tlsSecretName?: string;
  readonly maxBodySize: string;
  readonly proxyTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: NginxIngressProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object with routes', props);
    checkOptionalObject(path, 'tls', props.tls);
    const name = props.name ?? id;
    const maxBodySize = props.maxBodySize ?? '10m';
    const proxyTimeoutSeconds = props.proxyTimeoutSeconds ?? 60;
    const ingressClassName = props.ingressClassName ?? 'nginx';
    const controllerNamespace = props.controllerNamespace ?? 'ingress-nginx';

    checkName(path, 'name', name, 55);
    if (props.host !== undefined) checkHost(path, 'host', props.host);
    if (typeof maxBodySize !== 'string' || !/^\d+[kmg]?$/.test(maxBodySize))
      throw propError(path, 'maxBodySize', "must be an nginx size such as '10m', '512k' or '1g'", maxBodySize);
    checkInteger(path, 'proxyTimeoutSeconds', proxyTimeoutSeconds, 1, 3600);
    checkName(path, 'ingressClassName', ingressClassName, 253);
    checkName(path, 'controllerNamespace', controllerNamespace);
    if (!Array.isArray(props.routes) || props.routes.length === 0) {
      throw propError(path, 'routes', "must list at least one route such as { path: '/', backend: frontend }", props.routes);
    }
    const namespace = namespaceOf(this);
    const seen = new Set<string>();
    this.routes = props.routes.map((route, i) => {
      if (route === null || typeof route !== 'object')
        throw propError(path, `routes[${i}]`, "must be an object such as { path: '/', backend: frontend }", route);
      checkHttpPath(path, `routes[${i}].path`, route.path);
      if (route.path.length > 1 && route.path.endsWith('/'))
        throw propError(path, `routes[${i}].path`, "must not end with '/' (write '/api', which also matches '/api/...')", route.path);
      if (!route.backend || typeof route.backend.serviceName !== 'string')
        throw propError(path, `routes[${i}].backend`, 'must be a FastApiBackend, NextFrontend or another IServiceEndpoint', route.backend);
      if (route.backend.namespace !== namespace) {
        throw propError(
          path,
          `routes[${i}].backend`,
          `must be in the ingress's namespace (${namespace ?? 'default'}): an Ingress routes only to Services of its own namespace`,
          `${route.backend.serviceName} in ${route.backend.namespace ?? 'default'}`,
        );
      }
      checkBoolean(path, `routes[${i}].stripPrefix`, route.stripPrefix);
      const key = `${props.host ?? '*'}${route.path}`;
      if (seen.has(key)) throw propError(path, `routes[${i}].path`, `must be unique per host: ${key} is routed twice`, route.path);
      seen.add(key);
      const stripPrefix = route.stripPrefix ?? false;
      if (stripPrefix && route.path === '/')
        throw propError(path, `routes[${i}].stripPrefix`, "must be false for the path '/' (there is no prefix to strip)", true);
      return { path: route.path, backend: route.backend, stripPrefix };
    });
    this.name = name;
    this.host = props.host;
    this.maxBodySize = maxBodySize;
    this.proxyTimeoutSeconds = proxyTimeoutSeconds;
    if (props.tls) {
      this.tlsSecretName = props.tls.secretName ?? `${name}-tls`;
      checkName(path, 'tls.secretName', this.tlsSecretName, 253);
      if (props.tls.clusterIssuer !== undefined) checkName(path, 'tls.clusterIssuer', props.tls.clusterIssuer, 253);
      // The certificate Secret comes from cert-manager or from you, never from kstack.
      declareExternal(this, this.tlsSecretName);
    }
    claimName(this, 'ingress', namespace, name);

    const annotations: Record<string, string> = {
      'nginx.ingress.kubernetes.io/proxy-body-size': maxBodySize,
      'nginx.ingress.kubernetes.io/proxy-read-timeout': String(proxyTimeoutSeconds),
      'nginx.ingress.kubernetes.io/proxy-send-timeout': String(proxyTimeoutSeconds),
    };
    if (props.tls?.clusterIssuer) annotations['cert-manager.io/cluster-issuer'] = props.tls.clusterIssuer;
    if (props.tls) annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'true';

    // rewrite-target applies to a whole Ingress, so stripped and plain routes get one Ingress each.
    const plain = this.routes.filter((r) => !r.stripPrefix);
    const stripped = this.routes.filter((r) => r.stripPrefix);
    const tls = this.tlsSecretName ? [{ hosts: props.host ? [props.host] : undefined, secretName: this.tlsSecretName }] : undefined;
    const ingress = (
      ingressId: string,
      objectName: string,
      routes: readonly ResolvedRoute[],
      extra: Record<string, string>,
      toPath: (p: string) => string,
      pathType: 'Prefix' | 'ImplementationSpecific',
    ) => {
      ingressObject(this, ingressId, {
        metadata: { name: objectName, annotations: { ...annotations, ...extra } },
        spec: {
          ingressClassName,
          tls,
          rules: [
            {
              host: props.host,
              http: {
                paths: routes.map((r) => ({
                  path: toPath(r.path),
                  pathType,
                  backend: { service: { name: r.backend.serviceName, port: { number: r.backend.port } } },
                })),
              },
            },
          ],
        },
      });
    };
    if (plain.length > 0) ingress('Ingress', name, plain, {}, (p) => p, 'Prefix');
    if (stripped.length > 0) {
      ingress(
        'RewriteIngress',
        `${name}-strip`,
        stripped,
        {
          'nginx.ingress.kubernetes.io/use-regex': 'true',
          'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
        },
        (p) => `${p}(/|$)(.*)`,
        'ImplementationSpecific',
      );
    }

    const admitted = new Set<string>();
    for (const route of this.routes) {
      const service = route.backend.serviceName;
      if (admitted.has(service)) continue;
      admitted.add(service);
      allowIngressFromNamespace(this, `AllowController-${service}`, {
        name: `${service}-allow-ingress-${name}`.slice(0, 63).replace(/-+$/, ''),
        podSelector: { ...route.backend.podSelector },
        namespace: controllerNamespace,
        port: route.backend.port,
      });
    }
  }
}
