import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { DESCRIBE, Described } from './description';
import { escapeRegexPath } from './internal/checks/ingress';
import { claimRoute } from './internal/checks/routes';
import { propError } from './internal/errors';
import { namespaceOf } from './internal/labels';
import { names } from './internal/names';
import { ingress as ingressObject } from './internal/plain-object';
import { checkName, checkOptionalObject, claimName } from './internal/validation';
import {
  checkRouterHost,
  checkRouterLimits,
  describeRouter,
  IRoutable,
  resolveRoute,
  RouteDescription,
  RouteProps,
  RouterDescription,
  RouterTlsDescription,
} from './routes';
import { admitRouterDataPlane } from './internal/router-admission';
import { declareExternal } from './validate/constructs';

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
  readonly routes: readonly RouteProps[];
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

/** The Kubernetes objects of an NginxIngress, for escape hatches (Kubernetes only: see docs/escape-hatches.md). */
export interface NginxIngressObjects {
  /** The Ingress of the routes that keep their prefix (absent when every route strips it). */
  readonly ingress?: ApiObject;
  /** The Ingress of the routes that strip their prefix (rewrite-target applies to a whole Ingress). */
  readonly rewriteIngress?: ApiObject;
  /** The NetworkPolicy admitting the controller to each routed Service, by Service name. */
  readonly admissions: ReadonlyMap<string, ApiObject>;
}

/** Props of the router after defaults. */
interface Settings {
  readonly ingressClassName: string;
  readonly controllerNamespace: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Ingress objects for ingress-nginx, with prefix stripping, TLS and the NetworkPolicies routing
 * implies. Note: the Kubernetes project retired ingress-nginx (maintenance ended March 2026);
 * GatewayRoutes renders the same routes as Gateway API HTTPRoutes (see docs/routing.md).
 */
export class NginxIngress extends Construct {
  readonly name: string;
  readonly host?: string;
  readonly tlsSecretName?: string;
  readonly maxBodySize: string;
  readonly proxyTimeoutSeconds: number;
  private readonly routeList: RouteDescription[] = [];
  private readonly settings: Settings;
  private readonly tls?: RouterTlsDescription;
  private readonly ingresses: { plain?: ApiObject; strip?: ApiObject } = {};
  private readonly admissions = new Map<string, ApiObject>();

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
    if (props.host !== undefined) checkRouterHost(path, 'host', props.host);
    checkRouterLimits(path, maxBodySize, proxyTimeoutSeconds);
    checkName(path, 'ingressClassName', ingressClassName, 253);
    checkName(path, 'controllerNamespace', controllerNamespace);
    if (!Array.isArray(props.routes) || props.routes.length === 0) {
      throw propError(path, 'routes', "must list at least one route such as { path: '/', backend: frontend }", props.routes);
    }
    this.name = name;
    this.host = props.host;
    this.maxBodySize = maxBodySize;
    this.proxyTimeoutSeconds = proxyTimeoutSeconds;
    if (props.tls) {
      const secretName = props.tls.secretName ?? names.tlsSecret(name);
      checkName(path, 'tls.secretName', secretName, 253);
      if (props.tls.clusterIssuer !== undefined) checkName(path, 'tls.clusterIssuer', props.tls.clusterIssuer, 253);
      this.tls = { secretName, clusterIssuer: props.tls.clusterIssuer };
      this.tlsSecretName = secretName;
      // The certificate Secret comes from cert-manager or from you, never from kstack.
      declareExternal(this, secretName);
    }
    claimName(this, 'ingress', namespaceOf(this), name);
    this.settings = { ingressClassName, controllerNamespace, annotations: this.annotations() };
    // All Ingresses first, then the admissions: objects in a stable order (Ingress, RewriteIngress, policies).
    const resolved = props.routes.map((route, i) => this.resolve(`routes[${i}]`, route));
    for (const strip of [false, true]) if (resolved.some((r) => r.stripPrefix === strip)) this.ensureIngress(strip);
    props.routes.forEach((route, i) => this.admit(route.backend, resolved[i]));
  }

  /** The routes, after defaults, in the order given. */
  get routes(): readonly RouteDescription[] {
    return [...this.routeList];
  }

