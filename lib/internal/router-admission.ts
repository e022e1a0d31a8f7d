import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IRoutable, RouteDescription } from '../routes';
import { propError } from './errors';
import { names } from './names';
import { namespacePeer, portPolicy } from './network';

/** What a router tells {@link admitRouterDataPlane} about itself. */
export interface RouterAdmission {
  /** The router construct: the policies are created under it. */
  readonly router: Construct;
  /** The router's object name (in the policy names). */
  readonly routerName: string;
  /** Host served, for the connection's reason ('*' for every host). */
  readonly host?: string;
  /** Namespace of the pods that forward the requests (the ingress controller's, the gateway's data plane). */
  readonly dataPlaneNamespace: string;
  /** The policies made so far, by Service name; the new one is added. */
  readonly admissions: Map<string, ApiObject>;
}

/**
 * Lets the router's data plane reach one routed Service: records the inbound connection on the
 * Service's connections (the description and the graph show it) and, once per Service, renders
 * the NetworkPolicy admitting the data plane's namespace on the Service's port. Shared by every
 * router (NginxIngress, GatewayRoutes), so both admit the same way.
 */
export function admitRouterDataPlane(admission: RouterAdmission, backend: IRoutable, route: RouteDescription): void {
  const { router, routerName, dataPlaneNamespace, admissions } = admission;
  backend.connections.recordInbound(
    { kind: 'namespace', namespace: dataPlaneNamespace },
    [route.backend.port],
    `route ${admission.host ?? '*'}${route.path} (${router.node.path})`,
  );
  const service = route.backend.serviceName;
  if (admissions.has(service)) return;
  const podSelector = backend.connections.podSelector;
  if (podSelector === undefined)
    throw propError(router.node.path, 'routes', `cannot route to ${service}: it has no pods in the cluster`, service);
  admissions.set(
    service,
    portPolicy(router, `AllowController-${service}`, {
      name: names.allowRouter(service, routerName),
      podSelector,
      direction: 'Ingress',
      peers: [namespacePeer(dataPlaneNamespace)],
      ports: [route.backend.port],
    }),
  );
}
