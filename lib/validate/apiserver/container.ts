import { mountPathProblem } from '../../internal/checks/mount';
import { DATA_KEY } from '../../internal/patterns';
import { asArray, asRecord, GateContext, isObject, PodTemplate, show } from '../context';
import { checkProbes } from './probe';
import { checkResources } from './resources';
import { checkSeccomp, fieldProblem, idProblem, oneOf, portNumProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

type Entry = PodTemplate['containers'][number];

/** Containers, init containers and ephemeral containers: validateContainers and its helpers. */
export function checkContainers(ctx: GateContext, pod: PodTemplate): void {
  for (const entry of pod.containers) {
    const who = `${pod.where}.${entry.list}[${show(entry.c.name)}]`;
    checkContainerFields(ctx, pod, entry, who);
    checkPorts(ctx, pod, entry, who);
    checkEnv(ctx, pod, entry.c, who);
    checkMounts(ctx, pod, entry.c, who);
    checkContainerSecurity(ctx, pod, entry.c, who);
    checkProbes(ctx, pod, entry, who);
    checkResources(ctx, pod.owner, entry.c, who);
  }
}

function checkContainerFields(ctx: GateContext, pod: PodTemplate, { c, list }: Entry, who: string): void {
  const obj = pod.owner;
  if (typeof c.image !== 'string' || c.image === '') ctx.report('api/container', obj, `${who}.image is required`);
  else if (c.image.trim() !== c.image)
    ctx.report('api/container', obj, `${who}.image must not have leading or trailing whitespace, got ${show(c.image)}`);
  oneOf(ctx, 'api/container', obj, `${who}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']);
  oneOf(ctx, 'api/container', obj, `${who}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']);
  if (c.restartPolicy !== undefined) {
    if (list !== 'initContainers') ctx.report('api/container', obj, `${who}.restartPolicy may not be set for non-init containers`);
    else if (c.restartPolicy !== 'Always')
      ctx.report('api/container', obj, `${who}.restartPolicy must be 'Always' (a sidecar) or unset, got ${show(c.restartPolicy)}`);
  }
}

function checkPorts(ctx: GateContext, pod: PodTemplate, { c }: Entry, who: string): void {
  const obj = pod.owner;
  const ports = asArray(c.ports);
  ports.forEach((p, i) => {
    if (!isObject(p)) return;
    const at = `${who}.ports[${i}]`;
    if (p.containerPort === undefined) ctx.report('api/container-port', obj, `${at}.containerPort is required`);
    fieldProblem(ctx, 'api/container-port', obj, `${at}.containerPort`, p.containerPort, portNumProblem(p.containerPort));
    if (p.hostPort !== undefined && p.hostPort !== 0)
      fieldProblem(ctx, 'api/container-port', obj, `${at}.hostPort`, p.hostPort, portNumProblem(p.hostPort));
    oneOf(ctx, 'api/container-port', obj, `${at}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
    if (pod.spec.hostNetwork === true && p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort)
      ctx.report(
        'api/container-port',
        obj,
        `${at}.hostPort must match \`containerPort\` when \`hostNetwork\` is true, got ${show(p.hostPort)}`,
      );
  });
  // A PORT env var the server listens on that no containerPort declares: probes and Services miss it.
  const portEnv = asArray(c.env).find((e) => e?.name === 'PORT' && typeof e.value === 'string');
  const declared = ports.map((p) => p?.containerPort);
  if (portEnv && declared.length > 0 && !declared.some((p) => String(p) === portEnv.value))
    ctx.report(
      'runtime/port-env',
      obj,
      `${who} sets PORT=${show(portEnv.value)} but declares containerPort ${declared.map((p) => show(p)).join(', ')}`,
    );
}

const FIELD_PATHS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const FIELD_PATH_SUBSCRIPT = /^metadata\.(labels|annotations)\['[^']+'\]$/;
const RESOURCE_FIELDS = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-.+)$/;
const SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'];

/** IsEnvVarName as relaxed in Kubernetes 1.32 (RelaxedEnvironmentVariableValidation): printable ASCII without '='. */
export function envNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'must be a non-empty string';
  if (!/^[\x20-\x7e]+$/.test(name) || name.includes('=')) return "must consist of printable ASCII characters except '='";
  return undefined;
}

function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'is required';
  if (key.length > 253 || !DATA_KEY.test(key) || key === '.' || key === '..' || key.startsWith('..'))
    return "must be a valid config key: letters, digits, '-', '_' or '.', not '.' or '..'";
  return undefined;
}

