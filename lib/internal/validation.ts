import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { mountPathProblem } from './checks/mount';
import { propError } from './errors';
import { isRecord } from './json';
import { DATA_KEY, DNS_LABEL, DNS_SUBDOMAIN, ENV_NAME } from './patterns';
import { parseCpuMillis, parseMemoryBytes } from './quantity';
import { ipVersion } from './checks/ip';
import { cronScheduleProblem } from './checks/cron';
import { ingressHostProblem } from './checks/ingress';
import { requireValid } from './checks/require';

// registry/repository[:tag][@digest]; lower-case repository, no whitespace.
const IMAGE_REF =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** A Kubernetes object name usable everywhere (Services need RFC 1123 labels). */
export function checkName(path: string, prop: string, value: string, maxLength = 63): void {
  // Longer names (Secrets, Applications, classes) are DNS-1123 subdomains: dots allowed.
  if (maxLength > 63) {
    checkSubdomain(path, prop, value);
    return;
  }
  if (typeof value !== 'string' || value.length > maxLength || !DNS_LABEL.test(value)) {
    throw propError(
      path,
      prop,
      `must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters)`,
      value,
    );
  }
}

export function checkSubdomain(path: string, prop: string, value: string): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw propError(path, prop, 'must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)', value);
  }
}

export function checkInteger(path: string, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw propError(path, prop, 'must be an integer', value);
  }
  if (value < min) throw propError(path, prop, `must be >= ${min}`, value);
  if (value > max) throw propError(path, prop, `must be <= ${max}`, value);
}

export function checkPort(path: string, prop: string, value: number): void {
  checkInteger(path, prop, value, 1, 65535);
}

export function checkImage(path: string, prop: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || !IMAGE_REF.test(value)) {
    throw propError(
      path,
      prop,
      "must be an image reference such as 'registry.example.com/team/api:1.4.2' (lower-case repository, optional :tag and @sha256 digest)",
      value,
    );
  }
}

export function checkEnvName(path: string, prop: string, value: string): void {
  if (!ENV_NAME.test(value)) {
    throw propError(path, prop, 'must be an environment variable name (letters, digits and _, not starting with a digit)', value);
  }
}

export function checkHost(path: string, prop: string, value: string): void {
  // An IP address matches HOST, but the API server refuses it as an Ingress host (validateIngressRules).
  if (typeof value === 'string' && ipVersion(value) !== 0) requireValid(path, prop, value, ingressHostProblem(value));
  if (typeof value !== 'string' || value.length > 253 || !HOST.test(value)) {
    throw propError(path, prop, "must be a lower-case DNS host name such as 'app.example.com' (no scheme, port or path)", value);
  }
}

export function checkHttpPath(path: string, prop: string, value: string): void {
  if (typeof value !== 'string' || !HTTP_PATH.test(value)) {
    throw propError(path, prop, "must be an absolute URL path starting with '/' (such as '/health')", value);
  }
}

/** A container mount path: absolute, not the root (a volume at '/' would hide the image). */
export function checkMountPath(path: string, prop: string, value: string): void {
  requireValid(path, prop, value, mountPathProblem(value));
}

export function checkNonEmpty(path: string, prop: string, value: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw propError(path, prop, 'must be a non-empty string', value);
  }
}

/** Requests and limits: parseable quantities, and request <= limit. */
export interface ResourceQuantities {
  readonly cpuRequest?: string;
  readonly cpuLimit?: string;
  readonly memoryRequest?: string;
  readonly memoryLimit?: string;
}