  /** The Kubernetes objects, for escape hatches. */
  get objects(): NginxIngressObjects {
    return { ingress: this.ingresses.plain, rewriteIngress: this.ingresses.strip, admissions: new Map(this.admissions) };
  }

  /** The router as every target reads it. */
  get router(): RouterDescription {
    return describeRouter(this, 'nginx-ingress', this.tls);
  }

  /** Routes one more path (every target sees it: the Ingress, Compose's nginx.conf). */
  addRoute(route: RouteProps): void {
    const resolved = this.resolve('addRoute', route);
    this.ensureIngress(resolved.stripPrefix);
    this.admit(route.backend, resolved);
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { router: this.router };
  }

  private resolve(prop: string, route: RouteProps): RouteDescription {
    const resolved = resolveRoute(this, prop, route, this.host, namespaceOf(this));
    // One host and path per ingress class in the whole app: ingress-nginx refuses a second Ingress for it.
    claimRoute(this, `${prop}.path`, this.settings.ingressClassName, this.host, resolved.path);
    this.routeList.push(resolved);
    return resolved;
  }

  private annotations(): Record<string, string> {
    const annotations: Record<string, string> = {
      'nginx.ingress.kubernetes.io/proxy-body-size': this.maxBodySize,
      'nginx.ingress.kubernetes.io/proxy-read-timeout': String(this.proxyTimeoutSeconds),
      'nginx.ingress.kubernetes.io/proxy-send-timeout': String(this.proxyTimeoutSeconds),
    };
    if (this.tls?.clusterIssuer) annotations['cert-manager.io/cluster-issuer'] = this.tls.clusterIssuer;
    if (this.tls) annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'true';
    return annotations;
  }

  /**
   * One Ingress for the routes that keep their prefix and one (regex, rewrite-target) for those
   * that strip it. ingress-nginx reads every path of a host as a regex once one Ingress of the host
   * uses regexes, so when any route strips its prefix the kept prefixes are written as
   * `<path>(/|$)(.*)` too: each keeps its segment boundary ('/docs' never matches '/docsx') and
   * the longest prefix wins, as in the route model (test/routing-table.test.ts).
   */
  private ensureIngress(strip: boolean): void {
    if (strip ? this.ingresses.strip : this.ingresses.plain) return;
    const anyStrip = () => this.routeList.some((r) => r.stripPrefix);
    const extra: Record<string, string> = strip
      ? { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }
      : // Read at synthesis: a stripping route may come with addRoute later.
        { 'nginx.ingress.kubernetes.io/use-regex': Lazy.any({ produce: () => (anyStrip() ? 'true' : undefined) }) as unknown as string };
    const regex = (r: RouteDescription) => strip || (anyStrip() && r.path !== '/');
    const spec = (): NonNullable<IIngress['spec']> => ({
      ingressClassName: this.settings.ingressClassName,
      tls: this.tls ? [{ hosts: this.host ? [this.host] : undefined, secretName: this.tls.secretName }] : undefined,
      rules: [
        {
          host: this.host,
          http: {
            paths: this.routeList
              .filter((r) => r.stripPrefix === strip)
              .map((r) => ({
                path: regex(r) ? `${escapeRegexPath(r.path)}(/|$)(.*)` : r.path,
                pathType: regex(r) ? ('ImplementationSpecific' as const) : ('Prefix' as const),
                backend: { service: { name: r.backend.serviceName, port: { number: r.backend.port } } },
              })),
          },
        },
      ],
    });
    const object = ingressObject(this, strip ? 'RewriteIngress' : 'Ingress', {
      metadata: { name: strip ? names.rewriteIngress(this.name) : this.name, annotations: { ...this.settings.annotations, ...extra } },
      // Read at synthesis, so routes added with addRoute are in it.
      spec: Lazy.any({ produce: spec }) as unknown as NonNullable<IIngress['spec']>,
    });
    if (strip) this.ingresses.strip = object;
    else this.ingresses.plain = object;
  }

  /** The controller's namespace may reach each routed Service (once per Service); the Service's connections record it. */
  private admit(backend: IRoutable, route: RouteDescription): void {
    const admission = {
      router: this,
      routerName: this.name,
      host: this.host,
      dataPlaneNamespace: this.settings.controllerNamespace,
      admissions: this.admissions,
    };
    admitRouterDataPlane(admission, backend, route);
  }
}
