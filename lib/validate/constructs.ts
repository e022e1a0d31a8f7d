import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from '../internal/errors';
import { RULES, ruleInfo } from './rules';
import { objectKey, ValidateOptions, Waiver } from './types';

/** Construct metadata type of a waiver: data `{ ruleId, reason }`. */
export const WAIVER_METADATA = 'kstack:waiver';
/** Construct metadata type naming a Secret that exists outside the synthesized set: data is the name. */
export const EXTERNAL_SECRET_METADATA = 'kstack:external-secret';
/** Construct metadata type naming any object that exists outside the set: data `{ kind, name }`. */
export const EXTERNAL_METADATA = 'kstack:external';

/**
 * Waives a gate rule for every object produced under `construct`. The reason is printed on
 * every synth ("waived: <rule> on <object>: <reason>"), so a waiver is never silent.
 */
export function waive(construct: IConstruct, ruleId: string, reason: string): void {
  const path = construct.node.path;
  if (!ruleInfo(ruleId)) throw propError(path, 'ruleId', `must be a rule id of the gate (${RULES.map((r) => r.id).join(', ')})`, ruleId);
  if (typeof reason !== 'string' || reason.trim().length < 10) {
    throw propError(path, 'reason', 'must say why the rule does not apply here (at least 10 characters)', reason);
  }
  construct.node.addMetadata(WAIVER_METADATA, { ruleId, reason: reason.trim().replace(/\s+/g, ' ') });
}

/**
 * Declares that an object referenced under `construct` (a Secret by default) is created outside
 * kstack, in the construct's chart namespace unless `namespace` names another (a shared Gateway).
 */
export function declareExternal(construct: IConstruct, name: string, kind = 'Secret', namespace?: string): void {
  if (kind === 'Secret' && namespace === undefined) construct.node.addMetadata(EXTERNAL_SECRET_METADATA, name);
  else construct.node.addMetadata(EXTERNAL_METADATA, { kind, name, namespace });
}

/** Gate options read from construct trees: construct paths of the objects, waivers, external objects. */
export type GateConstructContext = Required<Pick<ValidateOptions, 'constructPaths' | 'waivers' | 'external'>>;

/**
 * Walks the charts once: maps every ApiObject (kind/namespace/name) to its construct path, and
 * collects `kstack:waiver` and `kstack:external*` metadata. Two ApiObjects with the same
 * kind/namespace/name end in a KstackPropError naming both construct paths.
 */
export function collectGateContext(scopes: readonly IConstruct[]): GateConstructContext {
  const constructPaths = new Map<string, string>();
  const exact = new Map<string, string>();
  const waivers: Waiver[] = [];
  const external: string[] = [];
  for (const scope of scopes) {
    for (const c of scope.node.findAll()) {
      if (c instanceof ApiObject) {
        const ns = c.metadata.namespace;
        const key = objectKey(c.kind, ns, c.name);
        const group = c.apiVersion.includes('/') ? c.apiVersion.slice(0, c.apiVersion.indexOf('/')) : '';
        const other = exact.get(`${group}\0${key}`);
        if (other !== undefined) {
          throw propError(
            c.node.path,
            'name',
            `must be unique per kind and namespace: ${c.kind}/${ns ? `${ns}/` : ''}${c.name} is also produced by ${other}`,
            c.name,
          );
        }
        exact.set(`${group}\0${key}`, c.node.path);
        constructPaths.set(key, c.node.path);
        // Cluster-scoped objects (a Namespace) lose the chart namespace in synthesis: also map kind//name.
        const bare = objectKey(c.kind, undefined, c.name);
        if (!constructPaths.has(bare)) constructPaths.set(bare, c.node.path);
      }
      const metadata = c.node.metadata;
      if (metadata.length === 0) continue;
      let namespace: string | undefined;
      try {
        namespace = Chart.of(c).namespace;
      } catch {
        namespace = undefined;
      }
      const prefix = namespace ? `/${namespace}/` : '/';
      for (const m of metadata) {
        if (m.type === WAIVER_METADATA) waivers.push({ path: c.node.path, ruleId: m.data.ruleId, reason: m.data.reason });
        else if (m.type === EXTERNAL_SECRET_METADATA) external.push(`Secret${prefix}${m.data}`);
        else if (m.type === EXTERNAL_METADATA)
          external.push(`${m.data.kind}${m.data.namespace ? `/${m.data.namespace}/` : prefix}${m.data.name}`);
      }
    }
  }
  return { constructPaths, waivers, external };
}
