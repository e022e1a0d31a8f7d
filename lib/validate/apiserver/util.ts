import { integerProblem, MAX_INT32 } from '../../internal/checks/require';
import { QUALIFIED_NAME } from '../../internal/patterns';
import { asArray, GateContext, isObject, Obj, show } from '../context';
import { RuleId } from '../rules';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Reports `<where> <problem>, got <value>` when `problem` is set: the words a prop error uses too. */
export function fieldProblem(ctx: GateContext, rule: RuleId, obj: Obj, where: string, value: unknown, problem: string | undefined): void {
  if (problem !== undefined) ctx.report(rule, obj, `${where} ${problem}, got ${show(value)}`);
}

/** apivalidation.ValidateNonnegativeField, for a field that is set (types are the schema's business). */
export function nonNegative(ctx: GateContext, rule: RuleId, obj: Obj, where: string, value: unknown): void {
  if (typeof value === 'number' && value < 0) ctx.report(rule, obj, `${where} must be greater than or equal to 0, got ${show(value)}`);
}

/** field.NotSupported: the value, when set, is one of `allowed`. */
export function oneOf(ctx: GateContext, rule: RuleId, obj: Obj, where: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && value !== null && !allowed.includes(value as string))
    ctx.report(rule, obj, `${where} must be one of ${allowed.join(', ')}, got ${show(value)}`);
}

/** validation.IsValidPortNum: 1-65535. */
export function portNumProblem(v: unknown): string | undefined {
  return typeof v === 'number' && (v < 1 || v > 65535 || !Number.isInteger(v)) ? 'must be between 1 and 65535, inclusive' : undefined;
}

/** validation.IsValidPortName: an IANA service name. */
export function portNameProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (v.length === 0 || v.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(v)) return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter (a-z)';
  if (v.includes('--')) return 'must not contain consecutive hyphens';
  if (v.startsWith('-') || v.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

/** validatePortNumOrName: a number 1-65535 or an IANA service name. */
export function portNumOrNameProblem(v: unknown): string | undefined {
  return typeof v === 'number' ? portNumProblem(v) : portNameProblem(v);
}

/** A qualified name ('prefix/name' with a DNS-subdomain prefix, or 'name'), as label and annotation keys. */
export function qualifiedNameProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'must be a non-empty qualified name';
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix)))
    return 'must have a DNS-1123 subdomain prefix';
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    return "must be a qualified name: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS prefix and '/'";
  return undefined;
}

/** An int32 id such as runAsUser (validation.IsValidUserID/IsValidGroupID). */
export function idProblem(v: unknown): string | undefined {
  if (typeof v !== 'number') return undefined;
  return integerProblem(v, 0, MAX_INT32) ? `must be between 0 and ${MAX_INT32}, inclusive` : undefined;
}

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent (when `max100`). */
export function intOrPercentProblem(v: unknown, max100: boolean): string | undefined {
  if (typeof v === 'number') return v < 0 ? 'must be greater than or equal to 0' : undefined;
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) return "must be an integer or percentage (e.g '5%')";
    if (max100 && Number(v.slice(0, -1)) > 100) return 'must not be greater than 100%';
  }
  return undefined;
}

/** A value of an int-or-percent field is zero ('0' or '0%'). */
export function isZeroIntOrPercent(v: unknown): boolean {
  return v === 0 || (typeof v === 'string' && /^0+%$/.test(v));
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** metav1validation.ValidateLabelSelectorRequirement on every matchExpression of a selector. */
export function checkLabelSelector(ctx: GateContext, obj: Obj, where: string, selector: any): void {
  if (!isObject(selector)) return;
  asArray(selector.matchExpressions).forEach((e, i) => {
    const at = `${where}.matchExpressions[${i}]`;
    if (!isObject(e)) return;
    fieldProblem(ctx, 'api/label-selector', obj, `${at}.key`, e.key, qualifiedNameProblem(e.key));
    if (!OPERATORS.has(e.operator)) {
      ctx.report('api/label-selector', obj, `${at}.operator must be one of In, NotIn, Exists, DoesNotExist, got ${show(e.operator)}`);
      return;
    }
    const values = asArray(e.values);
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      ctx.report('api/label-selector', obj, `${at}.values must be specified when \`operator\` is 'In' or 'NotIn'`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      ctx.report('api/label-selector', obj, `${at}.values may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
  });
}

/** validateSeccompProfileField: Localhost needs localhostProfile, the other types forbid it. */
export function checkSeccomp(ctx: GateContext, obj: Obj, at: string, profile: any): void {
  if (!isObject(profile)) return;
  oneOf(ctx, 'api/security-context', obj, `${at}.seccompProfile.type`, profile.type, ['RuntimeDefault', 'Unconfined', 'Localhost']);
  if (profile.type === 'Localhost' && !(typeof profile.localhostProfile === 'string' && profile.localhostProfile !== ''))
    ctx.report('api/security-context', obj, `${at}.seccompProfile.localhostProfile must be set when seccomp type is Localhost`);
  if (profile.type !== 'Localhost' && profile.localhostProfile !== undefined)
    ctx.report('api/security-context', obj, `${at}.seccompProfile.localhostProfile can only be set when seccomp type is Localhost`);
}
