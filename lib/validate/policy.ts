import { asArray, asRecord, GateContext, isObject, listCapped, PodTemplate, show } from './context';

/** True when an image reference has a digest, or a tag other than 'latest'. */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'has no image';
  if (image.includes('@')) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return `uses image ${show(image)} without a tag (it means ':latest')`;
  if (lastSegment.slice(colon + 1) === 'latest') return `uses image ${show(image)} with the mutable tag 'latest'`;
  return undefined;
}

export function checkContainerPolicy(ctx: GateContext, pod: PodTemplate): void {
  const obj = pod.owner;
  for (const { c, list } of pod.containers) {
    if (list === 'ephemeralContainers') continue;
    const who = `${list === 'containers' ? 'container' : 'init container'} ${show(c.name)}`;
    const requests = asRecord(c.resources?.requests);
    const limits = asRecord(c.resources?.limits);
    const missing = [
      requests.cpu === undefined ? 'requests.cpu' : undefined,
      requests.memory === undefined ? 'requests.memory' : undefined,
      limits.memory === undefined ? 'limits.memory' : undefined,
    ].filter(Boolean);
    if (missing.length > 0) ctx.report('policy/resources', obj, `${who} sets no ${missing.join(', ')}`);
    // Init containers with restartPolicy Always are sidecars: long-running too.
    const longRunning = pod.longRunning && (list === 'containers' || c.restartPolicy === 'Always');
    if (longRunning) {
      const noProbe = ['readinessProbe', 'livenessProbe'].filter((p) => !isObject(c[p]));
      if (noProbe.length > 0) ctx.report('policy/probes', obj, `${who} of a long-running ${obj.kind} has no ${noProbe.join(' and ')}`);
    }
    if (!ctx.isDev) {
      const problem = imageProblem(c.image);
      if (problem) ctx.report('policy/image-tag', obj, `${who} ${problem}`);
    }
  }
}

export function checkNetworkPolicies(ctx: GateContext): void {
  const covered = new Set<PodTemplate>();
  const selectAll = new Set<string>();
  for (const np of ctx.ofKind('NetworkPolicy')) {
    const sel = np.raw.spec?.podSelector;
    if (!isObject(sel)) continue;
    if (Object.keys(asRecord(sel.matchLabels)).length === 0 && asArray(sel.matchExpressions).length === 0) selectAll.add(np.namespace);
    else for (const p of ctx.podsSelectedBy(np.namespace, sel)) covered.add(p);
  }
  for (const pod of ctx.pods) {
    if (selectAll.has(pod.owner.namespace) || covered.has(pod)) continue;
    ctx.report(
      'policy/network-policy',
      pod.owner,
      `no NetworkPolicy in ${pod.owner.namespace ? `namespace ${pod.owner.namespace}` : 'the set'} selects the pods (labels ${show(pod.labels)}); their traffic is unrestricted`,
    );
  }
}

const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export function checkDisruptionBudgets(ctx: GateContext): void {
  if (!ctx.isProd) return;
  const hpaMax = new Map<string, number>();
  for (const hpa of ctx.ofKind('HorizontalPodAutoscaler')) {
    const ref = hpa.raw.spec?.scaleTargetRef;
    if (isObject(ref)) hpaMax.set(`${hpa.namespace}\0${ref.kind}\0${ref.name}`, Number(hpa.raw.spec?.maxReplicas ?? 1));
  }
  const covered = new Set<PodTemplate>();
  for (const pdb of ctx.ofKind('PodDisruptionBudget'))
    for (const p of ctx.podsSelectedBy(pdb.namespace, pdb.raw.spec?.selector ?? {})) covered.add(p);
  for (const pod of ctx.pods) {
    const obj = pod.owner;
    if (!REPLICATED_KINDS.has(obj.kind)) continue;
    const replicas = hpaMax.get(`${obj.namespace}\0${obj.kind}\0${obj.name}`) ?? Number(obj.raw.spec?.replicas ?? 1);
    if (!(replicas > 1)) continue;
    if (!covered.has(pod)) {
      ctx.report('policy/pdb', obj, `${obj.kind} runs up to ${replicas} pods in ${ctx.env} but no PodDisruptionBudget selects them`);
    }
  }
}

export function checkSecretLiterals(ctx: GateContext): void {
  for (const s of ctx.ofKind('Secret')) {
    const keys = [...Object.keys(asRecord(s.raw.data)), ...Object.keys(asRecord(s.raw.stringData))];
    if (keys.length === 0) continue;
    if (ctx.isDev) {
      ctx.report(
        'policy/secret-literal',
        s,
        `Secret carries literal values (keys ${listCapped(keys, 5, show)}); tolerated in ${ctx.env} only`,
        undefined,
        'warning',
      );
    } else {
      ctx.report(
        'policy/secret-literal',
        s,
        `Secret carries literal values (keys ${listCapped(keys, 5, show)}) in ${ctx.env}; they end up in Git and in the rendered YAML`,
      );
    }
  }
}
