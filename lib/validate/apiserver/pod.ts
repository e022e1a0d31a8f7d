import { MAX_INT32 } from '../../internal/checks/require';
import { isDnsLabel, isDnsSubdomain } from '../../internal/patterns';
import { asArray, asRecord, GateContext, isObject, PodTemplate, show } from '../context';
import { labelKeyProblem, labelValueProblem } from '../schema';
import { checkContainers } from './container';
import { checkVolumes } from './volume';
import { checkLabelSelector, checkSeccomp, fieldProblem, idProblem, oneOf, qualifiedNameProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.

/**
 * Pod specs as pkg/apis/core/validation/validation.go checks them (ValidatePodTemplateSpec,
 * ValidatePodSpec), with the restart policy rules of the workload kinds (apps and batch validation).
 */
export function checkPodApi(ctx: GateContext, pod: PodTemplate): void {
  const obj = pod.owner;
  const spec = pod.spec;
  const w = pod.where;
  if (asArray(spec.containers).length === 0) ctx.report('api/pod-spec', obj, `${w}.containers must list at least one container`);
  if (obj.kind !== 'Pod' && asArray(spec.ephemeralContainers).length > 0)
    ctx.report('api/pod-spec', obj, `${w}.ephemeralContainers are not allowed in a pod template`);
  checkPodFields(ctx, pod);
  checkRestartPolicy(ctx, pod);
  checkPodSecurityContext(ctx, pod);
  checkTolerations(ctx, pod);
  checkTopologySpread(ctx, pod);
  checkVolumes(ctx, pod);
  checkContainers(ctx, pod);
}

const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function checkPodFields(ctx: GateContext, pod: PodTemplate): void {
  const { owner: obj, spec, where: w } = pod;
  oneOf(ctx, 'api/pod-spec', obj, `${w}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES);
  const nameservers = asArray(spec.dnsConfig?.nameservers);
  if (spec.dnsPolicy === 'None' && nameservers.length === 0)
    ctx.report('api/pod-spec', obj, `${w}.dnsConfig.nameservers must list at least one DNS nameserver when dnsPolicy is 'None'`);
  if (nameservers.length > 3)
    ctx.report('api/pod-spec', obj, `${w}.dnsConfig.nameservers must not have more than 3 nameservers, got ${nameservers.length}`);
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > MAX_INT32))
    ctx.report('api/pod-spec', obj, `${w}.activeDeadlineSeconds must be between 1 and ${MAX_INT32}, inclusive, got ${show(ads)}`);
  for (const field of ['hostname', 'subdomain']) {
    const v = spec[field];
    if (typeof v === 'string' && v !== '' && !isDnsLabel(v))
      ctx.report('api/pod-spec', obj, `${w}.${field} must be a DNS-1123 label, got ${show(v)}`);
  }
  const sa = spec.serviceAccountName;
  if (typeof sa === 'string' && sa !== '' && !isDnsSubdomain(sa))
    ctx.report('api/pod-spec', obj, `${w}.serviceAccountName must be a DNS-1123 subdomain, got ${show(sa)}`);
  if (spec.shareProcessNamespace === true && spec.hostPID === true)
    ctx.report('api/pod-spec', obj, `${w}.shareProcessNamespace and hostPID cannot both be enabled`);
  for (const [k, v] of Object.entries(asRecord(spec.nodeSelector))) {
    const problem = labelKeyProblem(k) ?? labelValueProblem(v);
    if (problem) ctx.report('api/pod-spec', obj, `${w}.nodeSelector ${show(k)}: ${problem}`);
  }
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

function checkRestartPolicy(ctx: GateContext, pod: PodTemplate): void {
  const { owner: obj, spec, where: w } = pod;
  const policy = spec.restartPolicy;
  if (LONG_RUNNING.has(obj.kind)) {
    if (policy !== undefined && policy !== 'Always')
      ctx.report('api/restart-policy', obj, `${w}.restartPolicy must be 'Always' in a ${obj.kind}, got ${show(policy)}`);
    if (spec.activeDeadlineSeconds !== undefined)
      ctx.report('api/restart-policy', obj, `${w}.activeDeadlineSeconds is not supported in a ${obj.kind} (its pods run until replaced)`);
  } else if (obj.kind === 'Job' || obj.kind === 'CronJob') {
    // Defaulted to Always when unset, which a Job refuses.
    if (policy !== 'OnFailure' && policy !== 'Never')
      ctx.report(
        'api/restart-policy',
        obj,
        `${w}.restartPolicy must be 'OnFailure' or 'Never' in a ${obj.kind}, got ${show(policy ?? null)} (unset means 'Always')`,
      );
    else if (
      policy === 'OnFailure' &&
      isObject(obj.kind === 'Job' ? obj.raw.spec?.podFailurePolicy : obj.raw.spec?.jobTemplate?.spec?.podFailurePolicy)
    )
      ctx.report('api/restart-policy', obj, `${w}.restartPolicy must be 'Never' when podFailurePolicy is specified`);
  } else {
    oneOf(ctx, 'api/restart-policy', obj, `${w}.restartPolicy`, policy, ['Always', 'OnFailure', 'Never']);
  }
}

const SYSCTL = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function checkPodSecurityContext(ctx: GateContext, pod: PodTemplate): void {
  const { owner: obj, where: w } = pod;
  const sc = pod.spec.securityContext;
  if (!isObject(sc)) return;
  const at = `${w}.securityContext`;
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup'])
    fieldProblem(ctx, 'api/security-context', obj, `${at}.${f}`, sc[f], idProblem(sc[f]));
  asArray(sc.supplementalGroups).forEach((g, i) =>
    fieldProblem(ctx, 'api/security-context', obj, `${at}.supplementalGroups[${i}]`, g, idProblem(g)),
  );
  oneOf(ctx, 'api/security-context', obj, `${at}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always']);
  checkSeccomp(ctx, obj, at, sc.seccompProfile);
  const seen = new Set<string>();
  asArray(sc.sysctls).forEach((s, i) => {
    const name = s?.name;
    if (typeof name !== 'string' || name.length > 253 || !SYSCTL.test(name))
      ctx.report(
        'api/security-context',
        obj,
        `${at}.sysctls[${i}].name must be a sysctl name such as 'net.ipv4.ip_local_port_range', got ${show(name)}`,
      );
    else if (seen.has(name)) ctx.report('api/security-context', obj, `${at}.sysctls[${i}].name ${show(name)} is set twice`);
    seen.add(name);
  });
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function checkTolerations(ctx: GateContext, pod: PodTemplate): void {
  const { owner: obj, where: w } = pod;
  asArray(pod.spec.tolerations).forEach((t, i) => {
    if (!isObject(t)) return;
    const at = `${w}.tolerations[${i}]`;
    if (t.key !== undefined && t.key !== '') fieldProblem(ctx, 'api/pod-spec', obj, `${at}.key`, t.key, qualifiedNameProblem(t.key));
    const operator = t.operator ?? 'Equal';
    if ((t.key === undefined || t.key === '') && operator !== 'Exists')
      ctx.report('api/pod-spec', obj, `${at}.operator must be Exists when \`key\` is empty, which means "match all values and all keys"`);
    if (operator === 'Exists' && t.value !== undefined && t.value !== '')
      ctx.report('api/pod-spec', obj, `${at}.value must be empty when \`operator\` is 'Exists'`);
    if (operator !== 'Exists' && operator !== 'Equal')
      ctx.report('api/pod-spec', obj, `${at}.operator must be one of Equal, Exists, got ${show(operator)}`);
    if (t.effect !== undefined && t.effect !== '') oneOf(ctx, 'api/pod-spec', obj, `${at}.effect`, t.effect, EFFECTS);
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      ctx.report('api/pod-spec', obj, `${at}.effect must be 'NoExecute' when \`tolerationSeconds\` is set`);
  });
}

function checkTopologySpread(ctx: GateContext, pod: PodTemplate): void {
  const { owner: obj, where: w } = pod;
  const seen = new Set<string>();
  asArray(pod.spec.topologySpreadConstraints).forEach((c, i) => {
    if (!isObject(c)) return;
    const at = `${w}.topologySpreadConstraints[${i}]`;
    if (typeof c.maxSkew === 'number' && c.maxSkew <= 0)
      ctx.report('api/pod-spec', obj, `${at}.maxSkew must be greater than zero, got ${show(c.maxSkew)}`);
    if (typeof c.topologyKey !== 'string' || c.topologyKey === '') ctx.report('api/pod-spec', obj, `${at}.topologyKey can not be empty`);
    oneOf(ctx, 'api/pod-spec', obj, `${at}.whenUnsatisfiable`, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']);
    if (c.minDomains !== undefined) {
      if (typeof c.minDomains === 'number' && c.minDomains <= 0)
        ctx.report('api/pod-spec', obj, `${at}.minDomains must be greater than 0, got ${show(c.minDomains)}`);
      if (c.whenUnsatisfiable !== 'DoNotSchedule')
        ctx.report('api/pod-spec', obj, `${at}.minDomains can only use minDomains when whenUnsatisfiable=DoNotSchedule`);
    }
    const pair = `${c.topologyKey}\0${c.whenUnsatisfiable}`;
    if (seen.has(pair))
      ctx.report('api/pod-spec', obj, `${at} duplicates the {topologyKey, whenUnsatisfiable} pair of an earlier constraint`);
    seen.add(pair);
    checkLabelSelector(ctx, obj, `${at}.labelSelector`, c.labelSelector);
  });
}
