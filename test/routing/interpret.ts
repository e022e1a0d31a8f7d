/**
 * Interpreters of the three renderings of a route description, for the route-table tests. Each
 * reads the RENDERED OUTPUT (Ingress objects, HTTPRoute objects, nginx.conf text), never the
 * description, and answers where a request goes: the upstream (`service:port`) and the request
 * target the upstream receives, or a status.
 *
 * What every proxy does to the URI before routing (percent-decoding, merging '//', resolving dot
 * segments) and nginx's re-encoding of a rewritten URI are the model's canonicalRequestPath and
 * encodeUpstreamPath: ported once in lib/routes.ts, and proven against Debian's nginx in
 * test/tools/routing-nginx.test.ts. What is interpreted here is routing: location selection,
 * regex flags and order, Prefix/Exact handling, rewrite rules, HTTPRoute precedence and filters.
 */
import { canonicalRequestPath, encodeUpstreamPath } from '../../lib';

/** Where a request went. */
export type Outcome = { readonly upstream: string; readonly target: string } | { readonly status: number };

/** A request target split as nginx splits it: the path, and the arguments after '?' ('' when none). */
interface Parsed {
  readonly target: string;
  readonly uri: string;
  readonly args: string;
}

function parse(target: string): Parsed | undefined {
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  const uri = canonicalRequestPath(raw);
  return uri === undefined ? undefined : { target, uri, args: q < 0 ? '' : target.slice(q + 1) };
}

/** `rewrite REGEX REPLACEMENT break;` as nginx runs it on $uri: $1..$9 from the (unanchored) match, the args appended. */
function rewrite(req: Parsed, re: RegExp, replacement: string): string | undefined {
  const m = re.exec(req.uri);
  if (!m) return undefined;
  const uri = replacement.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
  return `${encodeUpstreamPath(uri)}${req.args ? `?${req.args}` : ''}`;
}

// ---------------------------------------------------------------- nginx.conf (Compose)

interface ConfLocation {
  readonly modifier: '' | '=' | '~' | '~*';
  readonly pattern: string;
  readonly rewrites: { re: RegExp; replacement: string }[];
  upstream?: string;
  status?: number;
}

/**
 * The public server of a generated nginx.conf: its `set` variables and locations. Any directive
 * inside a location that is not understood fails the test, so a change of semantics is never
 * interpreted silently.
 */
export function parseNginxConf(conf: string): ConfLocation[] {
  const vars = new Map<string, string>();
  const locations: ConfLocation[] = [];
  let current: ConfLocation | undefined;
  const lines = conf.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => /^listen \d+ default_server;$/.test(l));
  if (start < 0) throw new Error('nginx.conf: no public server (listen ... default_server)');
  for (const line of lines.slice(start)) {
    if (line === '' || line.startsWith('#')) continue;
    let m: RegExpExecArray | null;
    if (current) {
      if (line === '}') {
        locations.push(current);
        current = undefined;
      } else if ((m = /^rewrite "([^"]+)" (\S+) break;$/.exec(line))) current.rewrites.push({ re: new RegExp(m[1]), replacement: m[2] });
      else if ((m = /^proxy_pass http:\/\/\$(\w+);$/.exec(line))) {
        const upstream = vars.get(m[1]);
        if (upstream === undefined) throw new Error(`nginx.conf: proxy_pass to unset variable $${m[1]}`);
        current.upstream = upstream;
      } else if ((m = /^return (\d{3});$/.exec(line))) current.status = Number(m[1]);
      else throw new Error(`nginx.conf: directive not interpreted in a location: ${line}`);
    } else if ((m = /^set \$(\w+) (\S+);$/.exec(line))) vars.set(m[1], m[2]);
    else if ((m = /^location (?:(=|~\*|~) )?(?:"([^"]+)"|(\S+)) \{$/.exec(line))) {
      current = { modifier: (m[1] ?? '') as ConfLocation['modifier'], pattern: m[2] ?? m[3], rewrites: [] };
    } else if (line === '}') break; // end of the public server
  }
  return locations;
}

/**
 * nginx's location choice (ngx_http_core_find_location): an exact match wins; else the longest
 * prefix is remembered and the regex locations are tried in the order of the file, the first
 * match winning; else the remembered prefix.
 */
