import { IANA_SVC_NAME, isDnsLabel, isDnsSubdomain, LABEL_VALUE, QUALIFIED_NAME } from '../internal/patterns';
import { asArray, asRecord, GateContext, isObject, Obj, selectorMatches, show } from './context';
import { createHash } from 'crypto';

type ValidateFn = (this: unknown) => void;

/** Validators by 'apiVersion/kind', looked up (and their schema modules required) once per process. */
const validators = new Map<string, ValidateFn | null>();

const GROUP = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/** The module of the typed model class of apiVersion/kind, or undefined when the name cannot be one. */
function modelModule(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!KIND.test(kind) || !VERSION.test(version) || (group !== '' && !GROUP.test(group))) return undefined;
  if (group === 'argoproj.io') return `@kubernetes-models/argo-cd/${group}/${version}/${kind}`;
  if (group === 'gateway.networking.k8s.io') return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  return group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

/** The `validate()` of the model class for apiVersion/kind; null when no schema is known. Required lazily. */
export function validatorFor(apiVersion: string, kind: string): ValidateFn | null {
  const key = `${apiVersion}/${kind}`;
  let fn = validators.get(key);
  if (fn !== undefined) return fn;
  fn = null;
  const mod = modelModule(apiVersion, kind);
  if (mod) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const model = require(mod)[kind];
      if (typeof model?.prototype?.validate === 'function') {
        const validate = model.prototype.validate as ValidateFn;
        // Validated as an instance: the Gateway API models find their schema through this.constructor
        // and pass anything that is not theirs. A shallow copy is enough.
        fn = function (this: unknown) {
          validate.call(Object.assign(Object.create(model.prototype), this));
        };
      }
    } catch (err) {
      // No model of that name: MODULE_NOT_FOUND, or (a CRD group under kubernetes-models) ERR_PACKAGE_PATH_NOT_EXPORTED.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw err;
    }
  }
  validators.set(key, fn);
  return fn;
}

const LABEL_NAME_KINDS = new Set(['Namespace', 'Service']);
const PATH_SEGMENT_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

export { isDnsLabel, isDnsSubdomain };

/** Why a label key is invalid, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return 'its prefix must be a DNS-1123 subdomain';
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    return "its name must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > 63) return 'must be at most 63 characters';
  if (!LABEL_VALUE.test(value)) return "must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** IANA service name: at most 15 characters, lower-case letters, digits and '-', at least one letter, no '--'. */
export function ianaProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > 15) return `is ${name.length} characters, at most 15 are allowed`;
  if (!IANA_SVC_NAME.test(name)) return "must be lower-case letters, digits and '-', starting and ending with a letter or digit";
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  if (name.includes('--')) return "must not contain '--'";
  return undefined;
}

/** Identity check; returns the object when it has apiVersion, kind and metadata.name. */
export function checkIdentity(ctx: GateContext, raw: unknown, index: number): Obj | undefined {
  if (!isObject(raw)) {
    ctx.report('schema/object', { id: `document #${index + 1}` }, `document #${index + 1} is not an object, got ${show(raw)}`);
    return undefined;
  }
  const { apiVersion, kind } = raw;
  const metadata = raw.metadata;
  const name = isObject(metadata) ? metadata.name : undefined;
  const namespace = isObject(metadata) ? metadata.namespace : undefined;
  const missing = [
    typeof apiVersion === 'string' && apiVersion ? undefined : 'apiVersion',
    typeof kind === 'string' && kind ? undefined : 'kind',
    typeof name === 'string' && name ? undefined : 'metadata.name',
  ].filter(Boolean);
  if (missing.length > 0 || (namespace !== undefined && typeof namespace !== 'string')) {
    const id = typeof kind === 'string' && typeof name === 'string' ? `${kind}/${name}` : `document #${index + 1}`;
    ctx.report(
      'schema/object',
      { id },
      missing.length > 0
        ? `document #${index + 1} has no ${missing.join(', ')}`
        : `metadata.namespace must be a string, got ${show(namespace)}`,
    );
    return undefined;
  }
  return ctx.add(raw, apiVersion, kind, name, namespace ?? '');
}

/** The key of an object in a {@link SchemaResultCache}: SHA-1 of its JSON (synthesized key order is deterministic). */
export function schemaDigest(raw: unknown): string {
  return createHash('sha1').update(JSON.stringify(raw)).digest('base64');
}

