import { asArray, GateContext, isObject, PodTemplate, show } from '../context';
import { fieldProblem, nonNegative, oneOf, portNumOrNameProblem, portNumProblem } from './util';

// The gate walks manifests as they are read (untyped JSON): `any` is the honest type of their fields.
/* eslint-disable @typescript-eslint/no-explicit-any */

type Entry = PodTemplate['containers'][number];

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

/** validateProbe, validateLivenessProbe, validateStartupProbe, validateHandler and lifecycle handlers. */
export function checkProbes(ctx: GateContext, pod: PodTemplate, { c, list }: Entry, who: string): void {
  const obj = pod.owner;
  const plainInit = list === 'initContainers' && c.restartPolicy !== 'Always';
  for (const kind of PROBES) {
    const probe = c[kind];
    if (probe === undefined || probe === null) continue;
    const at = `${who}.${kind}`;
    if (plainInit || list === 'ephemeralContainers') {
      ctx.report(
        'api/container',
        obj,
        `${at} may not be set for ${plainInit ? 'init containers without restartPolicy=Always' : 'ephemeral containers'}`,
      );
      continue;
    }
    if (!isObject(probe)) continue;
    checkHandler(ctx, pod, at, probe, HANDLERS);
    for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'])
      if (typeof probe[f] === 'number' && probe[f] < 0) nonNegative(ctx, 'api/probe', obj, `${at}.${f}`, probe[f]);
    // 0 is defaulted to 1 before validation.
    if (kind !== 'readinessProbe' && typeof probe.successThreshold === 'number' && probe.successThreshold > 1)
      ctx.report('api/probe', obj, `${at}.successThreshold must be 1, got ${show(probe.successThreshold)}`);
    if (kind === 'readinessProbe' && probe.terminationGracePeriodSeconds !== undefined)
      ctx.report('api/probe', obj, `${at}.terminationGracePeriodSeconds must not be set for readinessProbes`);
    if (typeof probe.terminationGracePeriodSeconds === 'number' && probe.terminationGracePeriodSeconds <= 0)
      ctx.report(
        'api/probe',
        obj,
        `${at}.terminationGracePeriodSeconds must be greater than 0, got ${show(probe.terminationGracePeriodSeconds)}`,
      );
  }
  const lifecycle = c.lifecycle;
  if (lifecycle === undefined || lifecycle === null) return;
  if (plainInit || list === 'ephemeralContainers') {
    ctx.report(
      'api/container',
      obj,
      `${who}.lifecycle may not be set for ${plainInit ? 'init containers without restartPolicy=Always' : 'ephemeral containers'}`,
    );
    return;
  }
  for (const hook of ['postStart', 'preStop'])
    if (isObject(lifecycle[hook])) checkHandler(ctx, pod, `${who}.lifecycle.${hook}`, lifecycle[hook], LIFECYCLE_HANDLERS);
}

function checkHandler(ctx: GateContext, pod: PodTemplate, at: string, handler: any, kinds: readonly string[]): void {
  const obj = pod.owner;
  const set = kinds.filter((k) => handler[k] !== undefined && handler[k] !== null);
  if (set.length === 0) {
    ctx.report('api/probe', obj, `${at} must specify a handler type (one of ${kinds.join(', ')})`);
    return;
  }
  if (set.length > 1) {
    ctx.report('api/probe', obj, `${at} may not specify more than 1 handler type, got ${set.join(' and ')}`);
    return;
  }
  const h = handler[set[0]];
  if (!isObject(h)) return;
  const where = `${at}.${set[0]}`;
  switch (set[0]) {
    case 'exec':
      if (asArray(h.command).length === 0) ctx.report('api/probe', obj, `${where}.command is required`);
      break;
    case 'httpGet':
      fieldProblem(ctx, 'api/probe', obj, `${where}.port`, h.port, portNumOrNameProblem(h.port));
      oneOf(ctx, 'api/probe', obj, `${where}.scheme`, h.scheme, ['HTTP', 'HTTPS']);
      asArray(h.httpHeaders).forEach((hdr, i) => {
        if (typeof hdr?.name !== 'string' || !/^[-A-Za-z0-9]+$/.test(hdr.name))
          ctx.report('api/probe', obj, `${where}.httpHeaders[${i}].name must be a valid HTTP header name, got ${show(hdr?.name)}`);
      });
      break;
    case 'tcpSocket':
      fieldProblem(ctx, 'api/probe', obj, `${where}.port`, h.port, portNumOrNameProblem(h.port));
      break;
    case 'grpc':
      fieldProblem(ctx, 'api/probe', obj, `${where}.port`, h.port, portNumProblem(h.port));
      break;
    case 'sleep':
      if (typeof h.seconds === 'number' && h.seconds < 0) nonNegative(ctx, 'api/probe', obj, `${where}.seconds`, h.seconds);
      break;
  }
}
