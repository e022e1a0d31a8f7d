import { ipVersion } from '../../internal/checks/ip';
import { ingressHostProblem, ingressPathProblem, regexPathProblem } from '../../internal/checks/ingress';
import { duplicateRouteProblem } from '../../internal/checks/routes';
import { isDnsLabel, isDnsSubdomain } from '../../internal/patterns';
import { asArray, asRecord, GateContext, isObject, Obj, show } from '../context';
import { checkLabelSelector, fieldProblem, oneOf, portNameProblem, portNumOrNameProblem, portNumProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** ValidateIngressCreate: spec, rules, paths, backends, TLS and the class annotation. */
export function checkIngress(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  const rules = asArray(spec.rules);
  if (rules.length === 0 && !isObject(spec.defaultBackend))
    ctx.report('api/ingress-spec', obj, 'spec: either `defaultBackend` or `rules` must be specified');
  if (isObject(spec.defaultBackend)) checkBackend(ctx, obj, 'spec.defaultBackend', spec.defaultBackend);
  rules.forEach((rule, i) => {
    if (!isObject(rule)) return;
    const at = `spec.rules[${i}]`;
    if (typeof rule.host === 'string' && rule.host !== '')
      fieldProblem(ctx, 'api/ingress-host', obj, `${at}.host`, rule.host, ingressHostProblem(rule.host));
    if (!isObject(rule.http)) return;
    const paths = asArray(rule.http.paths);
    if (paths.length === 0) ctx.report('api/ingress-spec', obj, `${at}.http.paths must list at least one path`);
    paths.forEach((p, j) => {
      if (!isObject(p)) return;
      const pat = `${at}.http.paths[${j}]`;
      const problem = ingressPathProblem(p.path, p.pathType);
      if (problem?.startsWith('pathType')) ctx.report('api/ingress-path', obj, `${pat}.${problem}, got ${show(p.pathType ?? null)}`);
      else fieldProblem(ctx, 'api/ingress-path', obj, `${pat}.path`, p.path, problem);
      if (isObject(p.backend)) checkBackend(ctx, obj, `${pat}.backend`, p.backend);
      else ctx.report('api/ingress-spec', obj, `${pat}.backend is required`);
    });
  });
  asArray(spec.tls).forEach((t, i) => {
    asArray(t?.hosts).forEach((h, j) => {
      const problem = ingressHostProblem(h);
      // TLS hosts are checked as names only (validateIngressTLS has no IP rule).
      if (problem && !problem.includes('IP address'))
        ctx.report('api/ingress-host', obj, `spec.tls[${i}].hosts[${j}] ${problem}, got ${show(h)}`);
    });
    if (typeof t?.secretName === 'string' && t.secretName !== '' && !isDnsSubdomain(t.secretName))
      ctx.report('api/ingress-spec', obj, `spec.tls[${i}].secretName must be a DNS-1123 subdomain, got ${show(t.secretName)}`);
  });
  const cls = spec.ingressClassName;
  if (typeof cls === 'string' && !isDnsSubdomain(cls))
    ctx.report('api/ingress-spec', obj, `spec.ingressClassName must be a DNS-1123 subdomain, got ${show(cls)}`);
  const annotation = asRecord(obj.raw.metadata?.annotations)['kubernetes.io/ingress.class'];
  if (annotation !== undefined && typeof cls === 'string' && annotation !== cls)
    ctx.report(
      'api/ingress-spec',
      obj,
      `metadata.annotations kubernetes.io/ingress.class must match \`ingressClassName\` when both are specified, got ${show(annotation)} and ${show(cls)}`,
    );
}

/** validateIngressBackend. */
function checkBackend(ctx: GateContext, obj: Obj, at: string, b: any): void {
  const hasService = isObject(b.service);
  const hasResource = isObject(b.resource);
  if (hasService && hasResource) return ctx.report('api/ingress-spec', obj, `${at} cannot set both resource and service backends`);
  if (!hasService && !hasResource) return ctx.report('api/ingress-spec', obj, `${at}: resource or service backend is required`);
  if (hasResource) {
    if (!b.resource.kind || !b.resource.name) ctx.report('api/ingress-spec', obj, `${at}.resource needs a kind and a name`);
    return;
  }
  const s = b.service;
  if (typeof s.name !== 'string' || s.name === '') ctx.report('api/ingress-spec', obj, `${at}.service.name is required`);
  else if (!isDnsLabel(s.name) || !/^[a-z]/.test(s.name))
    ctx.report('api/ingress-spec', obj, `${at}.service.name must be a DNS-1035 label (a Service name), got ${show(s.name)}`);
  const port = asRecord(s.port);
  const hasName = typeof port.name === 'string' && port.name !== '';
  const hasNumber = port.number !== undefined && port.number !== 0;
  if (hasName && hasNumber) ctx.report('api/ingress-spec', obj, `${at}.service.port cannot set both port name & port number`);
  else if (hasName) fieldProblem(ctx, 'api/ingress-spec', obj, `${at}.service.port.name`, port.name, portNameProblem(port.name));
  else if (hasNumber) fieldProblem(ctx, 'api/ingress-spec', obj, `${at}.service.port.number`, port.number, portNumProblem(port.number));
  else ctx.report('api/ingress-spec', obj, `${at}.service.port: port name or number is required`);
}

/** ValidateNetworkPolicySpec: selectors, ports, peers and policyTypes. */
export function checkNetworkPolicy(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  checkLabelSelector(ctx, obj, 'spec.podSelector', spec.podSelector);
  for (const dir of ['ingress', 'egress'] as const) {
    asArray(spec[dir]).forEach((rule, i) => {
      const at = `spec.${dir}[${i}]`;
      asArray(rule?.ports).forEach((p, j) => checkPolicyPort(ctx, obj, `${at}.ports[${j}]`, p));
      asArray(rule?.[dir === 'ingress' ? 'from' : 'to']).forEach((peer, j) =>
        checkPeer(ctx, obj, `${at}.${dir === 'ingress' ? 'from' : 'to'}[${j}]`, peer),
      );
    });
  }
  const types = asArray(spec.policyTypes);
  if (types.length > 2) ctx.report('api/network-policy', obj, 'spec.policyTypes may not specify more than two policyTypes');
  else types.forEach((t, i) => oneOf(ctx, 'api/network-policy', obj, `spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
}

function checkPolicyPort(ctx: GateContext, obj: Obj, at: string, p: any): void {
  if (!isObject(p)) return;
  oneOf(ctx, 'api/network-policy', obj, `${at}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
  if (p.port === undefined || p.port === null) {
    if (p.endPort !== undefined) ctx.report('api/network-policy', obj, `${at}.endPort may not be specified when \`port\` is not specified`);
    return;
  }
  fieldProblem(ctx, 'api/network-policy', obj, `${at}.port`, p.port, portNumOrNameProblem(p.port));
  if (p.endPort === undefined) return;
  if (typeof p.port !== 'number') ctx.report('api/network-policy', obj, `${at}.endPort may not be specified when \`port\` is non-numeric`);
  else if (typeof p.endPort === 'number' && p.endPort < p.port)
    ctx.report('api/network-policy', obj, `${at}.endPort must be greater than or equal to \`port\` (${p.port}), got ${show(p.endPort)}`);
  fieldProblem(ctx, 'api/network-policy', obj, `${at}.endPort`, p.endPort, portNumProblem(p.endPort));
}

/** A CIDR as netutils.ParseCIDRSloppy reads it: [address, prefix length, bits], or undefined. */
function parseCidr(s: unknown): [bigint, number, number] | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = s.slice(0, slash);
  const len = Number(s.slice(slash + 1));
  const v = ipVersion(ip);
  const bits = v === 4 ? 32 : v === 6 ? 128 : 0;
  if (bits === 0 || !/^[0-9]+$/.test(s.slice(slash + 1)) || len > bits) return undefined;
  const value = v === 4 ? ip.split('.').reduce((a, o) => (a << 8n) + BigInt(Number(o)), 0n) : ipv6Value(ip);
  return [value, len, bits];
}

function ipv6Value(ip: string): bigint {
  const [head, tail = ''] = ip.split('::');
  const parts = (x: string) => (x === '' ? [] : x.split(':'));
  const h = parts(head);
  const t = parts(tail);
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g, 16) || 0), 0n);
}