/** OpenAPI schema of the object's kind (skipped when the caller's cache says the same object passed before). */
export function checkOpenApi(ctx: GateContext, obj: Obj): void {
  const cache = ctx.schemaCache;
  const digest = cache ? schemaDigest(obj.raw) : undefined;
  if (digest !== undefined && cache!.has(digest)) return;
  const validate = validatorFor(obj.apiVersion, obj.kind);
  if (validate === null) {
    ctx.report('schema/unknown-kind', obj, `no schema is known for ${obj.apiVersion} ${obj.kind}; it is not schema-checked`);
    return;
  }
  try {
    validate.call(obj.raw);
    if (digest !== undefined) cache!.add(digest);
  } catch (err) {
    const message = String((err as Error).message ?? err)
      .replace(/\bdata\//g, '/')
      .replace(/\bdata /g, '/ ');
    ctx.report(
      'schema/openapi',
      obj,
      `${obj.kind} fails the ${obj.group.endsWith('argoproj.io') ? 'Argo CD CRD' : 'Kubernetes'} schema: ${message.length > 300 ? `${message.slice(0, 297)}...` : message}`,
    );
  }
}

export function checkNames(ctx: GateContext, obj: Obj): void {
  const { kind, name, namespace } = obj;
  if (PATH_SEGMENT_KINDS.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name))
      ctx.report('schema/name', obj, `metadata.name must not be '.' or '..' nor contain '/' or '%', got ${show(name)}`);
  } else if (LABEL_NAME_KINDS.has(kind)) {
    if (!isDnsLabel(name))
      ctx.report('schema/name', obj, `metadata.name of a ${kind} must be a DNS-1123 label (at most 63 characters), got ${show(name)}`);
  } else if (!isDnsSubdomain(name)) {
    ctx.report('schema/name', obj, `metadata.name must be a DNS-1123 subdomain (at most 253 characters), got ${show(name)}`);
  } else if (kind === 'CronJob' && name.length > 52) {
    ctx.report(
      'schema/name',
      obj,
      `metadata.name of a CronJob must be at most 52 characters (Job names get a suffix), got ${name.length}: ${show(name)}`,
    );
  }
  if (namespace !== '' && !isDnsLabel(namespace))
    ctx.report('schema/name', obj, `metadata.namespace must be a DNS-1123 label, got ${show(namespace)}`);
}

function checkLabelMap(ctx: GateContext, obj: Obj, where: string, labels: unknown): void {
  if (labels === undefined || labels === null) return;
  if (!isObject(labels)) return; // the OpenAPI schema reports the type
  for (const [k, v] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) ctx.report('schema/labels', obj, `${where} key ${show(k)} is invalid: ${keyProblem}`);
    const valueProblem = labelValueProblem(v);
    if (valueProblem) ctx.report('schema/labels', obj, `${where} ${show(k)} value ${valueProblem}, got ${show(v)}`);
  }
}

export function checkLabels(ctx: GateContext, obj: Obj): void {
  const raw = obj.raw;
  checkLabelMap(ctx, obj, 'metadata.labels', raw.metadata?.labels);
  if (obj.kind === 'Service') checkLabelMap(ctx, obj, 'spec.selector', raw.spec?.selector);
  else if (isObject(raw.spec?.selector)) checkLabelMap(ctx, obj, 'spec.selector.matchLabels', raw.spec.selector.matchLabels);
  if (obj.kind === 'NetworkPolicy') checkLabelMap(ctx, obj, 'spec.podSelector.matchLabels', raw.spec?.podSelector?.matchLabels);
  if (obj.kind === 'CronJob')
    checkLabelMap(ctx, obj, 'spec.jobTemplate.spec.template.metadata.labels', raw.spec?.jobTemplate?.spec?.template?.metadata?.labels);
  else if (isObject(raw.spec?.template)) checkLabelMap(ctx, obj, 'spec.template.metadata.labels', raw.spec.template.metadata?.labels);
}

