import { propError } from '../errors';

/**
 * The checks in this folder return what is wrong as an expectation ("must not contain '//'"), or
 * undefined: a construct turns it into a KstackPropError with {@link requireValid}, the gate into a
 * finding, so both say the same words.
 */
export type Problem = string | undefined;

/** Throws `<path>: '<prop>' <problem>, got <value>` when the check found a problem. */
export function requireValid(path: string, prop: string, value: unknown, problem: Problem): void {
  if (problem !== undefined) throw propError(path, prop, problem, value);
}

/** An integer in [min, max] (a JSON number: 1e300 is not one, nor is a string). */
export function integerProblem(value: unknown, min: number, max: number): Problem {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
  if (value < min) return min === 0 ? 'must be greater than or equal to 0' : `must be greater than or equal to ${min}`;
  if (value > max) return `must be less than or equal to ${max}`;
  return undefined;
}

/** The largest value of an int32 field (Go's math.MaxInt32). */
export const MAX_INT32 = 2147483647;
/** The largest integer a JSON number carries exactly; int64 fields beyond it lose digits. */
export const MAX_INT64_SAFE = Number.MAX_SAFE_INTEGER;
