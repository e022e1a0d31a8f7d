import { parseQuantity } from '../../internal/checks/quantity';
import { asRecord, GateContext, isObject, Obj, show } from '../context';
import { qualifiedNameProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-') && parseQuantity(name.slice('hugepages-'.length)) !== undefined;
}

/** An extended resource: domain-qualified, outside kubernetes.io, not 'requests.' prefixed (IsExtendedResourceName). */
function isExtended(name: string): boolean {
  return (
    name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.') && qualifiedNameProblem(name) === undefined
  );
}

/** ValidateResourceRequirements of a container: names, quantities, requests <= limits. */
export function checkResources(ctx: GateContext, obj: Obj, c: any, who: string): void {
  const res = c.resources;
  if (!isObject(res)) return;
  const limits = asRecord(res.limits);
  const requests = asRecord(res.requests);
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const [field, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [name, value] of Object.entries(map)) {
      const at = `${who}.resources.${field}.${name}`;
      if (!STANDARD.has(name) && !isHugePages(name) && !isExtended(name)) {
        ctx.report(
          'api/resources',
          obj,
          `${at}: ${show(name)} must be a standard resource (cpu, memory, ephemeral-storage, hugepages-<size>) or a domain-qualified extended resource`,
        );
        continue;
      }
      const q = parseQuantity(value);
      if (q === undefined) ctx.report('api/resources', obj, `${at} must be a quantity such as '250m', '512Mi' or '1', got ${show(value)}`);
      else if (q < 0) ctx.report('api/resources', obj, `${at} must be greater than or equal to 0, got ${show(value)}`);
      else if (isExtended(name) && !Number.isInteger(q))
        ctx.report('api/resources', obj, `${at} must be an integer for an extended resource, got ${show(value)}`);
      else parsed[field][name] = q;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    const at = `${who}.resources.requests.${name}`;
    if (lim !== undefined && req > lim)
      ctx.report(
        'api/resources',
        obj,
        `${at} must be less than or equal to ${name} limit of ${show(limits[name])}, got ${show(requests[name])}`,
      );
    if (isExtended(name) && lim !== req)
      ctx.report(
        'api/resources',
        obj,
        lim === undefined
          ? `${who}.resources.limits.${name} must be set for the non-overcommitable resource ${name}`
          : `${at} must be equal to ${name} limit of ${show(limits[name])}`,
      );
  }
  const huge = Object.keys({ ...limits, ...requests }).some(isHugePages);
  if (huge && limits.cpu === undefined && limits.memory === undefined && requests.cpu === undefined && requests.memory === undefined)
    ctx.report('api/resources', obj, `${who}.resources: HugePages require cpu or memory`);
}
