import { GateContext, Obj, PodTemplate } from '../context';
import { checkCronJob, checkDaemonSetOrReplicaSet, checkDeployment, checkJob, checkStatefulSet } from './apps';
import { checkArgoApplication } from './argo';
import { checkHpa, checkPdb } from './autoscaling';
import { checkConfigMap, checkMetadata, checkPvc, checkSecret, checkService } from './core';
import { checkIngress, checkIngressController, checkNetworkPolicy } from './networking';
import { checkPodApi } from './pod';

type ObjectCheck = (ctx: GateContext, obj: Obj) => void;

/**
 * The API server's checks per 'group/Kind' (the table the gate dispatches on: one lookup per
 * object, no rule scans the whole set). Pod templates are checked through {@link checkPodTemplateApi}.
 */
const BY_KIND: Readonly<Record<string, readonly ObjectCheck[]>> = {
  '/Service': [checkService],
  '/ConfigMap': [checkConfigMap],
  '/Secret': [checkSecret],
  '/PersistentVolumeClaim': [checkPvc],
  'apps/Deployment': [checkDeployment],
  'apps/StatefulSet': [checkStatefulSet],
  'apps/DaemonSet': [checkDaemonSetOrReplicaSet],
  'apps/ReplicaSet': [checkDaemonSetOrReplicaSet],
  'batch/Job': [checkJob],
  'batch/CronJob': [checkCronJob],
  'networking.k8s.io/Ingress': [checkIngress],
  'networking.k8s.io/NetworkPolicy': [checkNetworkPolicy],
  'autoscaling/HorizontalPodAutoscaler': [checkHpa],
  'policy/PodDisruptionBudget': [checkPdb],
  'argoproj.io/Application': [checkArgoApplication],
};

/** The API server's rules for one object (metadata of every object, then its kind's table). */
export function checkObjectApi(ctx: GateContext, obj: Obj): void {
  checkMetadata(ctx, obj);
  for (const check of BY_KIND[`${obj.group}/${obj.kind}`] ?? []) check(ctx, obj);
}

/** The API server's rules for a pod template (ValidatePodTemplateSpec) or a Pod. */
export function checkPodTemplateApi(ctx: GateContext, pod: PodTemplate): void {
  checkPodApi(ctx, pod);
}

/** Rules across objects of the set that the controllers apply (ingress-nginx). */
export function checkSetApi(ctx: GateContext): void {
  checkIngressController(ctx);
  checkNamespaces(ctx);
}

/**
 * NamespaceLifecycle admission refuses objects in a namespace that does not exist. When the set
 * creates Namespaces, it is meant to be applied whole: its objects live in those namespaces or in
 * ones declared external. Argo CD Applications live in the Argo CD install's own namespace.
 */
function checkNamespaces(ctx: GateContext): void {
  const created = new Set(ctx.ofKind('Namespace').map((n) => n.name));
  if (created.size === 0) return;
  const reported = new Set<string>();
  for (const obj of ctx.objects) {
    const ns = obj.namespace;
    if (ns === '' || created.has(ns) || obj.group === 'argoproj.io' || ctx.isExternal('Namespace', '', ns)) continue;
    if (reported.has(ns)) continue;
    reported.add(ns);
    ctx.report(
      'ref/namespace',
      obj,
      `namespace ${ns} is neither created by the set (it creates ${[...created].join(', ')}) nor declared external; applying ${obj.id} fails with "namespaces \\"${ns}\\" not found"`,
    );
  }
}
