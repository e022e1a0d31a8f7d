import { MAX_INT64_SAFE } from '../../internal/checks/require';
import { singleLineProblem } from '../../internal/checks/text';
import { redactUrl, repoUrlCredentialsProblem } from '../../internal/checks/url';
import { isDnsLabel } from '../../internal/patterns';
import { asArray, GateContext, isObject, Obj, show } from '../context';
import { fieldProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** An Argo CD Application: credentials in repoURL (never shown), one-line revisions and paths, retry limit. */
export function checkArgoApplication(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  const sources = [
    ...(isObject(spec.source) ? [['spec.source', spec.source]] : []),
    ...asArray(spec.sources).map((s, i) => [`spec.sources[${i}]`, s]),
  ] as [string, any][];
  for (const [at, src] of sources) {
    if (!isObject(src)) continue;
    const problem = repoUrlCredentialsProblem(src.repoURL);
    if (problem) ctx.report('argo/repo-credentials', obj, `${at}.repoURL ${problem}, got ${show(redactUrl(src.repoURL))}`);
    for (const f of ['targetRevision', 'path'])
      if (src[f] !== undefined) fieldProblem(ctx, 'argo/application', obj, `${at}.${f}`, src[f], singleLineProblem(src[f]));
  }
  const limit = spec.syncPolicy?.retry?.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || Math.abs(limit) > MAX_INT64_SAFE))
    ctx.report('argo/application', obj, `spec.syncPolicy.retry.limit must be an integer (int64; -1 retries forever), got ${show(limit)}`);
  const ns = spec.destination?.namespace;
  if (typeof ns === 'string' && ns !== '' && !isDnsLabel(ns))
    ctx.report('argo/application', obj, `spec.destination.namespace must be a DNS-1123 label, got ${show(ns)}`);
}
