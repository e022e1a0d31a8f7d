import { cronScheduleProblem, timeZoneProblem } from '../../internal/checks/cron';
import { asArray, GateContext, isObject, Obj, show } from '../context';
import { checkPvcSpec } from './core';
import { checkLabelSelector, fieldProblem, intOrPercentProblem, isZeroIntOrPercent, nonNegative, oneOf } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** ValidateDeploymentSpec: counts, progress deadline and the rollout strategy (after defaulting). */
export function checkDeployment(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds'])
    nonNegative(ctx, 'api/non-negative', obj, `spec.${f}`, spec[f]);
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number' && pds >= 0 && pds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0))
    ctx.report(
      'api/non-negative',
      obj,
      `spec.progressDeadlineSeconds must be greater than minReadySeconds (${show(spec.minReadySeconds ?? 0)}), got ${show(pds)}`,
    );
  checkLabelSelector(ctx, obj, 'spec.selector', spec.selector);
  const strategy = spec.strategy;
  if (!isObject(strategy)) return;
  const type = strategy.type ?? 'RollingUpdate';
  oneOf(ctx, 'api/rollout', obj, 'spec.strategy.type', type, ['RollingUpdate', 'Recreate']);
  if (type === 'Recreate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null)
    ctx.report('api/rollout', obj, "spec.strategy.rollingUpdate may not be specified when strategy `type` is 'Recreate'");
  if (type !== 'RollingUpdate' || !isObject(strategy.rollingUpdate)) return;
  // Defaults: 25% each when unset.
  const { maxSurge = '25%', maxUnavailable = '25%' } = strategy.rollingUpdate;
  fieldProblem(ctx, 'api/rollout', obj, 'spec.strategy.rollingUpdate.maxSurge', maxSurge, intOrPercentProblem(maxSurge, false));
  fieldProblem(
    ctx,
    'api/rollout',
    obj,
    'spec.strategy.rollingUpdate.maxUnavailable',
    maxUnavailable,
    intOrPercentProblem(maxUnavailable, true),
  );
  if (isZeroIntOrPercent(maxSurge) && isZeroIntOrPercent(maxUnavailable))
    ctx.report('api/rollout', obj, 'spec.strategy.rollingUpdate.maxUnavailable may not be 0 when `maxSurge` is 0');
}

/** ValidateStatefulSetSpec. */
export function checkStatefulSet(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit']) nonNegative(ctx, 'api/non-negative', obj, `spec.${f}`, spec[f]);
  nonNegative(ctx, 'api/non-negative', obj, 'spec.ordinals.start', spec.ordinals?.start);
  checkLabelSelector(ctx, obj, 'spec.selector', spec.selector);
  oneOf(ctx, 'api/rollout', obj, 'spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']);
  const us = spec.updateStrategy;
  if (isObject(us)) {
    const type = us.type ?? 'RollingUpdate';
    oneOf(ctx, 'api/rollout', obj, 'spec.updateStrategy.type', type, ['RollingUpdate', 'OnDelete']);
    if (type === 'OnDelete' && us.rollingUpdate !== undefined && us.rollingUpdate !== null)
      ctx.report('api/rollout', obj, "spec.updateStrategy.rollingUpdate only allowed for updateStrategy 'RollingUpdate'");
    if (isObject(us.rollingUpdate)) {
      nonNegative(ctx, 'api/rollout', obj, 'spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate.partition);
      const mu = us.rollingUpdate.maxUnavailable;
      if (mu !== undefined) {
        fieldProblem(ctx, 'api/rollout', obj, 'spec.updateStrategy.rollingUpdate.maxUnavailable', mu, intOrPercentProblem(mu, true));
        if (isZeroIntOrPercent(mu))
          ctx.report('api/rollout', obj, 'spec.updateStrategy.rollingUpdate.maxUnavailable must be greater than 0');
      }
    }
  }
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isObject(retention))
    for (const f of ['whenDeleted', 'whenScaled'])
      oneOf(ctx, 'api/rollout', obj, `spec.persistentVolumeClaimRetentionPolicy.${f}`, retention[f], ['Retain', 'Delete']);
  asArray(spec.volumeClaimTemplates).forEach((t, i) => checkPvcSpec(ctx, obj, `spec.volumeClaimTemplates[${i}].spec`, t?.spec));
}

