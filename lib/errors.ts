import { showValue } from './internal/format';

/**
 * kstack's one error hierarchy. Every error kstack throws on purpose is a {@link KstackError}:
 * one line (or one line per finding) that names what is wrong and what to do, never a secret's
 * value. Callers (the CLI, a Pulumi program, a user's script) catch `KstackError` and print the
 * message; anything else is a bug and keeps its stack trace.
 */
export class KstackError extends Error {
  /**
   * Pulumi prints errors carrying this marker (its RunError's) as their message alone, without a
   * stack trace: a bad prop in a Pulumi program reads the same as on the command line.
   */
  readonly __pulumiRunError = true;

  constructor(
    message: string,
    /** Construct path the error is about, when there is one. */
    readonly path?: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad prop or config value: `<construct path>: '<prop>' <what is expected>, got <value>`. */
export class KstackPropError extends KstackError {
  /**
   * The error for a bad value, in kstack's words: `<path>: '<prop>' <expectation>, got <value>`
   * (the value on one line, shortened). For your own constructs and compositions; never pass a secret.
   */
  static of(path: string, prop: string, expectation: string, got: unknown): KstackPropError {
    return new KstackPropError(path, prop, `${path}: '${prop}' ${expectation}, got ${showValue(got)}`);
  }

  constructor(
    path: string,
    /** The prop (dotted for nested ones, e.g. 'autoscaling.minReplicas'). */
    readonly prop: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, path, options);
  }
}

/** A file or folder kstack was asked to read or write cannot be: names the path and what to do. */
export class KstackIoError extends KstackError {
  constructor(
    message: string,
    /** The file or folder. */
    readonly file: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, undefined, options);
  }
}

/** A bad command line (unknown flag, missing or bad value); the CLI prints it with its usage. */
export class KstackUsageError extends KstackError {}

/** A construct tree that a target cannot render (e.g. two routers claiming one host and path for Compose). */
export class KstackRenderError extends KstackError {}
