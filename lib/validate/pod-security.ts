import { asArray, asRecord, GateContext, isObject, PodTemplate, show } from './context';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

const ALLOWED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

/** Pod Security Standards "restricted" (which includes "baseline") on one pod template. */
export function checkPodSecurity(ctx: GateContext, pod: PodTemplate): void {
  const obj = pod.owner;
  const spec = pod.spec;
  const podSc = asRecord(spec.securityContext);
  const w = pod.where;

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true)
      ctx.report('pss/host-namespaces', obj, `${w}.${field} is true; "restricted" forbids sharing host namespaces`, `remove ${w}.${field}`);
  }
  for (const v of asArray(spec.volumes)) {
    if (!isObject(v)) continue;
    const types = Object.keys(v).filter((k) => k !== 'name');
    for (const t of types) {
      if (!ALLOWED_VOLUME_TYPES.has(t)) {
        ctx.report(
          'pss/volume-types',
          obj,
          `volume ${show(v.name)} is a ${t} volume${t === 'hostPath' ? ` (host path ${show(v.hostPath?.path)})` : ''}; "restricted" allows only ${[...ALLOWED_VOLUME_TYPES].join(', ')}`,
        );
      }
    }
  }
  for (const s of asArray(podSc.sysctls)) {
    if (!SAFE_SYSCTLS.has(s?.name))
      ctx.report('pss/proc-sysctls', obj, `${w}.securityContext.sysctls sets ${show(s?.name)}, which is not a safe sysctl`);
  }
  checkSeLinux(ctx, pod, `${w}.securityContext`, podSc.seLinuxOptions);
  if (podSc.appArmorProfile?.type === 'Unconfined')
    ctx.report('pss/proc-sysctls', obj, `${w}.securityContext.appArmorProfile is Unconfined`);

  const podNonRoot = podSc.runAsNonRoot === true;
  if (podSc.runAsUser === 0) ctx.report('pss/run-as-non-root', obj, `${w}.securityContext.runAsUser is 0 (root)`);
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECCOMP_OK.has(podSeccomp))
    ctx.report(
      'pss/seccomp',
      obj,
      `${w}.securityContext.seccompProfile.type is ${show(podSeccomp)}; RuntimeDefault or Localhost is required`,
    );

  for (const { c, list } of pod.containers) {
    const sc = asRecord(c.securityContext);
    const who = `${list === 'containers' ? 'container' : list === 'initContainers' ? 'init container' : 'ephemeral container'} ${show(c.name)}`;
    if (sc.privileged === true) ctx.report('pss/privileged', obj, `${who} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) {
      ctx.report(
        'pss/privilege-escalation',
        obj,
        `${who} does not set securityContext.allowPrivilegeEscalation: false (got ${show(sc.allowPrivilegeEscalation ?? null)})`,
      );
    }
    const caps = asRecord(sc.capabilities);
    if (!asArray(caps.drop).includes('ALL'))
      ctx.report('pss/capabilities', obj, `${who} does not drop ALL capabilities (drop: ${show(caps.drop ?? [])})`);
    const added = asArray(caps.add).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0)
      ctx.report('pss/capabilities', obj, `${who} adds capabilities ${show(added)}; only NET_BIND_SERVICE may be added`);
    const nonRoot = sc.runAsNonRoot ?? (podNonRoot ? true : undefined);
    if (nonRoot !== true) {
      ctx.report(
        'pss/run-as-non-root',
        obj,
        sc.runAsNonRoot === false
          ? `${who} sets runAsNonRoot: false`
          : podSc.runAsNonRoot === false
            ? `${who} may run as root: the pod sets runAsNonRoot: false and the container does not override it`
            : `${who} may run as root: runAsNonRoot is set neither on the pod nor on the container`,
      );
    }
    if (sc.runAsUser === 0) ctx.report('pss/run-as-non-root', obj, `${who} sets runAsUser: 0 (root)`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && !SECCOMP_OK.has(seccomp)) {
      ctx.report('pss/seccomp', obj, `${who} sets seccompProfile.type ${show(seccomp)}; RuntimeDefault or Localhost is required`);
    } else if (seccomp === undefined && podSeccomp === undefined) {
      ctx.report('pss/seccomp', obj, `${who} has no seccompProfile, and the pod sets none`);
    }
    for (const p of asArray(c.ports)) {
      if (typeof p?.hostPort === 'number' && p.hostPort !== 0) ctx.report('pss/host-ports', obj, `${who} sets hostPort ${p.hostPort}`);
    }
    if (sc.procMount !== undefined && sc.procMount !== 'Default')
      ctx.report('pss/proc-sysctls', obj, `${who} sets procMount ${show(sc.procMount)}`);
    checkSeLinux(ctx, pod, `${who} securityContext`, sc.seLinuxOptions);
    if (sc.appArmorProfile?.type === 'Unconfined') ctx.report('pss/proc-sysctls', obj, `${who} sets appArmorProfile Unconfined`);
  }
}

function checkSeLinux(ctx: GateContext, pod: PodTemplate, where: string, options: any): void {
  if (!isObject(options)) return;
  if (options.user !== undefined || options.role !== undefined)
    ctx.report('pss/proc-sysctls', pod.owner, `${where}.seLinuxOptions sets a custom user or role`);
  if (options.type !== undefined && !SELINUX_TYPES.has(options.type))
    ctx.report('pss/proc-sysctls', pod.owner, `${where}.seLinuxOptions.type ${show(options.type)} is not allowed`);
}
