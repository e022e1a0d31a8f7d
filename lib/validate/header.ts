import { Finding } from './types';

/**
 * What the synthesized output tells `kstack validate` (item: "its own output validates with no
 * flags"): the environment it was gated for, the objects declared as created outside kstack, and
 * the waived findings with their reasons. It is one YAML comment line at the top of each file
 * kstack writes, so kubectl, Argo CD and every YAML parser ignore it and the objects stay
 * unchanged; `loadManifests` reads it back.
 */
export const GATE_HEADER_PREFIX = '# kstack.dev/gate: ';

/** A waived finding, by rule and object id ('Kind/namespace/name'). */
export interface HeaderWaiver {
  readonly ruleId: string;
  readonly object: string;
  readonly reason: string;
}

/** The content of the header line. */
export interface GateHeader {
  /** Environment the objects were gated for. */
  readonly env: string;
  /** Objects created outside kstack: 'Kind/namespace/name' or 'Kind/name'. */
  readonly external: readonly string[];
  /** Findings waived in the construct tree. */
  readonly waivers: readonly HeaderWaiver[];
}

/**
 * The header lines to write before the first document of every manifest file of one
 * environment: the environment, the external objects (`collectGateContext(...).external`) and the
 * waived findings of the gate run. Deterministic: sorted, one line of JSON.
 */
export function gateHeaderLines(env: string, external: readonly string[], findings: readonly Finding[]): string {
  const waivers = findings
    .filter((f) => f.waived)
    .map((f) => ({ ruleId: f.ruleId, object: f.object, reason: f.waived!.reason }))
    .sort((a, b) => (`${a.ruleId}\0${a.object}` < `${b.ruleId}\0${b.object}` ? -1 : 1));
  const header: GateHeader = { env, external: [...new Set(external)].sort(), waivers };
  return `# Written by kstack: \`kstack validate\` reads the next line (environment, objects created outside kstack, waivers).\n${GATE_HEADER_PREFIX}${JSON.stringify(header)}\n`;
}

/** The header of a manifest file's text, undefined when it has none, or a one-line problem. */
export function readGateHeader(text: string): { header?: GateHeader; problem?: string } {
  // Only the leading comment block counts (a header further down is data of a document).
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end).replace(/\r$/, '');
    if (line.startsWith(GATE_HEADER_PREFIX)) return parseHeader(line.slice(GATE_HEADER_PREFIX.length));
    if (!line.startsWith('#') && line.trim() !== '') return {};
    if (end < 0) break;
    at = end + 1;
  }
  return {};
}

function parseHeader(json: string): { header?: GateHeader; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { problem: 'the kstack.dev/gate header line is not JSON' };
  }
  const h = raw as Partial<GateHeader> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const waiverOk = (w: unknown) => {
    const x = w as Partial<HeaderWaiver> | null;
    return typeof x?.ruleId === 'string' && typeof x.object === 'string' && typeof x.reason === 'string';
  };
  if (
    typeof h !== 'object' ||
    h === null ||
    typeof h.env !== 'string' ||
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(h.env) ||
    !strings(h.external) ||
    !Array.isArray(h.waivers) ||
    !h.waivers.every(waiverOk)
  ) {
    return { problem: 'the kstack.dev/gate header must be {"env": NAME, "external": [...], "waivers": [{"ruleId", "object", "reason"}]}' };
  }
  return { header: { env: h.env, external: h.external as string[], waivers: h.waivers as HeaderWaiver[] } };
}
