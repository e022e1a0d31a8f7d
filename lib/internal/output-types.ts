/**
 * The types of what the atomic writers take and give (lib/output.ts, lib/internal/io.ts), in a
 * module of their own: the public declarations reference them, and must not pull in Node's types.
 */

/** What a file's content may be given as: text (UTF-8), bytes, or pieces of either, written as they come. */
export type OutputContent = string | Uint8Array | Iterable<string | Uint8Array>;

/** What was written to a file. */
export interface ContentWritten {
  /** Bytes written. */
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}
