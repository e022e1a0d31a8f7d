/**
 * The YAML schema kubectl reads manifests with (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1):
 * y/yes/on and n/no/off are booleans, 0644 is octal, `<<` merges, timestamps stay strings.
 * js-yaml parses it about ten times faster than the yaml package, which matters for large inputs.
 */
// js-yaml 4 ships no type declarations (as in lib/internal/yaml.ts): the parts used.
interface TypeOptions {
  kind: 'scalar';
  resolve: (data: string | null) => boolean;
  construct: (data: string) => unknown;
  predicate: (v: unknown) => boolean;
  represent: (v: object) => string;
}
interface JsYaml {
  Type: new (tag: string, options: TypeOptions) => object;
  FAILSAFE_SCHEMA: { extend(types: { implicit: object[] }): object };
  types: { null: object; float: object; merge: object };
  loadAll(text: string, iterator: undefined, options: { schema: object; filename: string }): unknown[];
  YAMLException: new () => Error & { reason?: string; mark?: { line: number } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsyaml = require('js-yaml') as JsYaml;

const BOOL_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

const bool11 = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (BOOL_TRUE.has(data) || BOOL_FALSE.has(data)),
  construct: (data: string) => BOOL_TRUE.has(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: (v: object) => String(v),
});

const INT11 = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;

const int11 = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && INT11.test(data) && data.replace(/[-+_]/g, '').length > 0,
  construct: (data: string) => {
    const sign = data.startsWith('-') ? -1 : 1;
    const body = data.replace(/^[-+]/, '').replace(/_/g, '');
    if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
    if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body.slice(1), 8);
    return sign * Number(body);
  },
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  represent: (v: object) => String(v),
});

/** Failsafe (str, seq, map) plus YAML 1.1 null, bool, int, the core float and merge keys. */
const YAML11_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [jsyaml.types.null, bool11, int11, jsyaml.types.float, jsyaml.types.merge],
});

/** A YAML syntax error: the reason and the line (1-based), when js-yaml gives them. */
export interface YamlSyntaxError {
  readonly reason: string;
  readonly line?: number;
}

/**
 * The documents of a YAML stream as kubectl reads them. Aliases stay shared references (nothing is
 * expanded here: callers bound the expanded size). Throws a {@link YamlSyntaxError} for bad syntax,
 * and a RangeError when nesting exhausts the parser's stack.
 */
export function loadAllYaml11(text: string, filename: string): unknown[] {
  try {
    return jsyaml.loadAll(text, undefined, { schema: YAML11_SCHEMA, filename });
  } catch (err) {
    if (err instanceof jsyaml.YAMLException) {
      const e = err as InstanceType<JsYaml['YAMLException']>;
      throw { reason: e.reason ?? e.message.split('\n')[0], line: e.mark ? e.mark.line + 1 : undefined } satisfies YamlSyntaxError;
    }
    throw err;
  }
}
