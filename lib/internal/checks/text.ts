import { Problem } from './require';

/**
 * A value written on one line of YAML and passed on as is (a Git revision, a label shown by a tool):
 * non-empty, no line breaks or other control characters, no leading or trailing spaces.
 */
export function singleLineProblem(value: unknown): Problem {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must be one line of printable characters (no line break, tab or control character)';
  if (value.trim() !== value) return 'must not start or end with spaces';
  return undefined;
}
