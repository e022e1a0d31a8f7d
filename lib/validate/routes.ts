/**
 * Gate rules of the routers: the Gateway API's references (HTTPRoute backendRefs and parentRefs,
 * Gateway certificateRefs), the HTTPRoute rules the API server enforces with CEL (the CRD's
 * x-kubernetes-validations, which the JSON schema cannot express), and a notice on every set that
 * still uses ingress-nginx, retired by the Kubernetes project in March 2026.
 */
import { asArray, asRecord, GateContext, isObject, Obj, show } from './context';
import { ROUTE_RULES } from './route-rules';
import { RuleId } from './rules';

export { ROUTE_RULES };

type RouteRuleId = (typeof ROUTE_RULES)[number]['id'];

/**
 * Reports with the rule's own severity and fix, so the findings are right whether or not the
 * catalogue (rules.ts) lists these rules yet.
 */
function report(ctx: GateContext, id: RouteRuleId, obj: Obj, message: string): void {
  const rule = ROUTE_RULES.find((r) => r.id === id)!;
  ctx.report(id as RuleId, obj, message, rule.fix, rule.severity);
}

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** backendRefs of every HTTPRoute rule: a Service of the set in the route's namespace, with that port. */
export function checkRouteBackends(ctx: GateContext): void {
  for (const route of ctx.objects) {
    if (route.kind !== 'HTTPRoute' || route.group !== GATEWAY_GROUP) continue;
    asArray(route.raw.spec?.rules).forEach((rule, i) =>
      asArray(rule?.backendRefs).forEach((ref, j) => {
        const where = `spec.rules[${i}].backendRefs[${j}]`;
        if ((ref?.group ?? '') !== '' || (ref?.kind ?? 'Service') !== 'Service') return; // other backends are implementation-specific
        const namespace = ref.namespace ?? route.namespace;
        if (namespace !== route.namespace) {
          report(
            ctx,
            'ref/route-backend',
            route,
            `${where} names Service ${show(ref.name)} in namespace ${show(namespace)}, which needs a ReferenceGrant kstack does not create`,
          );
          return;
        }
        const service = ctx.find('Service', namespace, ref.name);
        const ports = asArray(service?.raw.spec?.ports);
        if (!service)
          report(
            ctx,
            'ref/route-backend',
            route,
            `${where} names Service ${show(ref.name)}, which is not in ${namespace ? `namespace ${namespace}` : 'the set'}`,
          );
        else if (ref.port === undefined)
          report(ctx, 'ref/route-backend', route, `${where} names Service ${show(ref.name)} without a port (required for a Service)`);
        else if (!ports.some((p) => p?.port === ref.port))
          report(
            ctx,
            'ref/route-backend',
            route,
            `${where} names port ${show(ref.port)} of Service ${show(ref.name)}, which has ports ${show(ports.map((p) => p?.port))}`,
          );
      }),
    );
  }
}

/** parentRefs of every HTTPRoute: a Gateway of the set (and its listener) or one declared external. */
export function checkRouteParents(ctx: GateContext): void {
  for (const route of ctx.objects) {
    if (route.kind !== 'HTTPRoute' || route.group !== GATEWAY_GROUP) continue;
    asArray(route.raw.spec?.parentRefs).forEach((ref, i) => {
      if ((ref?.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref?.kind ?? 'Gateway') !== 'Gateway') return;
      const namespace = ref.namespace ?? route.namespace;
      const gateway = ctx.find('Gateway', namespace, ref.name);
      const where = `spec.parentRefs[${i}]`;
      if (!gateway) {
        if (!ctx.isExternal('Gateway', namespace, ref.name))
          report(
            ctx,
            'ref/route-parent',
            route,
            `${where} names Gateway ${show(`${namespace}/${ref.name}`)}, which is not in the set and not declared external`,
          );
        return;
      }
      const listeners = asArray(gateway.raw.spec?.listeners).map((l) => l?.name);
      if (ref.sectionName !== undefined && !listeners.includes(ref.sectionName))
        report(
          ctx,
          'ref/route-parent',
          route,
          `${where} names listener ${show(ref.sectionName)} of ${gateway.id}, which has listeners ${show(listeners)}`,
        );
    });
  }
}

