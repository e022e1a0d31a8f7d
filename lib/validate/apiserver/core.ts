import { ipVersion } from '../../internal/checks/ip';
import { parseQuantity } from '../../internal/checks/quantity';
import { DATA_KEY, isDnsSubdomain } from '../../internal/patterns';
import { asArray, asRecord, GateContext, isObject, Obj, show } from '../context';
import { fieldProblem, oneOf, portNameProblem, portNumProblem, qualifiedNameProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

const ANNOTATIONS_MAX = 256 * 1024;
const DATA_MAX = 1024 * 1024;

/** ValidateAnnotations and ValidateFinalizers (apimachinery objectmeta.go), for every object. */
export function checkMetadata(ctx: GateContext, obj: Obj): void {
  const meta = obj.raw.metadata;
  if (!isObject(meta)) return;
  let size = 0;
  for (const [k, v] of Object.entries(asRecord(meta.annotations))) {
    fieldProblem(ctx, 'api/metadata', obj, 'metadata.annotations key', k, qualifiedNameProblem(k));
    size += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > ANNOTATIONS_MAX)
    ctx.report('api/metadata', obj, `metadata.annotations may not have more than ${ANNOTATIONS_MAX} bytes in total, got ${size}`);
  asArray(meta.finalizers).forEach((f, i) =>
    fieldProblem(ctx, 'api/metadata', obj, `metadata.finalizers[${i}]`, f, qualifiedNameProblem(f)),
  );
}

/** A ConfigMap or Secret key (IsConfigMapKey). */
function dataKeyProblem(key: string): string | undefined {
  if (key.length > 253 || !DATA_KEY.test(key)) return "must consist of alphanumeric characters, '-', '_' or '.' (at most 253)";
  if (key === '.' || key === '..' || key.startsWith('..')) return "must not be '.', '..' or start with '..'";
  return undefined;
}

/** ValidateConfigMap. */
export function checkConfigMap(ctx: GateContext, obj: Obj): void {
  const data = asRecord(obj.raw.data);
  const binary = asRecord(obj.raw.binaryData);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    fieldProblem(ctx, 'api/configmap', obj, 'data key', k, dataKeyProblem(k));
    if (Object.prototype.hasOwnProperty.call(binary, k))
      ctx.report('api/configmap', obj, `data key ${show(k)} is a duplicate of a key present in binaryData`);
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of Object.entries(binary)) {
    fieldProblem(ctx, 'api/configmap', obj, 'binaryData key', k, dataKeyProblem(k));
    size += typeof v === 'string' ? Math.floor((v.length * 3) / 4) : 0;
  }
  if (size > DATA_MAX) ctx.report('api/configmap', obj, `data and binaryData must have at most ${DATA_MAX} bytes, got ${size}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const REQUIRED_KEYS: Record<string, readonly string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** ValidateSecret (stringData is merged into data first, as the API server does). Values are never shown. */
export function checkSecret(ctx: GateContext, obj: Obj): void {
  const data = asRecord(obj.raw.data);
  const stringData = asRecord(obj.raw.stringData);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    fieldProblem(ctx, 'api/secret', obj, 'data key', k, dataKeyProblem(k));
    if (typeof v === 'string' && !BASE64.test(v))
      ctx.report('api/secret', obj, `data ${show(k)} is not valid base64 (its value is not shown)`);
    size += typeof v === 'string' ? Math.floor((v.length * 3) / 4) : 0;
  }
  for (const [k, v] of Object.entries(stringData)) {
    fieldProblem(ctx, 'api/secret', obj, 'stringData key', k, dataKeyProblem(k));
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  if (size > DATA_MAX) ctx.report('api/secret', obj, `data must have at most ${DATA_MAX} bytes, got ${size}`);
  const keys = new Set([...Object.keys(data), ...Object.keys(stringData)]);
  const type = obj.raw.type;
  for (const k of REQUIRED_KEYS[type] ?? [])
    if (!keys.has(k)) ctx.report('api/secret', obj, `a Secret of type ${type} must have the key ${show(k)}`);
  if (type === 'kubernetes.io/basic-auth' && !keys.has('username') && !keys.has('password'))
    ctx.report('api/secret', obj, "a Secret of type kubernetes.io/basic-auth must have the key 'username' or 'password'");
  if (
    type === 'kubernetes.io/service-account-token' &&
    typeof obj.raw.metadata?.annotations?.['kubernetes.io/service-account.name'] !== 'string'
  )
    ctx.report(
      'api/secret',
      obj,
      'a Secret of type kubernetes.io/service-account-token must have the annotation kubernetes.io/service-account.name',
    );
}

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** ValidatePersistentVolumeClaimSpec, for a claim or a StatefulSet volumeClaimTemplate. */
export function checkPvcSpec(ctx: GateContext, obj: Obj, at: string, spec: any): void {
  if (!isObject(spec)) return;
  const modes = asArray(spec.accessModes);
  if (modes.length === 0) ctx.report('api/pvc', obj, `${at}.accessModes must list at least 1 access mode`);
  for (const m of modes) oneOf(ctx, 'api/pvc', obj, `${at}.accessModes`, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    ctx.report('api/pvc', obj, `${at}.accessModes may not use ReadWriteOncePod with other access modes`);
  const storage = spec.resources?.requests?.storage;
  const q = parseQuantity(storage);
  if (storage === undefined) ctx.report('api/pvc', obj, `${at}.resources.requests.storage is required`);
  else if (q === undefined || q <= 0)
    ctx.report('api/pvc', obj, `${at}.resources.requests.storage must be a quantity greater than zero, got ${show(storage)}`);
  const sc = spec.storageClassName;
  if (typeof sc === 'string' && sc !== '' && !isDnsSubdomain(sc))
    ctx.report('api/pvc', obj, `${at}.storageClassName must be a DNS-1123 subdomain, got ${show(sc)}`);
  oneOf(ctx, 'api/pvc', obj, `${at}.volumeMode`, spec.volumeMode, ['Block', 'Filesystem']);
}

export function checkPvc(ctx: GateContext, obj: Obj): void {
  checkPvcSpec(ctx, obj, 'spec', obj.raw.spec);
}

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** ValidateService. */
export function checkService(ctx: GateContext, obj: Obj): void {
  const spec = obj.raw.spec;
  if (!isObject(spec)) return;
  const type = spec.type ?? 'ClusterIP';
  oneOf(ctx, 'api/service', obj, 'spec.type', type, SERVICE_TYPES);
  const headless = spec.clusterIP === 'None';
  const ports = asArray(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') ctx.report('api/service', obj, 'spec.ports must list at least one port');
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObject(p)) return;
    const at = `spec.ports[${i}]`;
    if (p.port === undefined) ctx.report('api/service', obj, `${at}.port is required`);
    fieldProblem(ctx, 'api/service', obj, `${at}.port`, p.port, portNumProblem(p.port));
    oneOf(ctx, 'api/service', obj, `${at}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']);
    const tp = p.targetPort;
    // 0 and '' are defaulted to the port.
    if (tp !== undefined && tp !== 0 && tp !== '')
      fieldProblem(ctx, 'api/service', obj, `${at}.targetPort`, tp, typeof tp === 'number' ? portNumProblem(tp) : portNameProblem(tp));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer')
        ctx.report('api/service', obj, `${at}.nodePort may not be used when \`type\` is '${type}'`);
      else fieldProblem(ctx, 'api/service', obj, `${at}.nodePort`, p.nodePort, portNumProblem(p.nodePort));
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (seen.has(key)) ctx.report('api/service', obj, `${at} duplicates port ${key}`);
    seen.add(key);
  });
  checkServiceTypeFields(ctx, obj, spec, type);
}