const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export function checkSelector(ctx: GateContext, obj: Obj): void {
  if (!SELECTOR_KINDS.has(obj.kind)) return;
  const selector = obj.raw.spec?.selector;
  if (!isObject(selector)) return; // required: the OpenAPI schema reports it
  const labels = asRecord(obj.raw.spec?.template?.metadata?.labels);
  if (Object.keys(asRecord(selector.matchLabels)).length === 0 && asArray(selector.matchExpressions).length === 0) {
    ctx.report('schema/selector', obj, 'spec.selector is empty; the API server rejects an empty selector for a workload');
  } else if (!selectorMatches(selector, labels)) {
    ctx.report(
      'schema/selector',
      obj,
      `spec.selector ${show(selector.matchLabels ?? selector)} does not match the pod template labels ${show(labels)}`,
    );
  }
}

/** Port names, container names and volume mounts of pod templates; Service port names. */
export function checkPodStructure(ctx: GateContext): void {
  for (const pod of ctx.pods) {
    const obj = pod.owner;
    const names = new Set<string>();
    for (const { c, list } of pod.containers) {
      const cname = c.name;
      if (!isDnsLabel(cname)) ctx.report('schema/container-name', obj, `${list} name must be a DNS-1123 label, got ${show(cname)}`);
      else if (names.has(cname))
        ctx.report(
          'schema/container-name',
          obj,
          `container name ${show(cname)} is used twice in the pod (containers and initContainers share one namespace)`,
        );
      names.add(cname);
      const portNames = new Set<string>();
      for (const p of asArray(c.ports)) {
        if (p?.name === undefined) continue;
        const problem = ianaProblem(p.name);
        if (problem)
          ctx.report('schema/port-name', obj, `container ${show(cname)} port name ${show(p.name)} ${problem} (IANA service name)`);
        else if (portNames.has(p.name))
          ctx.report('schema/port-name', obj, `container ${show(cname)} declares port name ${show(p.name)} twice`);
        portNames.add(p.name);
      }
    }
    const volumes = new Set<string>();
    for (const v of asArray(pod.spec.volumes)) {
      if (typeof v?.name !== 'string') continue;
      if (volumes.has(v.name))
        ctx.report('schema/volume-mount', obj, `volume name ${show(v.name)} is declared twice in ${pod.where}.volumes`);
      volumes.add(v.name);
    }
    if (obj.kind === 'StatefulSet')
      for (const t of asArray(obj.raw.spec?.volumeClaimTemplates)) if (typeof t?.metadata?.name === 'string') volumes.add(t.metadata.name);
    for (const { c } of pod.containers) {
      const mountPaths = new Set<string>();
      for (const m of asArray(c.volumeMounts)) {
        if (typeof m?.name === 'string' && !volumes.has(m.name)) {
          ctx.report(
            'schema/volume-mount',
            obj,
            `container ${show(c.name)} mounts volume ${show(m.name)} at ${show(m.mountPath)}, but the pod declares no such volume (declared: ${show([...volumes])})`,
          );
        }
        if (typeof m?.mountPath === 'string') {
          if (mountPaths.has(m.mountPath))
            ctx.report('schema/volume-mount', obj, `container ${show(c.name)} mounts two volumes at ${show(m.mountPath)}`);
          mountPaths.add(m.mountPath);
        }
      }
    }
  }
  for (const obj of ctx.objects) {
    if (obj.kind !== 'Service') continue;
    const ports = asArray(obj.raw.spec?.ports);
    const seen = new Set<string>();
    for (const p of ports) {
      if (p?.name === undefined) {
        if (ports.length > 1)
          ctx.report(
            'schema/port-name',
            obj,
            `Service port ${show(p?.port)} has no name; every port must be named when a Service has several`,
          );
        continue;
      }
      if (!isDnsLabel(p.name)) ctx.report('schema/port-name', obj, `Service port name ${show(p.name)} must be a DNS-1123 label`);
      else if (seen.has(p.name)) ctx.report('schema/port-name', obj, `Service port name ${show(p.name)} is used twice`);
      seen.add(p.name);
    }
  }
}

export function checkDuplicates(ctx: GateContext): void {
  const seen = new Map<string, Obj>();
  for (const obj of ctx.objects) {
    const key = `${obj.group}\0${obj.kind}\0${obj.namespace}\0${obj.name}`;
    const first = seen.get(key);
    if (first) {
      ctx.report(
        'schema/duplicate-object',
        obj,
        `${obj.id} is defined twice${first.path ? ` (also by ${first.path})` : ''}; the second overwrites the first`,
      );
    } else {
      seen.set(key, obj);
    }
  }
}
