import { showValue } from '../internal/format';
import { isRecord } from '../internal/json';
import { RuleId, ruleInfo } from './rules';
import { Finding, objectKey, SchemaResultCache, ValidateOptions, Waiver } from './types';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** An object of the set, with its identity read once. */
export interface Obj {
  readonly raw: any;
  readonly apiVersion: string;
  /** API group ('' for core). */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** '' when unset. */
  readonly namespace: string;
  /** 'Kind/namespace/name' or 'Kind/name'. */
  readonly id: string;
  readonly path?: string;
}

/** A pod template of a workload (or a bare Pod). */
export interface PodTemplate {
  readonly owner: Obj;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: any;
  /** Where the pod spec is, for messages: 'spec.template.spec'. */
  readonly where: string;
  /** Deployments, StatefulSets, DaemonSets...: not Jobs, CronJobs or run-to-completion Pods. */
  readonly longRunning: boolean;
  /** containers, then initContainers, then ephemeralContainers, each with its list name. */
  readonly containers: readonly { readonly c: any; readonly list: 'containers' | 'initContainers' | 'ephemeralContainers' }[];
}

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);
const DEV_ENVS = new Set(['dev', 'development', 'local']);
const PROD_ENVS = new Set(['prod', 'production']);

/** isRecord, typed for manifests as read (untyped JSON). */
export const isObject: (v: unknown) => v is Record<string, any> = isRecord;

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function asRecord(v: unknown): Record<string, any> {
  return isObject(v) ? v : {};
}

/** A value for a message: see showValue. */
export const show = (v: unknown): string => showValue(v);

/**
 * At most `max` items of a list for a message, then 'and N more': a finding never lists thousands.
 * `show` formats only the items shown, so a 10,000-item list costs as much as a 5-item one.
 */
export function listCapped<T>(items: readonly T[], max = 5, show: (item: T) => string = String): string {
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length <= max ? shown : `${shown} and ${items.length - max} more`;
}