function checkPeer(ctx: GateContext, obj: Obj, at: string, peer: any): void {
  if (!isObject(peer)) return;
  const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => isObject(peer[k]));
  if (kinds.length === 0) return ctx.report('api/network-policy', obj, `${at} must specify a peer`);
  if (kinds.length > 1 && kinds.includes('ipBlock'))
    ctx.report('api/network-policy', obj, `${at} may not specify both ipBlock and another peer`);
  checkLabelSelector(ctx, obj, `${at}.podSelector`, peer.podSelector);
  checkLabelSelector(ctx, obj, `${at}.namespaceSelector`, peer.namespaceSelector);
  if (!isObject(peer.ipBlock)) return;
  const cidr = parseCidr(peer.ipBlock.cidr);
  if (cidr === undefined)
    return ctx.report(
      'api/network-policy',
      obj,
      `${at}.ipBlock.cidr must be a valid CIDR such as '10.0.0.0/16', got ${show(peer.ipBlock.cidr ?? null)}`,
    );
  asArray(peer.ipBlock.except).forEach((e, i) => {
    const ex = parseCidr(e);
    if (ex === undefined) return ctx.report('api/network-policy', obj, `${at}.ipBlock.except[${i}] must be a valid CIDR, got ${show(e)}`);
    const [base, len, bits] = cidr;
    const inside = ex[2] === bits && ex[1] > len && ex[0] >> BigInt(bits - len) === base >> BigInt(bits - len);
    if (!inside)
      ctx.report(
        'api/network-policy',
        obj,
        `${at}.ipBlock.except[${i}] must be a strict subset of \`cidr\` (${peer.ipBlock.cidr}), got ${show(e)}`,
      );
  });
}