/** TLS certificateRefs of Gateway listeners: a Secret of the set or declared external, unless cert-manager issues it. */
export function checkGatewayCertificates(ctx: GateContext): void {
  for (const gw of ctx.objects) {
    if (gw.kind !== 'Gateway' || gw.group !== GATEWAY_GROUP) continue;
    const certManaged = Object.keys(asRecord(gw.raw.metadata?.annotations)).some((k) => k.startsWith('cert-manager.io/'));
    if (certManaged) continue;
    for (const l of asArray(gw.raw.spec?.listeners)) {
      for (const ref of asArray(l?.tls?.certificateRefs)) {
        if ((ref?.group ?? '') !== '' || (ref?.kind ?? 'Secret') !== 'Secret') continue;
        const ns = ref.namespace ?? gw.namespace;
        if (!ctx.find('Secret', ns, ref.name) && !ctx.isExternal('Secret', ns, ref.name))
          ctx.report(
            'ref/secret',
            gw,
            `listener ${show(l.name)} names certificate Secret ${show(ref.name)}, which is not in the set and not declared external (and no cert-manager annotation issues it)`,
          );
      }
    }
  }
}

/**
 * The CEL rules of HTTPRouteRule in the Gateway API CRD (apis/v1/httproute_types.go,
 * +kubebuilder:validation:XValidation on HTTPRouteRule and its filters).
 */
export function checkHttpRouteRules(ctx: GateContext): void {
  for (const route of ctx.objects) {
    if (route.kind !== 'HTTPRoute' || route.group !== GATEWAY_GROUP) continue;
    asArray(route.raw.spec?.rules).forEach((rule, i) => {
      const filters = asArray(rule?.filters);
      const where = `spec.rules[${i}]`;
      const has = (type: string) => filters.some((f) => f?.type === type);
      const prefixRewrite = filters.some(
        (f) => f?.urlRewrite?.path?.type === 'ReplacePrefixMatch' || f?.requestRedirect?.path?.type === 'ReplacePrefixMatch',
      );
      const matches = asArray(rule?.matches);
      if (
        prefixRewrite &&
        (matches.length !== 1 || (matches[0]?.path?.type ?? 'PathPrefix') !== 'PathPrefix' || !isObject(matches[0]?.path))
      )
        report(
          ctx,
          'schema/httproute-rules',
          route,
          `${where}: when using a filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
        );
      if (has('RequestRedirect') && asArray(rule?.backendRefs).length > 0)
        report(ctx, 'schema/httproute-rules', route, `${where}: RequestRedirect filter must not be used together with backendRefs`);
      if (has('RequestRedirect') && has('URLRewrite'))
        report(ctx, 'schema/httproute-rules', route, `${where}: may specify either RequestRedirect or URLRewrite, but not both`);
    });
  }
}

/** One notice per set that uses ingress-nginx (class 'nginx' or its annotations), on the first such Ingress. */
export function checkRetiredControllers(ctx: GateContext): void {
  const nginx = ctx.objects.filter(
    (o) =>
      o.kind === 'Ingress' &&
      (o.raw.spec?.ingressClassName === 'nginx' ||
        asRecord(o.raw.metadata?.annotations)['kubernetes.io/ingress.class'] === 'nginx' ||
        Object.keys(asRecord(o.raw.metadata?.annotations)).some((k) => k.startsWith('nginx.ingress.kubernetes.io/'))),
  );
  if (nginx.length === 0) return;
  const others = nginx.length > 1 ? ` (${nginx.length} Ingresses use it: ${nginx.map((o) => o.id).join(', ')})` : '';
  report(ctx, 'policy/retired-controller', nginx[0], `ingress-nginx is retired (March 2026): see docs/routing.md${others}`);
}

/** Every check of this file, in report order (what gate.ts calls after checkIngresses). */
export function checkRouters(ctx: GateContext): void {
  checkRouteBackends(ctx);
  checkRouteParents(ctx);
  checkGatewayCertificates(ctx);
  checkHttpRouteRules(ctx);
  checkRetiredControllers(ctx);
}
