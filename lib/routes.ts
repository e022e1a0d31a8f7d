/**
 * The one route model every router renders from: NginxIngress (Ingress objects for
 * ingress-nginx), the Gateway API routes (HTTPRoute) and Compose's nginx.conf all take the same
 * routes, validated here once, and route the same request paths to the same upstreams.
 */
import { IConstruct } from 'constructs';
import { IConnectable } from './connections';
import { propError } from './internal/errors';
import { ingressHostProblem, routePathProblem } from './internal/checks/ingress';
import { requireValid } from './internal/checks/require';
import { checkBoolean, claimName } from './internal/validation';
import { IServiceEndpoint } from './workload';

/** A Service a router can send requests to: a kstack app service. */
export interface IRoutable extends IServiceEndpoint, IConnectable {}

/** One path routed to a Service. */
export interface RouteProps {
  /** URL path prefix, e.g. '/' or '/api'; it matches itself and everything below it ('/api/...'), never '/apix'. */
  readonly path: string;
  /** Service the path goes to (a FastApiBackend or NextFrontend). */
  readonly backend: IRoutable;
  /** Remove the path prefix before forwarding ('/api/items' reaches the backend as '/items'). @default false */
  readonly stripPrefix?: boolean;
}

/** @deprecated use RouteProps (the same shape). */
export type IngressRoute = RouteProps;

/** A routed Service as the route description names it. */
export interface RouteBackend {
  /** Service name (the host name inside the namespace). */
  readonly serviceName: string;
  readonly namespace?: string;
  /** Service port. */
  readonly port: number;
  /** Construct path of the workload behind it. */
  readonly path: string;
}

/** One route after defaults, as every router renders it. */
export interface RouteDescription {
  /** Path prefix: '/' or segments of unreserved URL characters, without a trailing '/'. */
  readonly path: string;
  /** Whether the prefix is removed before the request reaches the backend. */
  readonly stripPrefix: boolean;
  readonly backend: RouteBackend;
}

/** TLS of a router's host. */
export interface RouterTlsDescription {
  /** Secret holding the certificate (issued by cert-manager when clusterIssuer is set). */
  readonly secretName: string;
  /** cert-manager ClusterIssuer that issues it. */
  readonly clusterIssuer?: string;
}

/** A router as every target reads it. */
export interface RouterDescription {
  /** Object name (prefix) of the router's objects. */
  readonly name: string;
  readonly namespace?: string;
  /** How Kubernetes gets it: Ingress objects for ingress-nginx, or Gateway API routes. */
  readonly kind: 'nginx-ingress' | 'gateway-api';
  /** Host name served; undefined means every host. */
  readonly host?: string;
  readonly tls?: RouterTlsDescription;
  /** Largest request body accepted, nginx syntax ('10m'). */
  readonly maxBodySize: string;
  /** Seconds the proxy waits on the upstream to read or send. */
  readonly proxyTimeoutSeconds: number;
  /** The routes, in the order given. */
  readonly routes: readonly RouteDescription[];
}

/**
 * A route path as every router can match it the same way: '/' or '/seg/seg' of unreserved
 * characters, no empty, '.' or '..' segment, no trailing '/'. The API server refuses '//', '/./',
 * '/../' and '%2F' in Prefix paths (k8s.io/kubernetes pkg/apis/networking/validation,
 * invalidPathSequences); regex characters would match differently in ingress-nginx's regex
 * locations and in the Gateway API's literal prefixes.
 */
export function checkRoutePath(path: string, prop: string, value: string): void {
  requireValid(path, prop, value, routePathProblem(value));
  if (value.length > 1024) throw propError(path, prop, 'must be at most 1024 characters', value);
  // '/api' already matches '/api/...'; a trailing '/' would stop it matching '/api' itself in some routers.
  if (value.length > 1 && value.endsWith('/'))
    throw propError(path, prop, "must not end with '/' (write '/api', which also matches '/api/...')", value);
}

/** A router's host: a DNS name, not an IP address (the API server refuses IPs as Ingress and HTTPRoute hosts). */
export function checkRouterHost(path: string, prop: string, value: string): void {
  requireValid(path, prop, value, ingressHostProblem(value));
}

/**
 * Validates one route and records its host+path for the namespace, so that two routers (or one
 * router twice) can never claim the same request path. Returns its description.
 */
export function resolveRoute(
  scope: IConstruct,
  prop: string,
  route: RouteProps,
  host: string | undefined,
  namespace: string | undefined,
): RouteDescription {
  const path = scope.node.path;
  if (route === null || typeof route !== 'object')
    throw propError(path, prop, "must be an object such as { path: '/', backend: frontend }", route);
  checkRoutePath(path, `${prop}.path`, route.path);
  const backend = route.backend as Partial<IRoutable> | undefined;
  if (!backend || typeof backend.serviceName !== 'string' || typeof backend.port !== 'number' || typeof backend.connections !== 'object') {
    throw propError(path, `${prop}.backend`, 'must be a FastApiBackend, NextFrontend or another routable kstack service', route.backend);
  }
  if (backend.namespace !== namespace) {
    throw propError(
      path,
      `${prop}.backend`,
      `must be in the router's namespace (${namespace ?? 'default'}): a router sends requests only to Services of its own namespace`,
      `${backend.serviceName} in ${backend.namespace ?? 'default'}`,
    );
  }
  checkBoolean(path, `${prop}.stripPrefix`, route.stripPrefix);
  const stripPrefix = route.stripPrefix ?? false;
  if (stripPrefix && route.path === '/')
    throw propError(path, `${prop}.stripPrefix`, "must be false for the path '/' (there is no prefix to strip)", true);
  const key = `${host ?? '*'}${route.path}`;
  claimName(scope, 'route', namespace, key, `${prop}.path`, () => `already routes ${key} (a host and path may be routed once)`, route.path);
  return {
    path: route.path,
    stripPrefix,
    backend: { serviceName: backend.serviceName, namespace: backend.namespace, port: backend.port, path: route.backend.node.path },
  };
}

/** Longest path first, so the most specific prefix wins (how Prefix matching and the Gateway API choose). */
export function routesByPrecedence(routes: readonly RouteDescription[]): RouteDescription[] {
  return [...routes].sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Where a request path goes under the route model (the semantics every rendering must have):
 * the route whose prefix matches on a segment boundary, longest first; the path the upstream
 * sees (prefix removed when stripPrefix, '/' at least). Undefined when no route matches (404).
 */
export function routeRequest(
  routes: readonly RouteDescription[],
  requestPath: string,
): { route: RouteDescription; upstreamPath: string } | undefined {
  const [pathPart, query] = splitQuery(requestPath);
  for (const route of routesByPrecedence(routes)) {
    const p = route.path;
    const matches = p === '/' || pathPart === p || pathPart.startsWith(`${p}/`);
    if (!matches) continue;
    if (!route.stripPrefix) return { route, upstreamPath: requestPath };
    const rest = pathPart.slice(p.length);
    return { route, upstreamPath: `${rest.startsWith('/') ? rest : `/${rest}`}${query}` };
  }
  return undefined;
}

function splitQuery(requestPath: string): [string, string] {
  const q = requestPath.indexOf('?');
  return q < 0 ? [requestPath, ''] : [requestPath.slice(0, q), requestPath.slice(q)];
}