function chooseLocation<L extends { modifier: string; pattern: string }>(locations: readonly L[], uri: string): L | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
  if (exact) return exact;
  const prefix = locations
    .filter((l) => l.modifier === '' && uri.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
  const regex = locations.find(
    (l) => (l.modifier === '~' || l.modifier === '~*') && new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(uri),
  );
  return regex ?? prefix;
}

/** Where the generated nginx.conf sends a request. */
export function viaNginxConf(locations: readonly ConfLocation[], target: string): Outcome {
  const req = parse(target);
  if (!req) return { status: 400 };
  const loc = chooseLocation(locations, req.uri);
  if (!loc) return { status: 404 };
  if (loc.status !== undefined) return { status: loc.status };
  if (loc.upstream === undefined) throw new Error(`nginx.conf: location ${loc.pattern} neither proxies nor returns`);
  for (const r of loc.rewrites) {
    const rewritten = rewrite(req, r.re, r.replacement);
    if (rewritten !== undefined) return { upstream: loc.upstream, target: rewritten };
  }
  // proxy_pass without a URI part and no rewrite: the request line's URI, unchanged.
  return { upstream: loc.upstream, target: req.target };
}

// ---------------------------------------------------------------- Ingress objects (ingress-nginx)

interface NginxLocation {
  readonly modifier: '' | '=' | '~*';
  readonly pattern: string;
  readonly path: string;
  readonly upstream: string;
  readonly rewriteTarget?: string;
}

/**
 * The locations ingress-nginx writes for the Ingresses of one host (controller v1.12,
 * internal/ingress/controller: updateServerLocations, the location sort, template.go
 * buildLocation and buildProxyPass):
 * - a Prefix path '/p' of an Ingress without use-regex or rewrite-target becomes the prefix
 *   '/p/' plus the exact '/p';
 * - locations are sorted by path, descending, then by path length, descending (stable);
 * - when any location of the host uses a regex or a rewrite, EVERY location of the host becomes
 *   a case-insensitive regex `~* "^<path>"` (docs/user-guide/ingress-path-matching.md);
 * - a rewrite-target adds `rewrite "(?i)<path>" <target> break;`.
 */
export function ingressNginxLocations(ingresses: readonly any[], host: string | undefined): NginxLocation[] {
  const raw: (Omit<NginxLocation, 'modifier' | 'pattern'> & { type: string; regex: boolean })[] = [];
  for (const ing of ingresses) {
    const annotations = ing.metadata.annotations ?? {};
    const target = annotations['nginx.ingress.kubernetes.io/rewrite-target'] as string | undefined;
    const useRegex = annotations['nginx.ingress.kubernetes.io/use-regex'] === 'true';
    for (const rule of ing.spec.rules ?? []) {
      if ((rule.host ?? undefined) !== host) continue;
      for (const p of rule.http.paths) {
        const upstream = `${p.backend.service.name}:${p.backend.service.port.number}`;
        const rewriteTarget = target !== undefined && target !== p.path ? target : undefined;
        const regex = useRegex || rewriteTarget !== undefined;
        if (p.pathType === 'Prefix' && p.path !== '/' && !regex && !p.path.endsWith('/')) {
          raw.push({ path: `${p.path}/`, upstream, type: 'Prefix', regex }, { path: p.path, upstream, type: 'Exact', regex });
        } else raw.push({ path: p.path, upstream, rewriteTarget, type: p.pathType, regex });
      }
    }
  }
  raw.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
  raw.sort((a, b) => b.path.length - a.path.length);
  const enforceRegex = raw.some((l) => l.regex);
  return raw.map((l) => ({
    modifier: enforceRegex ? '~*' : l.type === 'Exact' ? '=' : '',
    pattern: enforceRegex ? `^${l.path}` : l.path,
    path: l.path,
    upstream: l.upstream,
    rewriteTarget: l.rewriteTarget,
  }));
}

/** Where ingress-nginx sends a request to the host; 404 from the default backend when no location matches. */
export function viaIngressNginx(locations: readonly NginxLocation[], target: string): Outcome {
  const req = parse(target);
  if (!req) return { status: 400 };
  const loc = chooseLocation(locations, req.uri);
  if (!loc) return { status: 404 };
  if (loc.rewriteTarget !== undefined) {
    const rewritten = rewrite(req, new RegExp(loc.path, 'i'), loc.rewriteTarget);
    if (rewritten !== undefined) return { upstream: loc.upstream, target: rewritten };
  }
  return { upstream: loc.upstream, target: req.target };
}

