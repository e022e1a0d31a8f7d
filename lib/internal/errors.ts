import { KstackPropError } from '../errors';

/** `app/api: 'replicas' must be >= 1, got 0`. */
export function propError(path: string, prop: string, expectation: string, got: unknown): KstackPropError {
  return KstackPropError.of(path, prop, expectation, got);
}

/** The same line, for a secret: the value is never shown, only that it was given. */
export function secretPropError(path: string, prop: string, expectation: string): KstackPropError {
  return new KstackPropError(path, prop, `${path}: '${prop}' ${expectation}, got a value that is not shown (secret)`);
}
