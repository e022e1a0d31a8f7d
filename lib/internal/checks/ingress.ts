import { ipVersion } from './ip';
import { DNS_SUBDOMAIN } from '../patterns';
import { Problem } from './require';

/**
 * Ingress rules of the API server (pkg/apis/networking/validation: validateHTTPIngressPath,
 * validateIngressRules) and of ingress-nginx, shared by NginxIngress (props) and the gate.
 */

// validateHTTPIngressPath: invalidPathSequences and invalidPathSuffixes.
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];
const PATH_TYPES = new Set(['Exact', 'Prefix', 'ImplementationSpecific']);

/** The API server's rules for an Ingress path of this pathType. */
export function ingressPathProblem(path: unknown, pathType: unknown = 'Prefix'): Problem {
  if (pathType === undefined || pathType === null) return 'pathType must be specified';
  if (typeof pathType !== 'string' || !PATH_TYPES.has(pathType)) return `pathType must be one of Exact, ImplementationSpecific, Prefix`;
  const p = typeof path === 'string' ? path : '';
  if (pathType === 'ImplementationSpecific') return p.length > 0 && !p.startsWith('/') ? 'must be an absolute path' : undefined;
  if (!p.startsWith('/')) return 'must be an absolute path';
  for (const seq of INVALID_SEQUENCES) if (p.includes(seq)) return `must not contain '${seq}'`;
  for (const suffix of INVALID_SUFFIXES) if (p.endsWith(suffix)) return `must not end with '${suffix}'`;
  return undefined;
}

/**
 * A route path that renders the same in every target: an Ingress Prefix path (above) made of
 * letters, digits and '-', '_', '.', '~', '/' only, so that it means the same as a literal prefix,
 * inside an ingress-nginx regex location (use-regex, rewrite-target) and in nginx.conf.
 */
export function routePathProblem(path: unknown): Problem {
  const problem = ingressPathProblem(path, 'Prefix');
  if (problem !== undefined) return problem;
  if (!/^[A-Za-z0-9\-_.~/]*$/.test(path as string))
    return "must contain only letters, digits and '-', '_', '.', '~', '/' (other characters are regex syntax or need escaping)";
  return undefined;
}

/** The path as a regex matching itself literally (ingress-nginx use-regex, nginx `location ~`). */
export function escapeRegexPath(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// IsWildcardDNS1123Subdomain: '*.' followed by a DNS-1123 subdomain.
const WILDCARD = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** An Ingress rule host: a DNS-1123 subdomain or '*.' wildcard, at most 253 characters, not an IP address. */
export function ingressHostProblem(host: unknown): Problem {
  if (typeof host !== 'string' || host === '') return 'must be a non-empty DNS name';
  // netutils.ParseIPSloppy also takes IPv4 with leading zeros: 010.0.0.1
  if (ipVersion(host) !== 0) return 'must be a DNS name, not an IP address';
  if (host.length > 253) return 'must be no more than 253 characters';
  if (host.includes('*')) {
    if (!WILDCARD.test(host))
      return "must be a wildcard DNS-1123 subdomain: '*.' followed by a lower-case DNS name, such as '*.example.com'";
    return undefined;
  }
  if (!DNS_SUBDOMAIN.test(host)) return "must be a lower-case DNS-1123 subdomain such as 'app.example.com' (no scheme, port or path)";
  return undefined;
}

/** A path of an Ingress with `nginx.ingress.kubernetes.io/use-regex: "true"`: nginx must compile it (PCRE; JavaScript's syntax is close). */
export function regexPathProblem(path: unknown): Problem {
  if (typeof path !== 'string') return undefined;
  try {
    new RegExp(path);
    return undefined;
  } catch (err) {
    return `must be a valid regular expression (ingress-nginx use-regex): ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`;
  }
}