export function displayId(kind: string, namespace: string, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

/** Does a LabelSelector (matchLabels + matchExpressions) select these labels? An empty selector selects everything. */
export function selectorMatches(selector: any, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return false;
  for (const [k, v] of Object.entries(asRecord(selector.matchLabels))) if (labels[k] !== v) return false;
  for (const e of asArray(selector.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, e?.key);
    const values = asArray(e?.values);
    switch (e?.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Does a plain label map (a Service selector) select these labels? */
export function mapMatches(selector: Readonly<Record<string, unknown>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** Objects of the set, indexed once, and the findings reported so far. */
export class GateContext {
  readonly env: string;
  readonly isDev: boolean;
  readonly isProd: boolean;
  readonly objects: Obj[] = [];
  readonly pods: PodTemplate[] = [];
  readonly findings: Finding[] = [];
  readonly schemaCache?: SchemaResultCache;
  private readonly byKindNsName = new Map<string, Obj>();
  private readonly byKind = new Map<string, Obj[]>();
  /** Selector results by namespace and selector: Services and policies sharing a selector cost one lookup. */
  private readonly selected = new Map<string, PodTemplate[]>();
  private readonly podsByNs = new Map<string, PodTemplate[]>();
  private readonly podsByLabel = new Map<string, PodTemplate[]>();
  private readonly waivers: readonly Waiver[];
  /** 'Kind\0namespace\0name', with namespace '*' for entries valid in any namespace. */
  private readonly external = new Set<string>();
  private readonly constructPaths?: ReadonlyMap<string, string>;

  constructor(opts: ValidateOptions) {
    this.env = opts.env ?? 'prod';
    this.isDev = DEV_ENVS.has(this.env);
    this.isProd = PROD_ENVS.has(this.env);
    this.waivers = opts.waivers ?? [];
    this.constructPaths = opts.constructPaths;
    this.schemaCache = opts.schemaCache;
    for (const e of opts.external ?? []) {
      const parts = String(e).split('/');
      if (parts.length === 1) this.external.add(`Secret\0*\0${parts[0]}`);
      else if (parts.length === 2) this.external.add(`${parts[0]}\0*\0${parts[1]}`);
      else this.external.add(`${parts[0]}\0${parts[1]}\0${parts.slice(2).join('/')}`);
    }
  }

  /** Adds an object that passed the identity check. */
  add(raw: any, apiVersion: string, kind: string, name: string, namespace: string): Obj {
    const slash = apiVersion.indexOf('/');
    const path =
      this.constructPaths?.get(objectKey(kind, namespace || undefined, name)) ?? this.constructPaths?.get(objectKey(kind, undefined, name));
    const obj: Obj = {
      raw,
      apiVersion,
      group: slash < 0 ? '' : apiVersion.slice(0, slash),
      kind,
      name,
      namespace,
      id: displayId(kind, namespace, name),
      path,
    };
    this.objects.push(obj);
    const sameKind = this.byKind.get(kind);
    if (sameKind) sameKind.push(obj);
    else this.byKind.set(kind, [obj]);
    const key = `${kind}\0${namespace}\0${name}`;
    if (!this.byKindNsName.has(key)) this.byKindNsName.set(key, obj);
    const pod = podTemplateOf(obj);
    if (pod) {
      this.pods.push(pod);
      const nsList = this.podsByNs.get(namespace);
      if (nsList) nsList.push(pod);
      else this.podsByNs.set(namespace, [pod]);
      for (const [k, v] of Object.entries(pod.labels)) {
        const lk = `${namespace}\0${k}\0${v}`;
        const l = this.podsByLabel.get(lk);
        if (l) l.push(pod);
        else this.podsByLabel.set(lk, [pod]);
      }
    }
    return obj;
  }

  /** The objects of a kind, in set order (an index: no full scan per rule). */
  ofKind(kind: string): readonly Obj[] {
    return this.byKind.get(kind) ?? [];
  }

  find(kind: string, namespace: string, name: string): Obj | undefined {
    return this.byKindNsName.get(`${kind}\0${namespace}\0${name}`);
  }

  isExternal(kind: string, namespace: string, name: string): boolean {
    return this.external.has(`${kind}\0*\0${name}`) || this.external.has(`${kind}\0${namespace}\0${name}`);
  }

  /** Pod templates of the namespace carrying every label of `labels` (a Service selector); uses the label index. */
  podsWithLabels(namespace: string, labels: Readonly<Record<string, unknown>>): readonly PodTemplate[] {
    const memo = `m\0${namespace}\0${JSON.stringify(labels)}`;
    const hit = this.selected.get(memo);
    if (hit) return hit;
    const result = this.findPodsWithLabels(namespace, labels);
    this.selected.set(memo, result);
    return result;
  }

  private findPodsWithLabels(namespace: string, labels: Readonly<Record<string, unknown>>): PodTemplate[] {
    const entries = Object.entries(labels);
    if (entries.length === 0) return [...(this.podsByNs.get(namespace) ?? [])];
    // Filter the shortest index list (shared labels such as app.kubernetes.io/instance list every
    // pod, which made Services x pods quadratic); every list is in insertion order, so the result is the same.
    let candidates: PodTemplate[] | undefined;
    for (const [k, v] of entries) {
      const list = this.podsByLabel.get(`${namespace}\0${k}\0${v}`) ?? [];
      if (candidates === undefined || list.length < candidates.length) candidates = list;
      if (list.length === 0) break;
    }
    return candidates!.filter((p) => mapMatches(labels, p.labels));
  }

  /** Pod templates of the namespace a LabelSelector selects. */
  podsSelectedBy(namespace: string, selector: any): readonly PodTemplate[] {
    if (!isObject(selector)) return [];
    const memo = `s\0${namespace}\0${JSON.stringify(selector)}`;
    const hit = this.selected.get(memo);
    if (hit) return hit;
    const ml = asRecord(selector.matchLabels);
    const base = Object.keys(ml).length > 0 ? this.podsWithLabels(namespace, ml) : (this.podsByNs.get(namespace) ?? []);
    const result = asArray(selector.matchExpressions).length === 0 ? [...base] : base.filter((p) => selectorMatches(selector, p.labels));
    this.selected.set(memo, result);
    return result;
  }

  /** Records a finding on an object (or a bare id for objects that failed the identity check). */
  report(ruleId: RuleId, obj: Obj | { id: string; path?: string }, message: string, fix?: string, severity?: 'error' | 'warning'): void {
    const rule = ruleInfo(ruleId)!;
    const path = obj.path;
    const waiver =
      path === undefined
        ? this.waivers.find((w) => w.ruleId === ruleId && w.path === '')
        : this.waivers.find((w) => w.ruleId === ruleId && (w.path === '' || path === w.path || path.startsWith(`${w.path}/`)));
    this.findings.push({
      ruleId,
      severity: severity ?? rule.severity,
      env: this.env,
      object: obj.id,
      ...(path !== undefined ? { path } : {}),
      message: oneLine(message),
      fix: oneLine(fix ?? rule.fix),
      ...(waiver ? { waived: { reason: waiver.reason, path: waiver.path } } : {}),
    });
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

function podTemplateOf(obj: Obj): PodTemplate | undefined {
  const raw = obj.raw;
  let template: any;
  let where: string;
  let longRunning: boolean;
  if (TEMPLATE_KINDS.has(obj.kind)) {
    template = raw.spec?.template;
    where = 'spec.template';
    longRunning = obj.kind !== 'Job';
  } else if (obj.kind === 'CronJob') {
    template = raw.spec?.jobTemplate?.spec?.template;
    where = 'spec.jobTemplate.spec.template';
    longRunning = false;
  } else if (obj.kind === 'Pod') {
    template = raw;
    where = '';
    longRunning = (raw.spec?.restartPolicy ?? 'Always') === 'Always';
  } else {
    return undefined;
  }
  if (!isObject(template) || !isObject(template.spec)) return undefined;
  const spec = template.spec;
  const containers = [
    ...asArray(spec.containers)
      .filter(isObject)
      .map((c) => ({ c, list: 'containers' as const })),
    ...asArray(spec.initContainers)
      .filter(isObject)
      .map((c) => ({ c, list: 'initContainers' as const })),
    ...asArray(spec.ephemeralContainers)
      .filter(isObject)
      .map((c) => ({ c, list: 'ephemeralContainers' as const })),
  ];
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(template.metadata?.labels))) if (typeof v === 'string') labels[k] = v;
  return { owner: obj, labels, spec, where: where ? `${where}.spec` : 'spec', longRunning, containers };
}
