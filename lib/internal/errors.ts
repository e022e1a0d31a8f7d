import { KstackError, KstackPropError } from '../errors';

/** `app/api: 'replicas' must be >= 1, got 0`. */
export function propError(path: string, prop: string, expectation: string, got: unknown): KstackPropError {
  return KstackPropError.of(path, prop, expectation, got);
}

/**
 * Runs a step that calls cdk8s or cdk8s-plus (rendering objects from a description). kstack
 * validates props before such steps; should a dependency still refuse something, its error is
 * reported as a KstackPropError naming the construct path and the prop, never raw.
 */
export function guardDependency<T>(path: string, prop: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof KstackError) throw err;
    const reason = String((err as Error)?.message ?? err).split('\n')[0];
    throw new KstackPropError(
      path,
      prop,
      `${path}: '${prop}' was refused while rendering (cdk8s: ${reason}); check the prop's documented form`,
      {
        cause: err,
      },
    );
  }
}

/** The same line, for a secret: the value is never shown, only that it was given. */
export function secretPropError(path: string, prop: string, expectation: string): KstackPropError {
  return new KstackPropError(path, prop, `${path}: '${prop}' ${expectation}, got a value that is not shown (secret)`);
}