/** ValidateDaemonSetSpec and ValidateReplicaSetSpec: the few fields beyond the pod template. */
export function checkDaemonSetOrReplicaSet(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit']) nonNegative(ctx, 'api/non-negative', obj, `spec.${f}`, spec[f]);
  checkLabelSelector(ctx, obj, 'spec.selector', spec.selector);
  if (obj.kind === 'DaemonSet' && isObject(spec.updateStrategy))
    oneOf(ctx, 'api/rollout', obj, 'spec.updateStrategy.type', spec.updateStrategy.type, ['RollingUpdate', 'OnDelete']);
}

const JOB_COUNTS = [
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'backoffLimit',
  'ttlSecondsAfterFinished',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
];

/** validateJobSpec (a Job's spec, or a CronJob's jobTemplate.spec at `at`). */
function checkJobSpec(ctx: GateContext, obj: Obj, at: string, spec: any): void {
  if (!isObject(spec)) return;
  for (const f of JOB_COUNTS) nonNegative(ctx, 'api/non-negative', obj, `${at}.${f}`, spec[f]);
  const mode = spec.completionMode;
  oneOf(ctx, 'api/job', obj, `${at}.completionMode`, mode, ['NonIndexed', 'Indexed']);
  if (mode === 'Indexed' && spec.completions === undefined)
    ctx.report('api/job', obj, `${at}.completions is required when completion mode is Indexed`);
  if (mode !== 'Indexed') {
    for (const f of ['backoffLimitPerIndex', 'maxFailedIndexes', 'successPolicy'])
      if (spec[f] !== undefined && spec[f] !== null) ctx.report('api/job', obj, `${at}.${f} requires indexed completion mode`);
  }
  if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined)
    ctx.report('api/job', obj, `${at}.backoffLimitPerIndex is required when maxFailedIndexes is specified`);
  oneOf(ctx, 'api/job', obj, `${at}.podReplacementPolicy`, spec.podReplacementPolicy, ['TerminatingOrFailed', 'Failed']);
}

/** ValidateJob: the spec, and the selector the API server generates unless manualSelector. */
export function checkJob(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  checkJobSpec(ctx, obj, 'spec', spec);
  if (isObject(spec) && isObject(spec.selector) && spec.manualSelector !== true)
    ctx.report(
      'api/job',
      obj,
      'spec.selector `selector` not auto-generated: remove it (the API server generates it) or set manualSelector: true',
    );
  if (isObject(spec)) checkLabelSelector(ctx, obj, 'spec.selector', spec.selector);
}

/** validateCronJobSpec and ValidateJobTemplateSpec. */
export function checkCronJob(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  if (spec.schedule === undefined || spec.schedule === '') ctx.report('api/cron', obj, 'spec.schedule is required');
  else fieldProblem(ctx, 'api/cron', obj, 'spec.schedule', spec.schedule, cronScheduleProblem(spec.schedule));
  if (spec.timeZone !== undefined && spec.timeZone !== null)
    fieldProblem(ctx, 'api/cron', obj, 'spec.timeZone', spec.timeZone, timeZoneProblem(spec.timeZone));
  oneOf(ctx, 'api/cron', obj, 'spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']);
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'])
    nonNegative(ctx, 'api/non-negative', obj, `spec.${f}`, spec[f]);
  const jobSpec = spec.jobTemplate?.spec;
  checkJobSpec(ctx, obj, 'spec.jobTemplate.spec', jobSpec);
  if (isObject(jobSpec) && jobSpec.selector !== undefined && jobSpec.selector !== null)
    ctx.report('api/job', obj, 'spec.jobTemplate.spec.selector `selector` will be auto-generated: remove it');
  if (isObject(jobSpec) && jobSpec.manualSelector === true)
    ctx.report('api/job', obj, 'spec.jobTemplate.spec.manualSelector must be unset or false');
}
