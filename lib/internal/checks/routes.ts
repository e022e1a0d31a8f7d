import { IConstruct } from 'constructs';
import { propError } from '../errors';
import { claim } from '../validation';

/**
 * One host and path belong to one Ingress per ingress class: ingress-nginx's admission webhook
 * refuses a second Ingress for the same host and path, and Compose's nginx.conf cannot hold both.
 */
export function duplicateRouteProblem(host: string | undefined, path: string, other: string): string {
  return `must be unique per ingress class and host: ${host ?? '*'}${path} is also routed by ${other}`;
}

/**
 * Records that the construct at `scope` routes `host` + `path` for `ingressClass` in the whole app
 * (Ingresses of one class share the controller across namespaces); a second claim throws a
 * KstackPropError naming the first.
 */
export function claimRoute(scope: IConstruct, prop: string, ingressClass: string, host: string | undefined, path: string): void {
  const other = claim(scope.node.root, `route\0${ingressClass}\0${host ?? '*'}\0${path}`, scope.node.path);
  if (other !== undefined && other !== scope.node.path)
    throw propError(scope.node.path, prop, duplicateRouteProblem(host, path, other), path);
}
