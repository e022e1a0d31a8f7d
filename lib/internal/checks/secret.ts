import { secretPropError } from '../errors';

/**
 * A secret string prop (a password): a non-empty string of one line. The error never shows the
 * value, whatever its type (a number given as a password is still a password).
 */
export function checkSecretString(path: string, prop: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) throw secretPropError(path, prop, 'must be a non-empty string');
  // eslint-disable-next-line no-control-regex -- a line break in a password breaks env files and URLs
  if (/[\u0000-\u001f\u007f]/.test(value)) throw secretPropError(path, prop, 'must be one line without control characters');
}

/**
 * Two variables mapped to one key of a Secret (e.g. `secretKeys` of Postgres.fromExisting): the
 * second silently reads the first one's value. Returns the expectation, naming both entries.
 */
export function duplicateTargetProblem(mapping: Readonly<Record<string, unknown>>): string | undefined {
  const seen = new Map<unknown, string>();
  for (const [from, to] of Object.entries(mapping)) {
    const other = seen.get(to);
    if (other !== undefined) return `must map each entry to its own key: '${other}' and '${from}' both read key '${String(to)}'`;
    seen.set(to, from);
  }
  return undefined;
}
