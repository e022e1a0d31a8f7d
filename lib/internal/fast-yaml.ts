import * as path from 'path';
import { Yaml } from 'cdk8s';

/**
 * A fast path for cdk8s's `Yaml.stringify` (yaml 2.9.1 with `{ keepUndefined: true, lineWidth: 0,
 * version: '1.1' }`), producing the same bytes. It renders the block-style maps, sequences,
 * strings, safe integers and booleans that synthesized manifests are made of, and hands any
 * document holding anything else (null, floats, multi-line or non-ASCII strings, shared object
 * references, class instances...) to `Yaml.stringify` itself. The yaml library spends ~0.3 ms per
 * object building a node tree first; this writes the text directly.
 */

interface YamlTag { default?: boolean | string; tag: string; test?: RegExp }
const STR_TAG = 'tag:yaml.org,2002:str';

let impliedTypeTests: RegExp[] | undefined;
let specialTypeTests: RegExp[] = [];

/** The regexps of the YAML 1.1 schema's implicit types, from cdk8s's own copy of the yaml package. */
function typeTests(): RegExp[] {
  if (impliedTypeTests) return impliedTypeTests;
  const cdk8sDir = path.dirname(require.resolve('cdk8s'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require(require.resolve('yaml', { paths: [cdk8sDir] })) as typeof import('yaml');
  const schema = new YAML.Document(null, { version: '1.1' }).schema as unknown as { tags: YamlTag[]; compat?: YamlTag[] | null };
  // yaml's plainString() quotes a plain scalar when one of these matches. A tag whose `default`
  // is not plain `true` (the merge key '<<', default 'key') is treated differently for keys and
  // values; those strings go to the yaml library.
  const tags = [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== STR_TAG && t.test instanceof RegExp);
  impliedTypeTests = tags.filter((t) => t.default === true).map((t) => t.test!);
  specialTypeTests = tags.filter((t) => t.default !== true).map((t) => t.test!);
  return impliedTypeTests;
}

// yaml's plainString(): characters and sequences a plain scalar may not have.
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// What this renderer handles itself: printable ASCII on one line, no backslash, no document marker.
const SIMPLE = /^[\x20-\x5b\x5d-\x7e]*$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/;
const MAX_KEY = 1000;

/** Thrown (and caught) when a document needs the full yaml library. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

const scalarCache = new Map<string, string>();

/** A string scalar as yaml writes it (same for keys and values when on one line), or throws Unsupported. */
function str(value: string): string {
  const hit = scalarCache.get(value);
  if (hit !== undefined) return hit;
  if (!SIMPLE.test(value) || DOCUMENT_MARKER.test(value)) throw UNSUPPORTED;
  let out = value;
  const implied = typeTests();
  if (specialTypeTests.some((t) => t.test(value))) throw UNSUPPORTED;
  if (NOT_PLAIN.test(value) || implied.some((t) => t.test(value))) {
    // quotedString() with singleQuote: null: single quotes only when the value has '"' and no "'".
    const hasDouble = value.includes('"');
    const hasSingle = value.includes("'");
    if (hasDouble && !hasSingle) out = `'${value}'`;
    else if (hasDouble) throw UNSUPPORTED; // both kinds: double quotes with escapes
    else out = `"${value}"`; // JSON.stringify of printable ASCII without '"' or '\'
  }
  if (scalarCache.size < 100_000) scalarCache.set(value, out);
  return out;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A scalar, or undefined when `v` is a collection. */
function scalar(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return str(v);
    case 'number':
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw UNSUPPORTED;
      return String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'object':
      if (v === null) throw UNSUPPORTED;
      return undefined;
    default: throw UNSUPPORTED; // undefined, bigint, symbol, function
  }
}

class Writer {
  out = '';
  private readonly seen = new Set<object>();

  /** Collections are aliased by yaml when they appear twice; leave those to it. */
  private enter(v: object): void {
    if (this.seen.has(v)) throw UNSUPPORTED;
    this.seen.add(v);
    if (!Array.isArray(v) && !isPlainObject(v)) throw UNSUPPORTED;
  }

  /** A block map whose first line is already started (`first` prefix written); continuation lines use `indent`. */
  map(obj: Record<string, unknown>, indent: string): void {
    let first = true;
    for (const key of Object.keys(obj)) {
      if (key.length > MAX_KEY) throw UNSUPPORTED;
      if (!first) this.out += indent;
      first = false;
      this.out += str(key);
      this.out += ':';
      this.value(obj[key], indent, true);
    }
  }

  seq(arr: readonly unknown[], indent: string): void {
    for (let i = 0; i < arr.length; i++) {
      if (i > 0) this.out += indent;
      this.out += '-';
      this.value(arr[i], indent, false);
    }
  }

  /** Writes ` value\n`, or a nested collection; `indent` is the parent's. */
  private value(v: unknown, indent: string, inMap: boolean): void {
    const s = scalar(v);
    if (s !== undefined) {
      this.out += ' ';
      this.out += s;
      this.out += '\n';
      return;
    }
    const o = v as object;
    this.enter(o);
    const child = `${indent}  `;
    if (Array.isArray(o)) {
      if (o.length === 0) { this.out += ' []\n'; return; }
      if (inMap) { this.out += '\n'; this.out += child; } else this.out += ' ';
      this.seq(o, child);
      return;
    }
    if (Object.keys(o).length === 0) { this.out += ' {}\n'; return; }
    if (inMap) { this.out += '\n'; this.out += child; } else this.out += ' ';
    this.map(o as Record<string, unknown>, child);
  }

  document(doc: unknown): string {
    if (doc === null || typeof doc !== 'object') throw UNSUPPORTED;
    this.enter(doc);
    if (Array.isArray(doc)) {
      if (doc.length === 0) return '[]\n';
      this.seq(doc, '');
    } else {
      if (Object.keys(doc).length === 0) return '{}\n';
      this.map(doc as Record<string, unknown>, '');
    }
    return this.out;
  }
}

/** One document, as `Yaml.stringify(doc)` writes it. */
export function stringifyDocument(doc: unknown): string {
  if (doc === undefined) return '\n';
  try {
    return new Writer().document(doc);
  } catch (err) {
    if (err !== UNSUPPORTED) throw err;
    return Yaml.stringify(doc);
  }
}

/** Multi-document YAML, byte-identical to `Yaml.stringify(...docs)`. */
export function stringifyDocuments(docs: readonly unknown[]): string {
  return docs.map(stringifyDocument).join('---\n');
}
