import { IConstruct } from 'constructs';
import { propError } from '../errors';

/**
 * One host and path belong to one Ingress per ingress class: ingress-nginx's admission webhook
 * refuses a second Ingress for the same host and path, and Compose's nginx.conf cannot hold both.
 */
export function duplicateRouteProblem(host: string | undefined, path: string, other: string): string {
  return `must be unique per ingress class and host: ${host ?? '*'}${path} is also routed by ${other}`;
}

const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records that the construct at `scope` routes `host` + `path` for `ingressClass` in the whole app
 * (Ingresses of one class share the controller across namespaces); a second claim throws a
 * KstackPropError naming the first.
 */
export function claimRoute(scope: IConstruct, prop: string, ingressClass: string, host: string | undefined, path: string): void {
  const root = scope.node.root;
  let app = claims.get(root);
  if (!app) {
    app = new Map();
    claims.set(root, app);
  }
  const key = `${ingressClass}\0${host ?? '*'}\0${path}`;
  const other = app.get(key);
  if (other !== undefined && other !== scope.node.path)
    throw propError(scope.node.path, prop, duplicateRouteProblem(host, path, other), path);
  app.set(key, scope.node.path);
}
