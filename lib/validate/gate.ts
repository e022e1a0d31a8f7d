import { KstackError } from '../errors';
import { GateContext } from './context';
import { checkEgressHosts } from './egress';
import { checkRouters } from './routes';
import { checkPodSecurity } from './pod-security';
import { checkContainerPolicy, checkDisruptionBudgets, checkNetworkPolicies, checkSecretLiterals } from './policy';
import { checkAutoscalers, checkIngresses, checkPodReferences, checkServices } from './references';
import {
  checkDuplicates,
  checkApiVersion,
  checkIdentity,
  checkLabels,
  checkNames,
  checkOpenApi,
  checkPodStructure,
  checkSelector,
} from './schema';
import { checkObjectApi, checkPodTemplateApi, checkSetApi } from './apiserver';
import { Finding, ValidateOptions } from './types';

/**
 * Validates a set of Kubernetes objects (one environment's output, or a directory of manifests):
 * schemas, what schemas miss, references between objects, Pod Security "restricted" and policy.
 * Returns every finding; waived ones carry `waived` and do not count as errors.
 */
export function validateObjects(objects: readonly unknown[], options: ValidateOptions = {}): Finding[] {
  const ctx = new GateContext(options);
  objects.forEach((raw, i) => {
    const obj = checkIdentity(ctx, raw, i);
    if (!obj) return;
    if (checkApiVersion(ctx, obj)) checkOpenApi(ctx, obj);
    checkNames(ctx, obj);
    checkObjectApi(ctx, obj);
    checkLabels(ctx, obj);
    checkSelector(ctx, obj);
  });
  checkDuplicates(ctx);
  checkPodStructure(ctx);
  checkServices(ctx);
  checkIngresses(ctx);
  checkRouters(ctx);
  checkAutoscalers(ctx);
  checkPodReferences(ctx);
  checkSetApi(ctx);
  for (const pod of ctx.pods) {
    checkPodTemplateApi(ctx, pod);
    checkPodSecurity(ctx, pod);
    checkContainerPolicy(ctx, pod);
  }
  checkNetworkPolicies(ctx);
  checkEgressHosts(ctx);
  checkDisruptionBudgets(ctx);
  checkSecretLiterals(ctx);
  return ctx.findings;
}

/** Findings that fail the gate: errors not covered by a waiver. */
export function gateErrors(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error' && !f.waived);
}

/** Warnings not covered by a waiver. */
export function gateWarnings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'warning' && !f.waived);
}

/** Findings covered by a waiver. */
export function waivedFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.waived);
}

/** One line per finding: `error pss/seccomp [prod] Deployment/shop/api (prod/api/Deployment): ... fix: ...`, or the waiver line. */
export function formatFinding(f: Finding): string {
  if (f.waived) return `waived: ${f.ruleId} on ${f.object}: ${f.waived.reason}`;
  return `${f.severity} ${f.ruleId} [${f.env}] ${f.object}${f.path ? ` (${f.path})` : ''}: ${f.message}; fix: ${f.fix}`;
}

/** Thrown by {@link assertGate} when errors remain; its message lists them, one per line. */
export class KstackGateError extends KstackError {
  constructor(readonly findings: readonly Finding[]) {
    super(`validation gate failed with ${gateErrors(findings).length} error(s):\n${gateErrors(findings).map(formatFinding).join('\n')}`);
  }
}

/** Throws a {@link KstackGateError} when the findings contain errors that are not waived. */
export function assertGate(findings: readonly Finding[]): void {
  if (gateErrors(findings).length > 0) throw new KstackGateError(findings);
}
