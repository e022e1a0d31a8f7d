import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

// 'ALL' is the Kubernetes value for every capability; cdk8s-plus-27's Capability enum lacks it, but
// passes the list through as given. A prop instead of a JSON patch: each patch costs a JSON
// round trip of its value and a pointer walk on every synthesis.
const DROP_ALL: kplus.ContainerSecutiryContextCapabilities = { drop: ['ALL' as kplus.Capability] };

/** Container security settings that satisfy Pod Security "restricted", all capabilities dropped. */
export function restrictedContainer(user: number, group: number, readOnlyRootFilesystem: boolean): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user,
    group,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
    capabilities: DROP_ALL,
  };
}

/** Pod security settings that satisfy Pod Security "restricted" (seccomp is added by {@link hardenPodSpec}). */
export function restrictedPod(user: number, group: number, fsGroup?: number): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user, group, fsGroup };
}

/** Whether a container already drops every capability (it was given {@link restrictedContainer}). */
function dropsAll(container: kplus.Container): boolean {
  return container.securityContext.capabilities?.drop?.includes('ALL' as kplus.Capability) === true;
}

/**
 * cdk8s-plus-27 has no prop for the pod's seccomp profile, which "restricted" requires; it is
 * patched in. Containers not built with {@link restrictedContainer} get `drop: [ALL]` patched in
 * too. Call once all containers are added; podSpecPath is the JSON pointer of the pod spec inside
 * the object.
 */
export function hardenPodSpec(workload: kplus.Workload | kplus.CronJob, podSpecPath: string): void {
  const api = ApiObject.of(workload);
  api.addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
  const patchDrop = (list: string) => (c: kplus.Container, i: number) => {
    if (!dropsAll(c)) api.addJsonPatch(JsonPatch.add(`${podSpecPath}/${list}/${i}/securityContext/capabilities`, { drop: ['ALL'] }));
  };
  workload.containers.forEach(patchDrop('containers'));
  workload.initContainers.forEach(patchDrop('initContainers'));
}