// ---------------------------------------------------------------- HTTPRoute objects (Gateway API)

interface Candidate {
  readonly type: 'Exact' | 'PathPrefix';
  readonly value: string;
  readonly route: string;
  readonly ruleIndex: number;
  readonly rule: any;
}

/** Does a PathPrefix value match the path element by element ('/abc' matches '/abc', '/abc/', '/abc/d', not '/abcd'; a trailing '/' of the value is ignored)? */
function prefixMatches(value: string, path: string): boolean {
  const p = value.replace(/\/+$/, '');
  return p === '' || path === p || path.startsWith(`${p}/`);
}

/**
 * ReplacePrefixMatch as the Gateway API defines it (HTTPPathModifier, the table of
 * apis/v1/httproute_types.go): the matched prefix (trailing '/' ignored) is replaced, one '/'
 * kept between the replacement and the rest, '/' at least.
 */
export function replacePrefixMatch(path: string, prefix: string, replacement: string): string {
  const rest = path.slice(prefix.replace(/\/+$/, '').length);
  const joined = replacement.endsWith('/') && rest.startsWith('/') ? `${replacement}${rest.slice(1)}` : `${replacement}${rest}`;
  return joined === '' ? '/' : joined;
}

/**
 * Where the HTTPRoutes of a Gateway send a request for `host`, by the HTTPRouteRule precedence of
 * the Gateway API: Exact before PathPrefix, then the most characters in the matched prefix, then
 * the route first in namespace/name order (no creation timestamps offline), then the first rule.
 */
export function viaHttpRoutes(routes: readonly any[], host: string | undefined, target: string): Outcome {
  const req = parse(target);
  if (!req) return { status: 400 };
  const candidates: Candidate[] = [];
  for (const r of routes) {
    const hostnames: string[] | undefined = r.spec.hostnames;
    if (host !== undefined && hostnames !== undefined && !hostnames.includes(host)) continue;
    (r.spec.rules ?? []).forEach((rule: any, ruleIndex: number) => {
      const matches = rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }];
      for (const m of matches) {
        const type = m.path?.type ?? 'PathPrefix';
        if (type !== 'PathPrefix' && type !== 'Exact') throw new Error(`HTTPRoute ${r.metadata.name}: path type ${type} not interpreted`);
        candidates.push({ type, value: m.path?.value ?? '/', route: `${r.metadata.namespace}/${r.metadata.name}`, ruleIndex, rule });
      }
    });
  }
  const matching = candidates
    .filter((c) => (c.type === 'Exact' ? req.uri === c.value : prefixMatches(c.value, req.uri)))
    .sort(
      (a, b) =>
        Number(b.type === 'Exact') - Number(a.type === 'Exact') ||
        b.value.length - a.value.length ||
        (a.route < b.route ? -1 : a.route > b.route ? 1 : 0) ||
        a.ruleIndex - b.ruleIndex,
    );
  const chosen = matching[0];
  if (!chosen) return { status: 404 };
  const refs = chosen.rule.backendRefs ?? [];
  if (refs.length !== 1) throw new Error(`HTTPRoute ${chosen.route}: ${refs.length} backendRefs (one expected)`);
  const upstream = `${refs[0].name}:${refs[0].port}`;
  let path: string | undefined;
  for (const f of chosen.rule.filters ?? []) {
    if (f.type !== 'URLRewrite' || f.urlRewrite?.path?.type !== 'ReplacePrefixMatch')
      throw new Error(`HTTPRoute ${chosen.route}: filter ${f.type} not interpreted`);
    if (chosen.type !== 'PathPrefix') throw new Error(`HTTPRoute ${chosen.route}: ReplacePrefixMatch needs a PathPrefix match`);
    path = replacePrefixMatch(req.uri, chosen.value, f.urlRewrite.path.replacePrefixMatch);
  }
  if (path === undefined) return { upstream, target: req.target };
  return { upstream, target: `${encodeUpstreamPath(path)}${req.args ? `?${req.args}` : ''}` };
}
