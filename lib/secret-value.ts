import { checkSecretString } from './internal/checks/secret';
import { secretPropError } from './internal/errors';

/** Marks SecretValues (Symbol.for, so that two copies of kstack recognise each other's). */
const MARK: unique symbol = Symbol.for('kstack.secret-value') as never;

/**
 * A secret given as a literal: for development only (the gate refuses literal Secrets outside
 * dev). It never prints: `String(secret)` and `JSON.stringify(secret)` give '<secret>', and no
 * kstack error message shows it.
 */
export class SecretValue {
  /** A literal secret, for a local dev environment; everywhere else reference a Secret created out of band. */
  static unsafePlainText(value: string): SecretValue {
    return new SecretValue(value);
  }

  /** Whether a value is a SecretValue (also across two copies of kstack). */
  static isSecretValue(value: unknown): value is SecretValue {
    return typeof value === 'object' && value !== null && (value as { [MARK]?: true })[MARK] === true;
  }

  /** Recognised by isSecretValue. */
  readonly [MARK] = true as const;

  private constructor(private readonly value: string) {}

  /** The literal, for the one place that writes it (the Secret's data). */
  unsafeUnwrap(): string {
    return this.value;
  }

  toString(): string {
    return '<secret>';
  }

  toJSON(): string {
    return '<secret>';
  }
}

/** The `password`-like prop: a non-empty SecretValue, checked without ever showing the value. */
export function checkSecretValue(path: string, prop: string, value: unknown): SecretValue {
  if (!SecretValue.isSecretValue(value)) {
    throw secretPropError(
      path,
      prop,
      "must be a SecretValue, e.g. SecretValue.unsafePlainText('...') for dev (a plain value is refused so it is never printed)",
    );
  }
  checkSecretString(path, prop, value.unsafeUnwrap());
  return value;
}
