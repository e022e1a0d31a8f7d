import { parseQuantity } from '../../internal/checks/quantity';
import { asArray, GateContext, isObject, Obj, show } from '../context';
import { checkLabelSelector, fieldProblem, intOrPercentProblem, oneOf } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

const PATH_SEGMENT_BAD = /[/%]/;
const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'ContainerResource', 'External'];
const SOURCE_FIELD: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  ContainerResource: 'containerResource',
  External: 'external',
};

/** validateHorizontalPodAutoscalerSpec (autoscaling/v2 and v1). */
export function checkHpa(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  const min = spec.minReplicas ?? 1;
  if (typeof min === 'number' && min < 1)
    ctx.report('api/hpa', obj, `spec.minReplicas must be greater than or equal to 1, got ${show(min)}`);
  if (typeof spec.maxReplicas === 'number' && spec.maxReplicas < 1)
    ctx.report('api/hpa', obj, `spec.maxReplicas must be greater than 0, got ${show(spec.maxReplicas)}`);
  else if (typeof spec.maxReplicas === 'number' && typeof min === 'number' && spec.maxReplicas < min)
    ctx.report('api/hpa', obj, `spec.maxReplicas must be greater than or equal to \`minReplicas\` (${min}), got ${show(spec.maxReplicas)}`);
  const ref = spec.scaleTargetRef;
  for (const f of ['kind', 'name']) {
    const v = ref?.[f];
    if (typeof v !== 'string' || v === '') ctx.report('api/hpa', obj, `spec.scaleTargetRef.${f} is required`);
    else if (v === '.' || v === '..' || PATH_SEGMENT_BAD.test(v))
      ctx.report('api/hpa', obj, `spec.scaleTargetRef.${f} may not be '.' or '..' nor contain '/' or '%', got ${show(v)}`);
  }
  if (typeof spec.targetCPUUtilizationPercentage === 'number' && spec.targetCPUUtilizationPercentage < 1)
    ctx.report(
      'api/hpa',
      obj,
      `spec.targetCPUUtilizationPercentage must be greater than 0, got ${show(spec.targetCPUUtilizationPercentage)}`,
    );
  asArray(spec.metrics).forEach((m, i) => checkMetric(ctx, obj, `spec.metrics[${i}]`, m));
  if (isObject(spec.behavior))
    for (const dir of ['scaleUp', 'scaleDown']) checkScalingRules(ctx, obj, `spec.behavior.${dir}`, spec.behavior[dir]);
}

function checkMetric(ctx: GateContext, obj: Obj, at: string, m: any): void {
  if (!isObject(m)) return;
  if (!METRIC_TYPES.includes(m.type))
    return ctx.report('api/hpa', obj, `${at}.type must be one of ${METRIC_TYPES.join(', ')}, got ${show(m.type ?? null)}`);
  const expected = SOURCE_FIELD[m.type];
  const present = Object.values(SOURCE_FIELD).filter((f) => isObject(m[f]));
  if (!present.includes(expected)) ctx.report('api/hpa', obj, `${at}.${expected} must populate information for the given metric source`);
  for (const f of present) if (f !== expected) ctx.report('api/hpa', obj, `${at}.${f} must populate the given metric source only`);
  const src = m[expected];
  if (!isObject(src)) return;
  const t = src.target;
  if (!isObject(t)) return ctx.report('api/hpa', obj, `${at}.${expected}.target is required`);
  const tat = `${at}.${expected}.target`;
  oneOf(ctx, 'api/hpa', obj, `${tat}.type`, t.type ?? '', ['Utilization', 'Value', 'AverageValue']);
  for (const f of ['value', 'averageValue']) {
    if (t[f] === undefined) continue;
    const q = parseQuantity(t[f]);
    if (q === undefined || q <= 0) ctx.report('api/hpa', obj, `${tat}.${f} must be positive, got ${show(t[f])}`);
  }
  if (typeof t.averageUtilization === 'number' && t.averageUtilization < 1)
    ctx.report('api/hpa', obj, `${tat}.averageUtilization must be greater than 0, got ${show(t.averageUtilization)}`);
  if (m.type === 'Resource' || m.type === 'ContainerResource') {
    if (typeof src.name !== 'string' || src.name === '') ctx.report('api/hpa', obj, `${at}.${expected}.name must specify a resource name`);
    if (t.averageUtilization === undefined && t.averageValue === undefined)
      ctx.report('api/hpa', obj, `${tat} must set either a target raw value or a target utilization`);
    if (t.averageUtilization !== undefined && t.averageValue !== undefined)
      ctx.report('api/hpa', obj, `${tat} may not set both a target raw value and a target utilization`);
  }
  if (m.type === 'Pods' && t.averageValue === undefined)
    ctx.report('api/hpa', obj, `${tat}.averageValue must specify a positive target averageValue`);
  if ((m.type === 'Object' || m.type === 'External') && t.value === undefined && t.averageValue === undefined)
    ctx.report('api/hpa', obj, `${tat} must set either a target value or averageValue`);
}

function checkScalingRules(ctx: GateContext, obj: Obj, at: string, rules: any): void {
  if (!isObject(rules)) return;
  const w = rules.stabilizationWindowSeconds;
  if (typeof w === 'number' && (w < 0 || w > 3600))
    ctx.report('api/hpa', obj, `${at}.stabilizationWindowSeconds must be between 0 and 3600, got ${show(w)}`);
  oneOf(ctx, 'api/hpa', obj, `${at}.selectPolicy`, rules.selectPolicy, ['Max', 'Min', 'Disabled']);
  asArray(rules.policies).forEach((p, i) => {
    if (!isObject(p)) return;
    const pat = `${at}.policies[${i}]`;
    oneOf(ctx, 'api/hpa', obj, `${pat}.type`, p.type ?? '', ['Pods', 'Percent']);
    if (typeof p.value === 'number' && p.value <= 0)
      ctx.report('api/hpa', obj, `${pat}.value must be greater than zero, got ${show(p.value)}`);
    if (typeof p.periodSeconds === 'number' && (p.periodSeconds <= 0 || p.periodSeconds > 1800))
      ctx.report(
        'api/hpa',
        obj,
        `${pat}.periodSeconds must be greater than zero and less than or equal to 1800, got ${show(p.periodSeconds)}`,
      );
  });
}

/** ValidatePodDisruptionBudgetSpec. */
export function checkPdb(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  const { minAvailable, maxUnavailable } = spec;
  if (minAvailable !== undefined && minAvailable !== null && maxUnavailable !== undefined && maxUnavailable !== null)
    ctx.report('api/pdb', obj, 'spec: minAvailable and maxUnavailable cannot be both set');
  for (const [f, v] of [
    ['minAvailable', minAvailable],
    ['maxUnavailable', maxUnavailable],
  ] as const)
    if (v !== undefined && v !== null) fieldProblem(ctx, 'api/pdb', obj, `spec.${f}`, v, intOrPercentProblem(v, true));
  oneOf(ctx, 'api/pdb', obj, 'spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['IfHealthyBudget', 'AlwaysAllow']);
  checkLabelSelector(ctx, obj, 'spec.selector', spec.selector);
}
