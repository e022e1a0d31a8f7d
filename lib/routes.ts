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
import { namespaceOf } from './internal/labels';
import { checkBoolean, checkInteger, claimName } from './internal/validation';
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

/** What a router construct knows of itself, for {@link describeRouter}. */
export type RouterSettings = IConstruct & Pick<RouterDescription, 'name' | 'host' | 'maxBodySize' | 'proxyTimeoutSeconds' | 'routes'>;

/** A router construct's description (NginxIngress and GatewayRoutes describe themselves through it). */
export function describeRouter(
  router: RouterSettings,
  kind: RouterDescription['kind'],
  tls: RouterTlsDescription | undefined,
): RouterDescription {
  return {
    name: router.name,
    namespace: namespaceOf(router),
    kind,
    host: router.host,
    tls,
    maxBodySize: router.maxBodySize,
    proxyTimeoutSeconds: router.proxyTimeoutSeconds,
    routes: router.routes,
  };
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
 * Validates one route and records its host+path for the namespace, so that two routers of one
 * family (or one router twice) can never claim the same request path. Routers of different
 * families (an NginxIngress and GatewayRoutes, served by different data planes) may: that is the
 * migration from one to the other, where DNS decides which one gets the traffic. Returns its description.
 */
export function resolveRoute(
  scope: IConstruct,
  prop: string,
  route: RouteProps,
  host: string | undefined,
  namespace: string | undefined,
  family = 'route',
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
  claimName(scope, family, namespace, key, `${prop}.path`, () => `already routes ${key} (a host and path may be routed once)`, route.path);
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
 * Where a request goes under the route model (the semantics every rendering must have), for a
 * request target as the client sends it ('/api/items?x=1'):
 * - the path is matched in its canonical form ({@link canonicalRequestPath}: percent-decoded,
 *   '//' merged, '.' and '..' segments resolved), as nginx (Compose, ingress-nginx) does before it
 *   chooses a location and as Gateway data planes do before matching;
 * - the route is the one whose prefix matches on a segment boundary ('/api' matches '/api',
 *   '/api/' and '/api/x', never '/apix'), case-sensitively, the longest prefix first;
 * - the upstream sees the request target unchanged, or, when the route strips its prefix, the
 *   rest of the canonical path ('/' at least), re-encoded as nginx re-encodes a rewritten URI
 *   ({@link encodeUpstreamPath}), with the query string as received.
 * Undefined when no route matches (404) or the path is malformed (400: bad percent-encoding,
 * '..' above the root).
 */
export function routeRequest(
  routes: readonly RouteDescription[],
  requestTarget: string,
): { route: RouteDescription; upstreamPath: string } | undefined {
  const [rawPath, query] = splitQuery(requestTarget);
  const path = canonicalRequestPath(rawPath);
  if (path === undefined) return undefined;
  for (const route of routesByPrecedence(routes)) {
    const p = route.path;
    const matches = p === '/' || path === p || path.startsWith(`${p}/`);
    if (!matches) continue;
    if (!route.stripPrefix) return { route, upstreamPath: requestTarget };
    const rest = path.slice(p.length);
    // An empty query ('/api?') is dropped, as nginx appends '?args' only when there are some.
    return { route, upstreamPath: `${encodeUpstreamPath(rest.startsWith('/') ? rest : `/${rest}`)}${query === '?' ? '' : query}` };
  }
  return undefined;
}

/**
 * The canonical form of a request path, as routers match it: every %XX decoded to its octet
 * (one character per octet, so 'caf%C3%A9' becomes 'caf\u00c3\u00a9'), runs of '/' merged, then
 * '.' and '..' segments resolved (RFC 3986 section 5.2.4). Undefined for a malformed path (a
 * '%' not followed by two hex digits, an encoded NUL, '..' above the root), which nginx refuses
 * with 400.
 */
export function canonicalRequestPath(rawPath: string): string | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  let decoded = '';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath[i];
    if (c !== '%') {
      decoded += c;
      continue;
    }
    const hex = rawPath.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex) || hex === '00') return undefined;
    decoded += String.fromCharCode(parseInt(hex, 16));
    i += 2;
  }
  const out: string[] = [];
  const segments = decoded
    .replace(/\/{2,}/g, '/')
    .split('/')
    .slice(1);
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..' && out.pop() === undefined) return undefined;
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** Octets nginx percent-encodes in a rewritten URI it proxies (ngx_escape_uri, NGX_ESCAPE_URI): controls, space, '#', '%', '?', DEL and non-ASCII. */
// eslint-disable-next-line no-control-regex -- nginx escapes control octets, so the pattern must name them
const ESCAPED_IN_URI = /[\x00-\x20#%?\x7f-\xff]/g;

/** A canonical path (one character per octet) as the upstream receives it after a rewrite: '/caf\u00c3\u00a9 x' -> '/caf%C3%A9%20x'. */
export function encodeUpstreamPath(path: string): string {
  return path.replace(ESCAPED_IN_URI, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Checks the limits every router carries for Compose's nginx (and ingress-nginx): body size and proxy timeout. */
export function checkRouterLimits(path: string, maxBodySize: string, proxyTimeoutSeconds: number): void {
  if (typeof maxBodySize !== 'string' || !/^\d{1,9}[kmg]?$/.test(maxBodySize))
    throw propError(path, 'maxBodySize', "must be an nginx size such as '10m', '512k' or '1g'", maxBodySize);
  checkInteger(path, 'proxyTimeoutSeconds', proxyTimeoutSeconds, 1, 3600);
}

function splitQuery(requestPath: string): [string, string] {
  const q = requestPath.indexOf('?');
  return q < 0 ? [requestPath, ''] : [requestPath.slice(0, q), requestPath.slice(q)];
}
