/**
 * What changes between two sets of Kubernetes objects (two synth outputs, or two environments of
 * one stack): objects added, removed and changed, each change with its field path. Secret values
 * are never shown. Pure: the CLI (`kstack diff`) reads the files and prints the result.
 */
import { showValue } from './internal/format';
import { isRecord } from './internal/json';

/** A Kubernetes object as read from a manifest. */
export type ManifestObject = {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: unknown;
  readonly [k: string]: unknown;
};

/** One changed field. */
export interface FieldChange {
  /** Field path, e.g. 'spec.template.spec.containers[api].image' (named list items by name). */
  readonly path: string;
  /** The value before, shown on one line; undefined when the field was added. Secret values: '(secret)'. */
  readonly before?: string;
  /** The value after; undefined when the field was removed. */
  readonly after?: string;
}

/** One object that differs. */
export interface ObjectChange {
  /** 'Kind/namespace/name' of the object (of the first set when matched across namespaces). */
  readonly object: string;
  readonly changes: readonly FieldChange[];
}

export interface ManifestDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ObjectChange[];
}

export interface DiffOptions {
  /**
   * Match objects by group, kind and name only, and report a different namespace as a change
   * (comparing two environments, whose namespaces differ). @default false
   */
  readonly acrossNamespaces?: boolean;
}

/** Lists whose items are matched by name, so an insertion does not shift every later item. */
const NAMED_LISTS = new Set([
  'containers',
  'initContainers',
  'env',
  'ports',
  'volumes',
  'volumeMounts',
  'paths',
  'rules',
  'volumeClaimTemplates',
]);
const SECRET_FIELDS = new Set(['data', 'stringData']);

type Json = unknown;

function identity(obj: ManifestObject, acrossNamespaces: boolean): { key: string; display: string } {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const apiVersion = String(obj.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = String(obj.kind ?? '?');
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = String(meta.name ?? '?');
  const display = ns ? `${kind}/${ns}/${name}` : `${kind}/${name}`;
  return { key: `${group}\0${kind}\0${acrossNamespaces ? '' : ns}\0${name}`, display };
}

/** The label of a list item: its name (or path/port), else its index. */
function itemLabel(item: unknown, index: number): string {
  if (isRecord(item)) {
    for (const k of ['name', 'path', 'mountPath', 'containerPort', 'port', 'host']) {
      if (typeof item[k] === 'string' || typeof item[k] === 'number') return String(item[k]);
    }
    if (isRecord(item.metadata) && typeof item.metadata.name === 'string') return item.metadata.name;
  }
  return String(index);
}

/** Field changes from `a` to `b` under `path`; under `secret` values are never shown. */
function compare(path: string, a: Json, b: Json, secret: boolean, out: FieldChange[], secretRoot = false): void {
  const show = (v: Json) => (secret ? '(secret)' : showValue(v, 200));
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void out.push({ path, after: show(b) });
  if (b === undefined) return void out.push({ path, before: show(a) });
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) compare(path ? `${path}.${k}` : k, a[k], b[k], secret || (secretRoot && SECRET_FIELDS.has(k)), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && NAMED_LISTS.has(path.slice(path.lastIndexOf('.') + 1))) {
    const byLabel = (list: unknown[]) => new Map(list.map((item, i) => [itemLabel(item, i), item] as const));
    const ma = byLabel(a);
    const mb = byLabel(b);
    for (const label of [...new Set([...ma.keys(), ...mb.keys()])]) compare(`${path}[${label}]`, ma.get(label), mb.get(label), secret, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, before: show(a), after: show(b) });
}

/** The differences from `before` to `after`, objects in a stable order (sorted by their display name). */
export function diffManifests(
  before: readonly ManifestObject[],
  after: readonly ManifestObject[],
  options: DiffOptions = {},
): ManifestDiff {
  const across = options.acrossNamespaces ?? false;
  const index = (list: readonly ManifestObject[]) => new Map(list.map((o) => [identity(o, across).key, o] as const));
  const a = index(before);
  const b = index(after);
  const name = (o: ManifestObject) => identity(o, across).display;
  const added = [...b].filter(([k]) => !a.has(k)).map(([, o]) => name(o));
  const removed = [...a].filter(([k]) => !b.has(k)).map(([, o]) => name(o));
  const changed: ObjectChange[] = [];
  for (const [k, oa] of a) {
    const ob = b.get(k);
    if (!ob) continue;
    const changes: FieldChange[] = [];
    // A Secret's data and stringData: which keys changed, never their values.
    compare('', oa, ob, false, changes, oa.kind === 'Secret');
    if (changes.length > 0) changed.push({ object: name(oa), changes });
  }
  const byString = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return { added: added.sort(byString), removed: removed.sort(byString), changed: changed.sort((x, y) => byString(x.object, y.object)) };
}

/** The diff as text: '+ added', '- removed', '~ changed' with one indented line per field. */
export function formatDiff(diff: ManifestDiff): string {
  const lines: string[] = [];
  for (const o of diff.added) lines.push(`+ ${o}`);
  for (const o of diff.removed) lines.push(`- ${o}`);
  for (const o of diff.changed) {
    lines.push(`~ ${o.object}`);
    for (const c of o.changes) lines.push(`    ${c.path}: ${c.before ?? '(none)'} -> ${c.after ?? '(none)'}`);
  }
  const total = diff.added.length + diff.removed.length + diff.changed.length;
  lines.push(total === 0 ? 'no differences' : `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
  return `${lines.join('\n')}\n`;
}
