import { Document } from 'yaml';

/**
 * Multi-document YAML for synthesized manifests, written by js-yaml: about as fast as a hand-written
 * emitter (27k objects in ~1.3 s) where the yaml library that cdk8s's Yaml.stringify uses needs
 * ~0.3 ms per object to build a node tree first.
 *
 * js-yaml quotes strings that a YAML 1.2 reader (or its YAML 1.1 booleans: yes, on, y...) would
 * read as something else. Kubernetes reads manifests with a YAML 1.1 parser (go-yaml v2 in
 * sigs.k8s.io/yaml), which also reads e.g. `1_000` as an integer, so every string that the YAML 1.1
 * schema of the yaml package resolves to another type is quoted too.
 */

// js-yaml 4 ships no type declarations (@types/js-yaml would be a second dependency): the parts used.
interface JsYamlType {
  readonly tag: string;
}
interface JsYaml {
  dump(value: unknown, options: Record<string, unknown>): string;
  Type: new (tag: string, options: { kind: 'scalar'; resolve: (data: unknown) => boolean }) => JsYamlType;
  JSON_SCHEMA: { extend(types: { implicit: JsYamlType[] }): unknown };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsyaml = require('js-yaml') as JsYaml;

interface YamlTag {
  tag: string;
  test?: RegExp;
}
const STR_TAG = 'tag:yaml.org,2002:str';

/** The implicit-type patterns (bool, null, int, float, timestamp, merge...) of YAML 1.1, from the yaml package. */
const YAML11_TESTS: readonly RegExp[] = (() => {
  const schema = new Document(null, { version: '1.1' }).schema as unknown as { tags: YamlTag[]; compat?: YamlTag[] | null };
  return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.tag !== STR_TAG && t.test instanceof RegExp).map((t) => t.test!);
})();

const readAsYaml11 = new Map<string, boolean>();

/**
 * Whether a YAML 1.1 pattern can match a string starting with this character: every one of them
 * starts with a sign, a digit, '.', '~', '<' or 'e'/'E' (numbers, timestamps, .inf, ~, <<, and
 * the float pattern, whose mantissa is optional: 'E0'), or is a word of at most 5 letters starting
 * with one of 'yYnNtTfFoO' (y, yes, no, true, false, on, off, null).
 * Most strings (names, labels, keys) fail this test, which is much cheaper than the patterns.
 */
function mayBeYaml11NonString(s: string): boolean {
  if (s.length === 0) return true; // null
  switch (s.charCodeAt(0)) {
    case 0x2b:
    case 0x2d:
    case 0x2e:
    case 0x7e:
    case 0x3c:
    case 0x65:
    case 0x45: // + - . ~ < e E
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x36:
    case 0x37:
    case 0x38:
    case 0x39:
      return true;
    case 0x79:
    case 0x59:
    case 0x6e:
    case 0x4e:
    case 0x74:
    case 0x54:
    case 0x66:
    case 0x46:
    case 0x6f:
    case 0x4f: // yYnNtTfFoO
      return s.length <= 5;
    default:
      return false;
  }
}

/** True when a YAML 1.1 reader takes this plain scalar for something other than a string. */
function isYaml11NonString(data: unknown): boolean {
  if (typeof data !== 'string' || !mayBeYaml11NonString(data)) return false;
  let hit = readAsYaml11.get(data);
  if (hit === undefined) {
    hit = YAML11_TESTS.some((re) => re.test(data));
    // Names and values repeat across objects; bounded so a huge input cannot grow it without limit.
    if (readAsYaml11.size < 100_000) readAsYaml11.set(data, hit);
  }
  return hit;
}

// An implicit type that never represents a value (no predicate), only makes dump() quote the
// strings it matches: js-yaml quotes a string when any implicit type of the schema resolves it.
// JSON_SCHEMA's types (null, bool, int, float as YAML 1.2 core reads them) plus this one cover
// both readers; DEFAULT_SCHEMA's timestamp and merge types are YAML 1.1's, already in the patterns.
const SCHEMA = jsyaml.JSON_SCHEMA.extend({
  implicit: [new jsyaml.Type('tag:kstack.dev,2025:yaml11-non-string', { kind: 'scalar', resolve: isYaml11NonString })],
});

const DUMP_OPTIONS = {
  schema: SCHEMA,
  // Shared objects are written out again, never as anchors and aliases.
  noRefs: true,
  // No folding of long strings: one line stays one line.
  lineWidth: -1,
  quotingType: '"',
  // Key order is cdk8s's (apiVersion, kind, metadata, then sorted).
  sortKeys: false,
};

// Strings written as double-quoted scalars only (escapes instead of block scalars).
const QUOTED_OPTIONS = { ...DUMP_OPTIONS, forceQuotes: true };

// A line of only spaces or tabs: js-yaml writes it inside a block scalar (`|2`) for a multi-line
// string with a blank-looking line, and YAML readers disagree on what such a line holds (the yaml
// package reads ' \n' back as ''). Nothing else in js-yaml's output has one.
const WHITESPACE_LINE = /^[ \t]+$/m;

/** One document. */
export function stringifyDocument(doc: unknown): string {
  const text = jsyaml.dump(doc, DUMP_OPTIONS);
  // Block scalars start with '|' (lineWidth -1: never folded with '>'); most documents have none.
  return text.includes('|') && WHITESPACE_LINE.test(text) ? jsyaml.dump(doc, QUOTED_OPTIONS) : text;
}

const SEPARATOR = '---\n';

/** Multi-document YAML: documents separated by `---`. */
export function stringifyDocuments(docs: readonly unknown[]): string {
  return docs.map(stringifyDocument).join(SEPARATOR);
}

/**
 * The bytes of {@link stringifyDocuments} in pieces of at least `chunkLength` characters (the last
 * may be shorter), so a large set can be written without holding it whole.
 */
export function* stringifyDocumentChunks(docs: readonly unknown[], chunkLength = 1 << 20): Generator<string> {
  let chunk = '';
  for (let i = 0; i < docs.length; i++) {
    chunk += i === 0 ? stringifyDocument(docs[i]) : `${SEPARATOR}${stringifyDocument(docs[i])}`;
    if (chunk.length >= chunkLength) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
