import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { DESCRIBE, Described } from './description';
import { propError } from './internal/errors';
import { namespaceOf } from './internal/labels';
import { names } from './internal/names';
import { admitRouterDataPlane } from './internal/router-admission';
import { checkName, checkOptionalObject, checkPort, claimName } from './internal/validation';
import {
  checkRouterHost,
  checkRouterLimits,
  describeRouter,
  resolveRoute,
  routesByPrecedence,
  RouteDescription,
  RouteProps,
  RouterDescription,
  RouterTlsDescription,
} from './routes';
import { declareExternal } from './validate/constructs';

/** The Gateway API group and version kstack writes. */
const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
/** The Gateway API allows at most 16 rules in one HTTPRoute (HTTPRouteSpec.rules, MaxItems=16); kstack writes one rule per route. */
export const MAX_GATEWAY_ROUTES = 16;

/** An existing Gateway the routes attach to (created by the platform, e.g. k3s's Traefik or a shared one). */
export interface GatewayReference {
  /** Name of the Gateway. */
  readonly name: string;
  /** Its namespace. @default - the router's namespace */
  readonly namespace?: string;
  /** Listener of the Gateway to attach to. @default - every listener that admits the route */
  readonly sectionName?: string;
}

/** TLS on the listener of a Gateway the router creates. */
export interface GatewayTlsProps {
  /** Secret holding the certificate; cert-manager creates it when `clusterIssuer` is set. @default '<name>-tls' */
  readonly secretName?: string;
  /** cert-manager ClusterIssuer that issues it (cert-manager's Gateway support must be on). @default - none: the Secret is managed by you */
  readonly clusterIssuer?: string;
  /** Port of the HTTPS listener (Traefik: its websecure entrypoint's port, 8443). @default 443 */
  readonly port?: number;
}

/** A Gateway the router creates in its own namespace. */
export interface CreateGatewayProps {
  /** GatewayClass of the implementation: 'traefik' (k3s), 'nginx' (NGINX Gateway Fabric), 'eg' (Envoy Gateway), 'cilium', 'istio'. */
  readonly gatewayClassName: string;
  /** Port of the HTTP listener (Traefik: its web entrypoint's port, 8000). @default 80 */
  readonly port?: number;
  /** An HTTPS listener with this certificate; plain HTTP is then redirected to it. @default - HTTP only */
  readonly tls?: GatewayTlsProps;
}

export interface GatewayRoutesProps {
  /** Object name of the HTTPRoute (and of the Gateway it creates). @default - the construct id */
  readonly name?: string;
  /** Host name served. @default - every host the Gateway listens for */
  readonly host?: string;
  /** Paths and the Services they go to (at most 16); a host and path may appear once. */
  readonly routes: readonly RouteProps[];
  /** An existing Gateway to attach to (declared external to the gate). Give this or `createGateway`. @default - none */
  readonly gateway?: GatewayReference;
  /** Create a Gateway for the routes. Give this or `gateway`. @default - none */
  readonly createGateway?: CreateGatewayProps;
  /**
   * Namespace of the pods that forward the requests (the Gateway's data plane), admitted to the
   * routed Services by NetworkPolicies: 'kube-system' for k3s's Traefik, 'envoy-gateway-system'
   * for Envoy Gateway. @default - the Gateway's namespace (NGINX Gateway Fabric, Istio)
   */
  readonly dataPlaneNamespace?: string;
  /** Largest request body Compose's nginx accepts (the Gateway API has no such field: set it on the implementation). @default '10m' */
  readonly maxBodySize?: string;
  /** Seconds Compose's nginx waits on the upstream (the Gateway API leaves timeouts to the implementation). @default 60 */
  readonly proxyTimeoutSeconds?: number;
}

/** The Kubernetes objects of a GatewayRoutes, for escape hatches (Kubernetes only: see docs/escape-hatches.md). */
export interface GatewayRoutesObjects {
  /** The HTTPRoute: one rule per route. */
  readonly httpRoute: ApiObject;
  /** With TLS on a created Gateway: the HTTPRoute that redirects plain HTTP to HTTPS. */
  readonly redirectRoute?: ApiObject;
  /** The Gateway, when the router creates one. */
  readonly gateway?: ApiObject;
  /** The NetworkPolicy admitting the data plane to each routed Service, by Service name. */
  readonly admissions: ReadonlyMap<string, ApiObject>;
}

/** Where the routes attach, after defaults. */
interface Parent {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

/**
 * Gateway API routes from the same route model as NginxIngress: one HTTPRoute (PathPrefix
 * matches; a stripped prefix is a URLRewrite filter with ReplacePrefixMatch '/'), attached to an
 * existing Gateway or to one it creates (listeners, TLS from a Secret or through cert-manager),
 * and the NetworkPolicies that admit the Gateway's data plane to the routed Services.
 */
export class GatewayRoutes extends Construct {
  readonly name: string;
  readonly host?: string;
  readonly maxBodySize: string;
  readonly proxyTimeoutSeconds: number;
  /** Namespace whose pods may reach the routed Services. */
  readonly dataPlaneNamespace: string;
  private readonly routeList: RouteDescription[] = [];
  private readonly parent: Parent;
  private readonly tls?: RouterTlsDescription;
  private readonly created: { gateway?: ApiObject; redirect?: ApiObject } = {};
  private readonly route: ApiObject;
  private readonly admissions = new Map<string, ApiObject>();

  constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id);
    const path = this.node.path;
    if (props === null || typeof props !== 'object') throw propError(path, 'props', 'must be an object with routes and a gateway', props);
    const name = props.name ?? id;
    this.maxBodySize = props.maxBodySize ?? '10m';
    this.proxyTimeoutSeconds = props.proxyTimeoutSeconds ?? 60;
    checkName(path, 'name', name, 55);
    if (props.host !== undefined) checkRouterHost(path, 'host', props.host);
    checkRouterLimits(path, this.maxBodySize, this.proxyTimeoutSeconds);
    if (!Array.isArray(props.routes) || props.routes.length === 0 || props.routes.length > MAX_GATEWAY_ROUTES) {
      throw propError(
        path,
        'routes',
        `must list 1 to ${MAX_GATEWAY_ROUTES} routes such as { path: '/', backend: frontend } (an HTTPRoute holds at most ${MAX_GATEWAY_ROUTES} rules: split larger sets over two GatewayRoutes)`,
        props.routes,
      );
    }
    this.name = name;
    this.host = props.host;
    claimName(this, 'httproute', namespaceOf(this), name);
    const { parent, tls } = this.resolveGateway(props);
    this.parent = parent;
    this.tls = tls;
    this.dataPlaneNamespace = props.dataPlaneNamespace ?? parent.namespace ?? namespaceOf(this) ?? 'default';
    checkName(path, 'dataPlaneNamespace', this.dataPlaneNamespace);
    if (props.createGateway) this.created.gateway = this.renderGateway(props.createGateway);
    this.route = this.renderRoute();
    if (tls) this.created.redirect = this.renderRedirect();
    props.routes.forEach((route, i) => this.add(`routes[${i}]`, route));
  }

  /** The routes, after defaults, in the order given. */
  get routes(): readonly RouteDescription[] {
    return [...this.routeList];
  }

  /** The Kubernetes objects, for escape hatches. */
  get objects(): GatewayRoutesObjects {
    return {
      httpRoute: this.route,
      redirectRoute: this.created.redirect,
      gateway: this.created.gateway,
      admissions: new Map(this.admissions),
    };
  }

  /** The router as every target reads it. */
  get router(): RouterDescription {
    return describeRouter(this, 'gateway-api', this.tls);
  }

  /** Routes one more path (every target sees it: the HTTPRoute, Compose's nginx.conf). */
  addRoute(route: RouteProps): void {
    if (this.routeList.length >= MAX_GATEWAY_ROUTES) {
      throw propError(
        this.node.path,
        'addRoute',
        `must keep the routes at ${MAX_GATEWAY_ROUTES} or fewer (an HTTPRoute holds at most ${MAX_GATEWAY_ROUTES} rules): add a second GatewayRoutes`,
        route?.path,
      );
    }
    this.add('addRoute', route);
  }

  /** What every target reads (see describeStack). */
  [DESCRIBE](): Described {
    return { router: this.router };
  }

  /** Validates and records one route, and admits the data plane to its Service. */
  private add(prop: string, route: RouteProps): void {
    const resolved = resolveRoute(this, prop, route, this.host, namespaceOf(this), 'gateway-route');
    this.routeList.push(resolved);
    admitRouterDataPlane(
      { router: this, routerName: this.name, host: this.host, dataPlaneNamespace: this.dataPlaneNamespace, admissions: this.admissions },
      route.backend,
      resolved,
    );
  }

  /** Exactly one of `gateway` and `createGateway`, checked; the parent the routes attach to and the TLS of a created Gateway. */
  private resolveGateway(props: GatewayRoutesProps): { parent: Parent; tls?: RouterTlsDescription } {
    const path = this.node.path;
    checkOptionalObject(path, 'gateway', props.gateway);
    checkOptionalObject(path, 'createGateway', props.createGateway);
    if ((props.gateway === undefined) === (props.createGateway === undefined)) {
      throw propError(
        path,
        'gateway',
        "must be given, or 'createGateway' instead (exactly one): { name: 'traefik-gateway', namespace: 'kube-system' } or { gatewayClassName: 'traefik' }",
        props.gateway,
      );
    }
    const ref = props.gateway;
    if (ref) {
      checkName(path, 'gateway.name', ref.name, 253);
      if (ref.namespace !== undefined) checkName(path, 'gateway.namespace', ref.namespace);
      if (ref.sectionName !== undefined) checkName(path, 'gateway.sectionName', ref.sectionName, 253);
      // The Gateway belongs to the platform: the gate must not look for it among kstack's objects.
      declareExternal(this, ref.name, 'Gateway', ref.namespace);
      return { parent: { name: ref.name, namespace: ref.namespace ?? namespaceOf(this), sectionName: ref.sectionName } };
    }
    const create = props.createGateway!;
    checkName(path, 'createGateway.gatewayClassName', create.gatewayClassName, 253);
    if (create.port !== undefined) checkPort(path, 'createGateway.port', create.port);
    const tls = create.tls;
    checkOptionalObject(path, 'createGateway.tls', tls);
    if (!tls) return { parent: { name: this.name, namespace: namespaceOf(this) } };
    const secretName = tls.secretName ?? names.tlsSecret(this.name);
    checkName(path, 'createGateway.tls.secretName', secretName, 253);
    if (tls.port !== undefined) checkPort(path, 'createGateway.tls.port', tls.port);
    if (tls.port !== undefined && tls.port === (create.port ?? 80))
      throw propError(
        path,
        'createGateway.tls.port',
        'must differ from createGateway.port (HTTP and HTTPS need a listener each)',
        tls.port,
      );
    if (tls.clusterIssuer !== undefined) {
      checkName(path, 'createGateway.tls.clusterIssuer', tls.clusterIssuer, 253);
      if (this.host === undefined)
        throw propError(
          path,
          'host',
          "must be set with createGateway.tls.clusterIssuer (cert-manager issues the certificate for the listener's host)",
          undefined,
        );
    }
    // The certificate Secret comes from cert-manager or from you, never from kstack.
    declareExternal(this, secretName);
    return {
      parent: { name: this.name, namespace: namespaceOf(this), sectionName: 'https' },
      tls: { secretName, clusterIssuer: tls.clusterIssuer },
    };
  }

  /** The Gateway: an HTTP listener, and an HTTPS one terminating TLS when asked; routes of this namespace only. */
  private renderGateway(create: CreateGatewayProps): ApiObject {
    const sameNamespace = { namespaces: { from: 'Same' as const } };
    const listeners: NonNullable<IGateway['spec']>['listeners'] = [
      { name: 'http', protocol: 'HTTP', port: create.port ?? 80, hostname: this.host, allowedRoutes: sameNamespace },
    ];
    if (this.tls) {
      listeners.push({
        name: 'https',
        protocol: 'HTTPS',
        port: create.tls?.port ?? 443,
        hostname: this.host,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: this.tls.secretName }] },
        allowedRoutes: sameNamespace,
      });
    }
    const spec: NonNullable<IGateway['spec']> = { gatewayClassName: create.gatewayClassName, listeners };
    const annotations = this.tls?.clusterIssuer ? { 'cert-manager.io/cluster-issuer': this.tls.clusterIssuer } : undefined;
    return new ApiObject(this, 'Gateway', {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'Gateway',
      metadata: { name: this.name, annotations },
      spec,
    });
  }

  /** The HTTPRoute: one rule per route, longest prefix first (the order implementations use anyway). */
  private renderRoute(): ApiObject {
    const spec = (): NonNullable<IHTTPRoute['spec']> => ({
      parentRefs: [this.parentRef(this.parent.sectionName)],
      hostnames: this.host ? [this.host] : undefined,
      rules: routesByPrecedence(this.routeList).map((r) => ({
        matches: [{ path: { type: 'PathPrefix' as const, value: r.path } }],
        // ReplacePrefixMatch '/' turns '/api' and '/api/' into '/' and '/api/x' into '/x' (Gateway API HTTPPathModifier).
        filters: r.stripPrefix
          ? [{ type: 'URLRewrite' as const, urlRewrite: { path: { type: 'ReplacePrefixMatch' as const, replacePrefixMatch: '/' } } }]
          : undefined,
        backendRefs: [{ name: r.backend.serviceName, port: r.backend.port }],
      })),
    });
    return new ApiObject(this, 'HTTPRoute', {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { name: this.name },
      // Read at synthesis, so routes added with addRoute are in it.
      spec: Lazy.any({ produce: spec }),
    });
  }

  /** With TLS: plain HTTP on the created Gateway answers 301 to the same URL over HTTPS. */
  private renderRedirect(): ApiObject {
    const name = names.httpsRedirectRoute(this.name);
    claimName(this, 'httproute', namespaceOf(this), name);
    const spec: NonNullable<IHTTPRoute['spec']> = {
      parentRefs: [this.parentRef('http')],
      hostnames: this.host ? [this.host] : undefined,
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    };
    return new ApiObject(this, 'RedirectRoute', {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { name },
      spec,
    });
  }

  private parentRef(sectionName: string | undefined) {
    const ns = this.parent.namespace !== namespaceOf(this) ? this.parent.namespace : undefined;
    return { name: this.parent.name, namespace: ns, sectionName };
  }
}