export function checkResources(path: string, prop: string, r: ResourceQuantities): void {
  const cpu = (key: keyof ResourceQuantities) => {
    const v = r[key];
    if (v === undefined) return undefined;
    const parsed = parseCpuMillis(v);
    if (parsed === undefined || parsed <= 0) throw propError(path, `${prop}.${key}`, "must be a CPU quantity such as '250m' or '1'", v);
    return parsed;
  };
  const mem = (key: keyof ResourceQuantities) => {
    const v = r[key];
    if (v === undefined) return undefined;
    const parsed = parseMemoryBytes(v);
    if (parsed === undefined || parsed <= 0)
      throw propError(path, `${prop}.${key}`, "must be a memory quantity such as '256Mi' or '1Gi'", v);
    return parsed;
  };
  const cpuReq = cpu('cpuRequest');
  const cpuLim = cpu('cpuLimit');
  const memReq = mem('memoryRequest');
  const memLim = mem('memoryLimit');
  if (cpuReq !== undefined && cpuLim !== undefined && cpuReq > cpuLim) {
    throw propError(path, `${prop}.cpuRequest`, `must be <= cpuLimit (${r.cpuLimit})`, r.cpuRequest);
  }
  if (memReq !== undefined && memLim !== undefined && memReq > memLim) {
    throw propError(path, `${prop}.memoryRequest`, `must be <= memoryLimit (${r.memoryLimit})`, r.memoryRequest);
  }
}

/**
 * A CronJob schedule as the API server and the CronJob controller parse it (robfig/cron v3, ported in
 * lib/internal/checks/cron.ts): the gate's api/cron finding says the same words.
 */
export function checkCron(path: string, prop: string, value: string): void {
  requireValid(path, prop, value, cronScheduleProblem(value));
}

/** A storage size such as '1Gi'. */
export function checkStorage(path: string, prop: string, value: string): void {
  const bytes = parseMemoryBytes(value);
  if (bytes === undefined || bytes <= 0) throw propError(path, prop, "must be a storage quantity such as '1Gi' (Ki, Mi, Gi or Ti)", value);
}

/** A plain object (not null, not an array), when set. */
export function checkOptionalObject(path: string, prop: string, value: unknown): void {
  if (value !== undefined && !isRecord(value)) {
    throw propError(path, prop, 'must be an object', value);
  }
}

/** A non-empty argv array of non-empty strings, when set. */
export function checkArgv(path: string, prop: string, value: unknown, example: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0)
    throw propError(path, prop, `must be a non-empty array of strings such as ${example}`, value);
  value.forEach((arg, i) => checkNonEmpty(path, `${prop}[${i}]`, arg as string));
}

export function checkBoolean(path: string, prop: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw propError(path, prop, 'must be true or false', value);
}

/** A key inside a Secret or ConfigMap. */
export function checkDataKey(path: string, prop: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DATA_KEY.test(value)) {
    throw propError(path, prop, 'must be a Secret key (letters, digits, "-", "_" and ".", at most 253 characters)', value);
  }
}

const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records that the construct at `path` owns `key` within `registry` (a chart, or the app root):
 * returns the path of an earlier owner (then nothing is recorded), or undefined.
 */
export function claim(registry: IConstruct, key: string, path: string): string | undefined {
  let owned = claims.get(registry);
  if (!owned) {
    owned = new Map();
    claims.set(registry, owned);
  }
  const other = owned.get(key);
  if (other === undefined) owned.set(key, path);
  return other;
}

/**
 * Records that the construct at `scope` produces objects named `name` (in its chart's namespace)
 * for a family of names (e.g. 'workload': Deployment, Service, ConfigMap and NetworkPolicies of an
 * app or database); a second construct claiming the same name gets a one-line error naming both.
 */
export function claimName(
  scope: IConstruct,
  family: string,
  namespace: string | undefined,
  name: string,
  prop = 'name',
  clash: (other: string) => string = () => `already produces objects named '${name}'`,
  got: unknown = name,
): void {
  const other = claim(Chart.of(scope), `${family}\0${namespace ?? ''}\0${name}`, scope.node.path);
  if (other !== undefined) {
    throw propError(scope.node.path, prop, `must be unique in namespace ${namespace ?? 'default'}: ${other} ${clash(other)}`, got);
  }
}

/** A copy without the keys whose value is undefined, so `{ ...defaults, ...definedOnly(props) }` keeps the defaults. */
export function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