interface Route {
  readonly ing: Obj;
  readonly path: string;
  readonly pathType: string;
  readonly regex: boolean;
}

/**
 * ingress-nginx across the Ingresses of one class: a host and path routed twice (its admission
 * webhook refuses the second), and paths of a host where use-regex is on (regex matching then
 * applies to every path of the host).
 */
export function checkIngressController(ctx: GateContext): void {
  const byHost = new Map<string, Route[]>();
  for (const ing of ctx.ofKind('Ingress')) {
    const spec = ing.raw.spec;
    if (!isObject(spec)) continue;
    const cls = spec.ingressClassName ?? asRecord(ing.raw.metadata?.annotations)['kubernetes.io/ingress.class'] ?? '';
    const regex = asRecord(ing.raw.metadata?.annotations)['nginx.ingress.kubernetes.io/use-regex'] === 'true';
    for (const rule of asArray(spec.rules)) {
      const key = `${cls}\0${rule?.host ?? ''}`;
      let routes = byHost.get(key);
      if (!routes) byHost.set(key, (routes = []));
      for (const p of asArray(rule?.http?.paths))
        if (typeof p?.path === 'string') routes.push({ ing, path: p.path, pathType: p.pathType, regex });
    }
  }
  for (const [key, routes] of byHost) {
    const host = key.split('\0')[1] || undefined;
    const seen = new Map<string, Obj>();
    const hostRegex = routes.some((r) => r.regex);
    for (const r of routes) {
      const k = `${r.pathType}\0${r.path}`;
      const first = seen.get(k);
      if (first && first !== r.ing)
        ctx.report('ingress/duplicate-route', r.ing, `path ${show(r.path)} ${duplicateRouteProblem(host, r.path, first.id)}`);
      if (!first) seen.set(k, r.ing);
      if (!hostRegex) continue;
      const problem = regexPathProblem(r.path);
      if (problem) ctx.report('ingress/regex-path', r.ing, `path ${show(r.path)} ${problem}`);
      else if (!r.regex && /[.*+?^${}()|[\]\\]/.test(r.path))
        ctx.report(
          'ingress/regex-path',
          r.ing,
          `path ${show(r.path)} has regex characters and host ${host ?? '*'} uses regex paths (use-regex on another Ingress): ingress-nginx would match it as a regex`,
        );
    }
  }
}
