/**
 * Reads what each process of the end-to-end test gets from kstack's synthesized output: container
 * environments resolved the way the kubelet resolves them (envFrom ConfigMaps and Secrets, then
 * env entries with value, secretKeyRef or configMapKeyRef), probe paths, commands, the Compose
 * project's variables, and the generated nginx.conf. The only change the test makes is where
 * things listen: in-cluster `service:port` addresses become the local `127.0.0.1:port` of the
 * process playing that Service, done by parsing URLs and host/port pairs, never by retyping values.
 */
import * as fs from 'fs';
import { K8sObject } from '../../../stacks/synth';

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** In-cluster address (`service:port`) -> local address. */
export type Relocations = ReadonlyMap<string, Address>;

export function findObject(objects: readonly K8sObject[], kind: string, name: string): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(
      `synthesized output: expected one ${kind}/${name}, found ${found.length} (objects: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`,
    );
  }
  return found[0];
}

/** The container named `name` (or the only one) of a Deployment's or StatefulSet's pod template. */
export function containerOf(workload: any, name?: string): any {
  const containers: any[] = workload.spec.template.spec.containers;
  const found = name ? containers.filter((c) => c.name === name) : containers;
  if (found.length !== 1)
    throw new Error(
      `${workload.kind}/${workload.metadata.name}: expected one container${name ? ` named ${name}` : ''}, found ${found.length}`,
    );
  return found[0];
}

/** The init containers of a pod template. */
export function initContainersOf(workload: any): any[] {
  return workload.spec.template.spec.initContainers ?? [];
}

function secretValues(secret: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries<string>(secret.stringData ?? {})) out[k] = v;
  return out;
}

function keyOf(source: Record<string, string>, kind: string, name: string, key: string, owner: string): string {
  if (!(key in source)) throw new Error(`${owner}: ${kind}/${name} has no key '${key}' (keys: ${Object.keys(source).join(', ')})`);
  return source[key];
}

/**
 * The environment a container gets, resolved from the synthesized objects as the kubelet does:
 * envFrom first (in order), then env entries (which win). Anything this cannot resolve (fieldRef,
 * resourceFieldRef, a missing object or key) fails, so nothing is silently dropped.
 */
export function resolveContainerEnv(objects: readonly K8sObject[], container: any): Record<string, string> {
  const owner = `container ${container.name}`;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix: string = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = findObject(objects, 'ConfigMap', from.configMapRef.name);
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) env[prefix + k] = v;
    } else if (from.secretRef) {
      for (const [k, v] of Object.entries(secretValues(findObject(objects, 'Secret', from.secretRef.name)))) env[prefix + k] = v;
    } else {
      throw new Error(`${owner}: unsupported envFrom entry ${JSON.stringify(from)}`);
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      env[e.name] = keyOf(secretValues(findObject(objects, 'Secret', ref.name)), 'Secret', ref.name, ref.key, owner);
    } else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      env[e.name] = keyOf(findObject(objects, 'ConfigMap', ref.name).data ?? {}, 'ConfigMap', ref.name, ref.key, owner);
    } else {
      throw new Error(`${owner}: env ${e.name} has a source the test cannot resolve: ${JSON.stringify(e.valueFrom ?? e)}`);
    }
  }
  return env;
}

/** `name:port` of every port of every Service: the addresses other pods use. */
export function serviceAddresses(objects: readonly K8sObject[]): Set<string> {
  const out = new Set<string>();
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    for (const p of (svc as any).spec?.ports ?? []) out.add(`${svc.metadata.name}:${p.port}`);
  }
  return out;
}

