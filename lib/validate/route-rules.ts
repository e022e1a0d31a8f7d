/** The catalogue of the routers' rules (checked in routes.ts); a module of its own so rules.ts can list them without a cycle. */
import type { RuleInfo } from './rules';

/** The rules of this file, for the gate's catalogue (rules.ts). */
export const ROUTE_RULES = [
  {
    id: 'ref/route-backend',
    severity: 'error',
    what: "HTTPRoute backendRefs name a Service of the route's namespace and a port that Service has",
    fix: 'route to an existing Service and one of its ports (backendRefs[].name and .port)',
  },
  {
    id: 'ref/route-parent',
    severity: 'error',
    what: 'HTTPRoute parentRefs name a Gateway of the set (and one of its listeners by sectionName) or one declared external',
    fix: "attach the route to an existing Gateway, or declare it external (GatewayRoutes 'gateway' does; for `npm run validate`, --external Gateway/NAMESPACE/NAME)",
  },
  {
    id: 'schema/httproute-rules',
    severity: 'error',
    what: 'HTTPRoute rules keep the CRD validation rules: ReplacePrefixMatch with exactly one PathPrefix match, no RequestRedirect with backendRefs, not both URLRewrite and RequestRedirect',
    fix: 'give a rule with a ReplacePrefixMatch rewrite a single PathPrefix match, and split redirects from forwarding rules',
  },
  {
    id: 'policy/retired-controller',
    severity: 'warning',
    what: 'no object relies on a retired controller (ingress-nginx: Ingresses of class nginx or with nginx.ingress.kubernetes.io annotations)',
    fix: 'move the routes to the Gateway API (GatewayRoutes), or waive the rule where ingress-nginx must stay (Minikube ingress addon)',
  },
] as const satisfies readonly RuleInfo[];
