export { RULES, ruleInfo } from './rules';
export type { RuleInfo, RuleId, Severity } from './rules';
export { objectKey } from './types';
export type { Finding, SchemaResultCache, ValidateOptions, Waiver } from './types';
export { validateObjects, gateErrors, gateWarnings, waivedFindings, formatFinding, assertGate, KstackGateError } from './gate';
export { waive, declareExternal, collectGateContext, WAIVER_METADATA, EXTERNAL_SECRET_METADATA, EXTERNAL_METADATA } from './constructs';
export type { GateConstructContext } from './constructs';