/** Rewrites the host:port of a URL whose authority is an in-cluster address; other values are returned as is. */
export function relocateUrl(value: string, relocations: Relocations): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return value;
  }
  if (!u.port) return value;
  const target = relocations.get(`${u.hostname}:${u.port}`);
  if (!target) return value;
  // Replace the authority's host:port only (userinfo, path and query stay byte for byte).
  const authorityStart = value.indexOf('//') + 2;
  const rest = value.slice(authorityStart);
  const authority = rest.slice(0, rest.search(/[/?#]/) < 0 ? rest.length : rest.search(/[/?#]/));
  const hostStart = authorityStart + authority.lastIndexOf('@') + 1;
  const old = `${u.hostname}:${u.port}`;
  if (value.slice(hostStart, hostStart + old.length) !== old) throw new Error(`cannot locate ${old} in ${value}`);
  return `${value.slice(0, hostStart)}${target.host}:${target.port}${value.slice(hostStart + old.length)}`;
}

/**
 * The environment with every in-cluster address pointed at a local one: URLs (by parsing) and
 * libpq-style pairs (`XHOST` + `XPORT`, e.g. PGHOST/PGPORT). Fails when an in-cluster address is
 * left anywhere, so a wiring the test does not understand cannot pass by accident.
 */
export function relocateEnv(
  env: Readonly<Record<string, string>>,
  relocations: Relocations,
): { env: Record<string, string>; changed: string[] } {
  const out: Record<string, string> = {};
  const changed: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    out[k] = relocateUrl(v, relocations);
    if (out[k] !== v) changed.push(k);
  }
  for (const hostKey of Object.keys(env).filter((k) => k.endsWith('HOST'))) {
    const portKey = `${hostKey.slice(0, -'HOST'.length)}PORT`;
    const target = relocations.get(`${env[hostKey]}:${env[portKey]}`);
    if (portKey in env && target) {
      out[hostKey] = target.host;
      out[portKey] = String(target.port);
      changed.push(hostKey, portKey);
    }
  }
  for (const [k, v] of Object.entries(out)) {
    for (const address of relocations.keys()) {
      const [host, port] = address.split(':');
      if (
        v.includes(address) ||
        new RegExp(`//(?:[^@/]*@)?${host}(?:[:/]|$)`).test(v) ||
        (k.endsWith('HOST') && v === host && out[`${k.slice(0, -4)}PORT`] === port)
      ) {
        throw new Error(`${k}=${v} still points at the in-cluster address ${address} after relocation`);
      }
    }
  }
  return { env: out, changed: changed.sort() };
}

/** The path of an httpGet probe, failing when the probe is missing or of another kind. */
export function httpProbePath(container: any, probe: 'livenessProbe' | 'readinessProbe' | 'startupProbe'): string {
  const path = container[probe]?.httpGet?.path;
  if (typeof path !== 'string') throw new Error(`container ${container.name}: no httpGet ${probe} (${JSON.stringify(container[probe])})`);
  return path;
}

/** The exec-form CMD of a Dockerfile (the last one), as an argv. */
export function dockerfileCmd(file: string): string[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^\s*CMD\s/i.test(l));
  if (lines.length === 0) throw new Error(`${file}: no CMD`);
  const json = lines[lines.length - 1].replace(/^\s*CMD\s+/i, '');
  const argv = JSON.parse(json);
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new Error(`${file}: CMD is not in exec form: ${json}`);
  return argv;
}

/** Replaces the value after `flag` in an argv (fails when the flag is absent). */
export function withFlag(argv: readonly string[], flag: string, value: string): string[] {
  const i = argv.indexOf(flag);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`${argv.join(' ')}: no ${flag} <value>`);
  return [...argv.slice(0, i + 1), value, ...argv.slice(i + 2)];
}

/** `NAME=value` lines of a .env file (comments and blanks skipped). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Compose variable interpolation: `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}`, `${NAME?err}`. */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name, op, arg, bare) => {
    if (m === '$$') return '$';
    const key = name ?? bare;
    const v = vars[key];
    const unset = v === undefined || (op?.startsWith(':') && v === '');
    if (!unset) return v;
    if (op?.endsWith('?')) throw new Error(`compose: required variable ${key} is not set (${arg})`);
    if (op?.endsWith('-')) return arg;
    return '';
  });
}

export interface NginxConfForTest {
  readonly text: string;
  /** Lines that differ from the Compose target's nginx.conf, `- old` / `+ new`. */
  readonly changes: readonly string[];
}

/**
 * Points the generated nginx.conf at local processes: each `set $kstack_upstream_NAME HOST:PORT;`
 * gets the local port of the Service `NAME:PORT` (the hosts are already 127.0.0.1 through
 * renderNginxConf's `upstreamHosts`, which need no resolver), and the pid and temp paths
 * (/tmp/... in the container) go to `stateDir`. Returns the text and the list of changed lines
 * against `composeConf`, which must have the same number of lines (nothing else may differ).
 */
export function localNginxConf(rendered: string, composeConf: string, relocations: Relocations, stateDir: string): NginxConfForTest {
  const out = rendered.split('\n').map((line) => {
    const upstream = /^(\s*set\s+\$kstack_upstream_)(\w+)(\s+)([^\s:;]+):(\d+);$/.exec(line);
    if (upstream) {
      const service = upstream[2].replace(/_/g, '-'); // Service names have '-', nginx variables '_'
      const target = relocations.get(`${service}:${upstream[5]}`);
      if (!target)
        throw new Error(`nginx.conf: upstream ${service} points at port ${upstream[5]}, which is not a port of Service ${service}`);
      if (upstream[4] !== target.host)
        throw new Error(`nginx.conf: upstream ${service} host is ${upstream[4]}, expected ${target.host} (upstreamHosts)`);
      return `${upstream[1]}${upstream[2]}${upstream[3]}${target.host}:${target.port};`;
    }
    return line.replace(/^(\s*(?:pid|[a-z_]+_temp_path)\s+)\/tmp\/(\S+;)$/, `$1${stateDir}/$2`);
  });
  const a = composeConf.split('\n');
  if (a.length !== out.length)
    throw new Error(
      `nginx.conf for the test has ${out.length} lines, the Compose target's ${a.length}: options changed more than addresses`,
    );
  const changes: string[] = [];
  a.forEach((line, i) => {
    if (line !== out[i]) changes.push(`- ${line.trim()}`, `+ ${out[i].trim()}`);
  });
  return { text: out.join('\n'), changes };
}