function checkEnv(ctx: GateContext, pod: PodTemplate, c: any, who: string): void {
  const obj = pod.owner;
  asArray(c.env).forEach((e, i) => {
    if (!isObject(e)) return;
    const at = `${who}.env[${i}]`;
    fieldProblem(ctx, 'api/env', obj, `${at}.name`, e.name, envNameProblem(e.name));
    const from = e.valueFrom;
    if (from === undefined || from === null) return;
    if (typeof e.value === 'string' && e.value !== '')
      ctx.report('api/env', obj, `${at}.valueFrom may not be specified when \`value\` is not empty`);
    const set = SOURCES.filter((s) => isObject(from?.[s]));
    if (set.length !== 1) {
      ctx.report(
        'api/env',
        obj,
        `${at}.valueFrom ${set.length === 0 ? `must specify one of: ${SOURCES.join(', ')}` : 'may not have more than one field specified at a time'}`,
      );
      return;
    }
    const src = from[set[0]];
    if (set[0] === 'fieldRef' && !(FIELD_PATHS.has(src.fieldPath) || FIELD_PATH_SUBSCRIPT.test(src.fieldPath)))
      ctx.report('api/env', obj, `${at}.valueFrom.fieldRef.fieldPath is not a supported field, got ${show(src.fieldPath)}`);
    if (set[0] === 'resourceFieldRef' && !RESOURCE_FIELDS.test(src.resource))
      ctx.report(
        'api/env',
        obj,
        `${at}.valueFrom.resourceFieldRef.resource must be limits.* or requests.* of cpu, memory, ephemeral-storage or hugepages, got ${show(src.resource)}`,
      );
    if (set[0] === 'configMapKeyRef' || set[0] === 'secretKeyRef') {
      if (typeof src.name !== 'string' || src.name === '') ctx.report('api/env', obj, `${at}.valueFrom.${set[0]}.name is required`);
      const kp = keyProblem(src.key);
      if (kp) ctx.report('api/env', obj, `${at}.valueFrom.${set[0]}.key ${kp}, got ${show(src.key ?? null)}`);
    }
  });
  asArray(c.envFrom).forEach((ef, i) => {
    if (!isObject(ef)) return;
    const at = `${who}.envFrom[${i}]`;
    if (ef.prefix !== undefined && ef.prefix !== '')
      fieldProblem(ctx, 'api/env', obj, `${at}.prefix`, ef.prefix, envNameProblem(ef.prefix));
    const set = ['configMapRef', 'secretRef'].filter((s) => isObject(ef[s]));
    if (set.length !== 1)
      ctx.report(
        'api/env',
        obj,
        `${at} ${set.length === 0 ? 'must specify one of: `configMapRef` or `secretRef`' : 'may not have more than one field specified at a time'}`,
      );
    else if (typeof ef[set[0]].name !== 'string' || ef[set[0]].name === '') ctx.report('api/env', obj, `${at}.${set[0]}.name is required`);
  });
}

/** A relative path without '..' elements (validateLocalDescendingPath). */
export function descendingPathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '') return undefined;
  if (p.startsWith('/')) return 'must be a relative path';
  if (p.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

function checkMounts(ctx: GateContext, pod: PodTemplate, c: any, who: string): void {
  const obj = pod.owner;
  asArray(c.volumeMounts).forEach((m, i) => {
    if (!isObject(m)) return;
    const at = `${who}.volumeMounts[${i}]`;
    if (typeof m.mountPath !== 'string' || m.mountPath === '') ctx.report('schema/volume-mount', obj, `${at}.mountPath is required`);
    else if (mountPathProblem(m.mountPath)?.startsWith("must not be '/'"))
      ctx.report(
        'runtime/mount-root',
        obj,
        `${at}.mountPath ${mountPathProblem(m.mountPath)}, got ${show(m.mountPath)} (volume ${show(m.name)})`,
      );
    fieldProblem(ctx, 'schema/volume-mount', obj, `${at}.subPath`, m.subPath, descendingPathProblem(m.subPath));
    if (m.subPath && m.subPathExpr) ctx.report('schema/volume-mount', obj, `${at}.subPathExpr and subPath are mutually exclusive`);
    oneOf(ctx, 'schema/volume-mount', obj, `${at}.mountPropagation`, m.mountPropagation, ['None', 'HostToContainer', 'Bidirectional']);
  });
}

function checkContainerSecurity(ctx: GateContext, pod: PodTemplate, c: any, who: string): void {
  const obj = pod.owner;
  const sc = c.securityContext;
  if (!isObject(sc)) return;
  const at = `${who}.securityContext`;
  for (const f of ['runAsUser', 'runAsGroup']) fieldProblem(ctx, 'api/security-context', obj, `${at}.${f}`, sc[f], idProblem(sc[f]));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true)
      ctx.report('api/security-context', obj, `${at} cannot set \`allowPrivilegeEscalation\` to false and \`privileged\` to true`);
    const added = asArray(asRecord(sc.capabilities).add);
    if (added.includes('SYS_ADMIN') || added.includes('CAP_SYS_ADMIN'))
      ctx.report(
        'api/security-context',
        obj,
        `${at} cannot set \`allowPrivilegeEscalation\` to false and \`capabilities.Add\` CAP_SYS_ADMIN`,
      );
  }
  oneOf(ctx, 'api/security-context', obj, `${at}.procMount`, sc.procMount, ['Default', 'Unmasked']);
  checkSeccomp(ctx, obj, at, sc.seccompProfile);
}
