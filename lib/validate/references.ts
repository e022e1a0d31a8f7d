import { asArray, asRecord, GateContext, isObject, listCapped, Obj, PodTemplate, show } from './context';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** Port names of the containers of a list of pod templates, computed once per list (Services sharing a selector share it). */
const portNamesOf = new WeakMap<readonly PodTemplate[], Set<unknown>>();

function podPortNames(pods: readonly PodTemplate[]): Set<unknown> {
  let names = portNamesOf.get(pods);
  if (!names) {
    names = new Set();
    for (const pod of pods)
      for (const { c } of pod.containers) for (const cp of asArray(c.ports)) if (cp?.name !== undefined) names.add(cp.name);
    portNamesOf.set(pods, names);
  }
  return names;
}

export function checkServices(ctx: GateContext): void {
  for (const svc of ctx.ofKind('Service')) {
    if (svc.raw.spec?.type === 'ExternalName') continue;
    const selector = svc.raw.spec?.selector;
    if (!isObject(selector) || Object.keys(selector).length === 0) continue; // endpoints managed by hand
    const pods = ctx.podsWithLabels(svc.namespace, selector);
    if (pods.length === 0) {
      ctx.report(
        'ref/service-selector',
        svc,
        `selector ${show(selector)} selects no pod template in ${svc.namespace ? `namespace ${svc.namespace}` : 'the set'}`,
      );
      continue;
    }
    for (const p of asArray(svc.raw.spec?.ports)) {
      if (typeof p?.targetPort !== 'string') continue;
      if (!podPortNames(pods).has(p.targetPort))
        ctx.report(
          'ref/service-selector',
          svc,
          `targetPort ${show(p.targetPort)} is not a port name of the selected pods (${listCapped(pods, 5, (x) => x.owner.id)})`,
        );
    }
  }
}

export function checkIngresses(ctx: GateContext): void {
  for (const ing of ctx.ofKind('Ingress')) {
    const backends: { where: string; b: any }[] = [];
    if (isObject(ing.raw.spec?.defaultBackend)) backends.push({ where: 'spec.defaultBackend', b: ing.raw.spec.defaultBackend });
    asArray(ing.raw.spec?.rules).forEach((rule, i) =>
      asArray(rule?.http?.paths).forEach((p, j) =>
        backends.push({ where: `spec.rules[${i}].http.paths[${j}] (${show(p?.path)})`, b: p?.backend }),
      ),
    );
    for (const { where, b } of backends) {
      const service = b?.service;
      if (!isObject(service)) continue; // resource backends are not checked
      const target = ctx.find('Service', ing.namespace, service.name);
      if (!target) {
        ctx.report(
          'ref/ingress-backend',
          ing,
          `${where} routes to Service ${show(service.name)}, which is not in ${ing.namespace ? `namespace ${ing.namespace}` : 'the set'}`,
        );
        continue;
      }
      const ports = asArray(target.raw.spec?.ports);
      const port = service.port ?? {};
      const ok =
        port.number !== undefined
          ? ports.some((p) => p?.port === port.number)
          : port.name !== undefined
            ? ports.some((p) => p?.name === port.name)
            : false;
      if (!ok)
        ctx.report(
          'ref/ingress-backend',
          ing,
          `${where} routes to port ${show(port.number ?? port.name ?? null)} of Service ${show(service.name)}, which has ports ${show(ports.map((p) => p?.name ?? p?.port))}`,
        );
    }
    const certManaged = Object.keys(asRecord(ing.raw.metadata?.annotations)).some((k) => k.startsWith('cert-manager.io/'));
    if (!certManaged) {
      for (const t of asArray(ing.raw.spec?.tls)) {
        const name = t?.secretName;
        if (typeof name === 'string' && !ctx.find('Secret', ing.namespace, name) && !ctx.isExternal('Secret', ing.namespace, name)) {
          ctx.report(
            'ref/secret',
            ing,
            `spec.tls names Secret ${show(name)}, which is not in the set and not declared external (and no cert-manager annotation issues it)`,
          );
        }
      }
    }
  }
}