function checkServiceTypeFields(ctx: GateContext, obj: Obj, spec: any, type: string): void {
  if (type === 'ExternalName') {
    const name = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
    if (!isDnsSubdomain(name))
      ctx.report(
        'api/service',
        obj,
        `spec.externalName must be a lower-case DNS-1123 subdomain for an ExternalName Service, got ${show(spec.externalName ?? null)}`,
      );
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '')
      ctx.report('api/service', obj, 'spec.clusterIP may not be set for ExternalName services');
  } else if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIP !== 'None' && ipVersion(spec.clusterIP) === 0) {
    ctx.report('api/service', obj, `spec.clusterIP must be 'None' or an IP address, got ${show(spec.clusterIP)}`);
  }
  oneOf(ctx, 'api/service', obj, 'spec.sessionAffinity', spec.sessionAffinity, ['None', 'ClientIP']);
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (typeof timeout === 'number' && (timeout <= 0 || timeout > 86400))
    ctx.report(
      'api/service',
      obj,
      `spec.sessionAffinityConfig.clientIP.timeoutSeconds must be greater than 0 and less than or equal to 86400, got ${show(timeout)}`,
    );
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer')
      ctx.report('api/service', obj, 'spec.externalTrafficPolicy may only be set for externally-accessible services');
    else oneOf(ctx, 'api/service', obj, 'spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']);
  }
  oneOf(ctx, 'api/service', obj, 'spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']);
  if (asArray(spec.loadBalancerSourceRanges).length > 0 && type !== 'LoadBalancer')
    ctx.report('api/service', obj, "spec.loadBalancerSourceRanges may only be used when `type` is 'LoadBalancer'");
  asArray(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip !== 'string' || ipVersion(ip) === 0)
      ctx.report('api/service', obj, `spec.externalIPs[${i}] must be a valid IP address, got ${show(ip)}`);
  });
}
