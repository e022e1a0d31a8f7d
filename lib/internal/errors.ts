/** A props or config error: one line naming the construct path, the prop, the value received and what is expected. */
export class KstackPropError extends Error {
  constructor(
    readonly path: string,
    readonly prop: string,
    message: string,
  ) {
    super(message);
    this.name = 'KstackPropError';
  }
}

/** Formats a received value for an error message, on one line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `app/api: 'replicas' must be >= 1, got 0`. */
export function propError(path: string, prop: string, expectation: string, got: unknown): KstackPropError {
  return new KstackPropError(path, prop, `${path}: '${prop}' ${expectation}, got ${describeValue(got)}`);
}
