import { Severity } from './rules';

/** One problem the gate found in one object. */
export interface Finding {
  /** Rule id, e.g. 'pss/seccomp'. */
  readonly ruleId: string;
  readonly severity: Severity;
  /** Environment the objects were validated for. */
  readonly env: string;
  /** 'Kind/namespace/name' ('Kind/name' for objects without a namespace). */
  readonly object: string;
  /** Construct path that produced the object, when known. */
  readonly path?: string;
  /** What is wrong, on one line. */
  readonly message: string;
  /** How to fix it, on one line. */
  readonly fix: string;
  /** Set when a waiver covers the finding: it is reported, but does not fail the gate. */
  readonly waived?: { readonly reason: string; readonly path: string };
}

/** A rule waived on a construct and everything below it, with the reason. */
export interface Waiver {
  /** Construct path the waiver was declared on. */
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
}

export interface ValidateOptions {
  /**
   * Environment name. 'dev' (or 'development', 'local') relaxes image pinning and literal Secrets;
   * 'prod' (or 'production') adds the PodDisruptionBudget rule. @default 'prod'
   */
  readonly env?: string;
  /** Construct path per object, keyed by {@link objectKey} (kind/namespace/name). */
  readonly constructPaths?: ReadonlyMap<string, string>;
  /** Waived rules by construct path. */
  readonly waivers?: readonly Waiver[];
  /**
   * Objects that exist outside the set: 'Kind/name' (any namespace), 'Kind/namespace/name',
   * or a bare name, meaning a Secret.
   */
  readonly external?: readonly string[];
  /**
   * Digests of objects that passed their OpenAPI schema in an earlier run: a hit skips the schema
   * check (and loading the schema modules). The gate never reads files itself; the caller owns
   * storage, and must key it by the kubernetes-models versions. @default - every object is checked
   */
  readonly schemaCache?: SchemaResultCache;
}

/**
 * A store of digests of objects that passed their OpenAPI schema (see {@link ValidateOptions.schemaCache}).
 * A digest is the SHA-1 of the object's JSON, base64.
 */
export interface SchemaResultCache {
  has(digest: string): boolean;
  add(digest: string): void;
}

/** The key of an object in {@link ValidateOptions.constructPaths}: 'Kind/namespace/name' ('' for no namespace). */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