export function checkAutoscalers(ctx: GateContext): void {
  for (const hpa of ctx.ofKind('HorizontalPodAutoscaler')) {
    const ref = hpa.raw.spec?.scaleTargetRef;
    if (!isObject(ref)) continue;
    const target = ctx.find(ref.kind, hpa.namespace, ref.name);
    if (!target) {
      ctx.report(
        'ref/hpa-target',
        hpa,
        `scaleTargetRef ${show(`${ref.kind}/${ref.name}`)} is not in ${hpa.namespace ? `namespace ${hpa.namespace}` : 'the set'}`,
      );
    } else if (ref.apiVersion !== undefined && ref.apiVersion !== target.apiVersion) {
      ctx.report(
        'ref/hpa-target',
        hpa,
        `scaleTargetRef apiVersion ${show(ref.apiVersion)} does not match ${target.id} (${target.apiVersion})`,
      );
    }
  }
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** ConfigMap/Secret/PVC/ServiceAccount references and named probe ports of every pod template. */
export function checkPodReferences(ctx: GateContext): void {
  for (const pod of ctx.pods) {
    const obj = pod.owner;
    const ns = obj.namespace;
    const missing = new Map<string, string[]>();
    const refKey = (kind: RefKind, name: unknown, key: unknown, optional: unknown, where: string) =>
      checkRef(ctx, obj, missing, kind, name, key, optional, where);
    for (const { c } of pod.containers) {
      const portNames = new Set(
        asArray(c.ports)
          .map((p) => p?.name)
          .filter((n) => typeof n === 'string'),
      );
      for (const probe of PROBES) {
        const p = c[probe];
        if (!isObject(p)) continue;
        const port = p.httpGet?.port ?? p.tcpSocket?.port;
        if (typeof port === 'string' && !portNames.has(port)) {
          ctx.report(
            'ref/probe-port',
            obj,
            `container ${show(c.name)} ${probe} uses port ${show(port)}, which is not one of its named ports ${show([...portNames])}`,
          );
        }
      }
      for (const e of asArray(c.env)) {
        const cm = e?.valueFrom?.configMapKeyRef;
        if (isObject(cm)) refKey('ConfigMap', cm.name, cm.key, cm.optional, `container ${show(c.name)} env ${show(e.name)}`);
        const s = e?.valueFrom?.secretKeyRef;
        if (isObject(s)) refKey('Secret', s.name, s.key, s.optional, `container ${show(c.name)} env ${show(e.name)}`);
      }
      for (const ef of asArray(c.envFrom)) {
        if (isObject(ef?.configMapRef))
          refKey('ConfigMap', ef.configMapRef.name, undefined, ef.configMapRef.optional, `container ${show(c.name)} envFrom`);
        if (isObject(ef?.secretRef))
          refKey('Secret', ef.secretRef.name, undefined, ef.secretRef.optional, `container ${show(c.name)} envFrom`);
      }
    }
    for (const v of asArray(pod.spec.volumes)) {
      const where = `volume ${show(v?.name)}`;
      if (isObject(v?.configMap)) refKey('ConfigMap', v.configMap.name, undefined, v.configMap.optional, where);
      if (isObject(v?.secret)) refKey('Secret', v.secret.secretName, undefined, v.secret.optional, where);
      if (isObject(v?.persistentVolumeClaim)) refKey('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, undefined, false, where);
      for (const src of asArray(v?.projected?.sources)) {
        if (isObject(src?.configMap)) refKey('ConfigMap', src.configMap.name, undefined, src.configMap.optional, where);
        if (isObject(src?.secret)) refKey('Secret', src.secret.name, undefined, src.secret.optional, where);
      }
    }
    const sa = pod.spec.serviceAccountName;
    if (typeof sa === 'string' && sa !== 'default' && !ctx.find('ServiceAccount', ns, sa) && !ctx.isExternal('ServiceAccount', ns, sa)) {
      ctx.report(
        'ref/service-account',
        obj,
        `${pod.where}.serviceAccountName ${show(sa)} is not a ServiceAccount of the set and not declared external`,
      );
    }
    for (const [k, wheres] of missing) {
      const [kind, name] = k.split('\0') as [RefKind, string];
      ctx.report(
        RULE_OF[kind],
        obj,
        `${kind} ${show(name)} is not in ${ns ? `namespace ${ns}` : 'the set'} and not declared external; referenced by ${listCapped(wheres, 3)}`,
      );
    }
  }
}

const RULE_OF = { ConfigMap: 'ref/configmap', Secret: 'ref/secret', PersistentVolumeClaim: 'ref/pvc' } as const;

type RefKind = keyof typeof RULE_OF;

function checkRef(
  ctx: GateContext,
  obj: Obj,
  missing: Map<string, string[]>,
  kind: RefKind,
  name: unknown,
  key: unknown,
  optional: unknown,
  where: string,
): void {
  if (optional === true || typeof name !== 'string') return;
  const target = ctx.find(kind, obj.namespace, name);
  if (!target) {
    if (!ctx.isExternal(kind, obj.namespace, name)) {
      const k = `${kind}\0${name}`;
      const list = missing.get(k);
      if (list) list.push(where);
      else missing.set(k, [where]);
    }
    return;
  }
  if (typeof key !== 'string') return;
  const keys = new Set([
    ...Object.keys(asRecord(target.raw.data)),
    ...Object.keys(asRecord(target.raw.stringData)),
    ...Object.keys(asRecord(target.raw.binaryData)),
  ]);
  if (!keys.has(key))
    ctx.report(RULE_OF[kind], obj, `${where} references key ${show(key)} of ${target.id}, which has keys ${show([...keys])}`);
}
