import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/** Container security settings that satisfy Pod Security "restricted" (capabilities are added by {@link hardenPodSpec}). */
export function restrictedContainer(user: number, group: number, readOnlyRootFilesystem: boolean): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user,
    group,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
  };
}

/** Pod security settings that satisfy Pod Security "restricted" (seccomp is added by {@link hardenPodSpec}). */
export function restrictedPod(user: number, group: number, fsGroup?: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user, group, fsGroup };
}

/**
 * cdk8s-plus-27 has no prop for the pod's seccomp profile, and its Capability enum has no 'ALL',
 * both of which "restricted" requires. Call once all containers are added; podSpecPath is the
 * JSON pointer of the pod spec inside the object.
 */
export function hardenPodSpec(workload: kplus.Workload | kplus.CronJob, podSpecPath: string): void {
  const api = ApiObject.of(workload);
  api.addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  const drop = { drop: ['ALL'] };
  workload.containers.forEach((_, i) => api.addJsonPatch(JsonPatch.add(`${podSpecPath}/containers/${i}/securityContext/capabilities`, drop)));
  workload.initContainers.forEach((_, i) => api.addJsonPatch(JsonPatch.add(`${podSpecPath}/initContainers/${i}/securityContext/capabilities`, drop)));
}
