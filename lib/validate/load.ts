import * as fs from 'fs';
import * as path from 'path';
import { KstackIoError } from '../errors';
import { showValue } from '../internal/format';
import { isRecord } from '../internal/json';
import { GateHeader, HeaderWaiver, readGateHeader } from './header';
import { RuleId } from './rules';
import { objectKey } from './types';
import { loadAllYaml11, YamlSyntaxError } from './yaml11';

/**
 * Reads the manifests of a folder or file for the gate, treating every file as hostile: only
 * regular files are opened (symlinks followed with loop detection; FIFOs, sockets and devices
 * refused), sizes and YAML alias and nesting limits are enforced, and every problem becomes a
 * problem record (a finding once the environment is known), never an exception or a hang.
 */

export interface LoadOptions {
  /** Largest file read, in bytes. @default 64 MiB */
  readonly maxFileBytes?: number;
  /** Deepest nesting of maps and lists in a document. @default 100 */
  readonly maxDepth?: number;
  /** Largest number of maps, lists and values in a document once YAML aliases are expanded. @default 1,000,000 */
  readonly maxNodes?: number;
}

/** A problem of the input, reported as a finding of rule `ruleId` on `object`. */
export interface LoadProblem {
  readonly ruleId: RuleId;
  /** 'file' or 'file#document'. */
  readonly object: string;
  readonly message: string;
}

export interface LoadedManifests {
  /** The objects, in file and document order (Lists and top-level arrays expanded). */
  readonly objects: unknown[];
  /** 'file#document' of each object, keyed by objectKey(kind, namespace, name) (the gate's constructPaths). */
  readonly sources: Map<string, string>;
  /** Files read, relative to the target (the file name when the target is a file). */
  readonly files: string[];
  /** Documents that are not Kubernetes objects (no apiVersion and no kind: Compose files, Helm values). */
  readonly skipped: string[];
  readonly problems: LoadProblem[];
  /** The kstack.dev/gate headers found, with their files. */
  readonly headers: { readonly file: string; readonly header: GateHeader }[];
}

const MANIFEST = /\.(ya?ml|json)$/i;
const DEFAULTS = { maxFileBytes: 64 * 1024 * 1024, maxDepth: 100, maxNodes: 1_000_000 };

/**
 * Loads `target` (a folder, walked recursively without hidden folders and node_modules, or one
 * file). Throws a KstackIoError only when the target itself cannot be read.
 */
export function loadManifests(target: string, options: LoadOptions = {}): LoadedManifests {
  const opts = { ...DEFAULTS, ...options };
  const out: LoadedManifests = { objects: [], sources: new Map(), files: [], skipped: [], problems: [], headers: [] };
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch (err) {
    throw new KstackIoError(`cannot read '${target}': ${ioReason(err)}`, target, { cause: err });
  }
  if (st.isDirectory()) walk(target, '', target, out, opts, new Set(), new Set());
  else if (st.isFile()) readManifestFile(target, path.basename(target), st, out, opts);
  else throw new KstackIoError(`cannot read '${target}': ${fileType(st)}, not a folder or a regular file`, target);
  return out;
}

function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder (or a dangling symlink)';
    case 'ELOOP':
      return 'symlink loop';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a path component is not a folder';
    default:
      return code ?? String((err as Error).message ?? err);
  }
}

function fileType(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

type Opts = typeof DEFAULTS;

function walk(dir: string, rel: string, root: string, out: LoadedManifests, opts: Opts, ancestors: Set<string>, seen: Set<string>): void {
  let st: fs.Stats;
  let entries: fs.Dirent[];
  try {
    st = fs.statSync(dir);
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    out.problems.push({
      ruleId: 'input/file',
      object: rel || '.',
      message: `folder ${showValue(rel || '.')} cannot be read: ${ioReason(err)}`,
    });
    return;
  }
  const id = `${st.dev}:${st.ino}`;
  if (ancestors.has(id)) {
    out.problems.push({
      ruleId: 'input/file',
      object: rel,
      message: `folder ${showValue(rel)} is a symlink loop (it leads back to a folder above it); not read again`,
    });
    return;
  }
  // A folder reached twice through symlinks is read once (its objects would be duplicates).
  if (seen.has(id)) return;
  seen.add(id);
  ancestors.add(id);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    let est: fs.Stats | undefined;
    if (entry.isSymbolicLink()) {
      try {
        est = fs.statSync(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || MANIFEST.test(entry.name))
          out.problems.push({ ruleId: 'input/file', object: r, message: `symlink ${showValue(r)} cannot be followed: ${ioReason(err)}` });
        continue;
      }
      if (est.isDirectory()) {
        walk(p, r, root, out, opts, ancestors, seen);
        continue;
      }
    } else if (entry.isDirectory()) {
      walk(p, r, root, out, opts, ancestors, seen);
      continue;
    }
    if (!MANIFEST.test(entry.name)) continue;
    if (est === undefined && !entry.isFile()) {
      out.problems.push({
        ruleId: 'input/file',
        object: r,
        message: `${showValue(r)} is ${entryType(entry)}, not a regular file; not read`,
      });
      continue;
    }
    readManifestFile(p, r, est, out, opts);
  }
  ancestors.delete(id);
}

function entryType(e: fs.Dirent): string {
  if (e.isFIFO()) return 'a FIFO';
  if (e.isSocket()) return 'a socket';
  if (e.isCharacterDevice()) return 'a character device';
  if (e.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Reads a regular file of at most maxFileBytes; a FIFO or device is refused before it is opened. */
function readBounded(file: string, rel: string, st: fs.Stats | undefined, out: LoadedManifests, opts: Opts): string | undefined {
  const fail = (message: string) => {
    out.problems.push({ ruleId: 'input/file', object: rel, message });
    return undefined;
  };
  try {
    const s = st ?? fs.statSync(file);
    if (!s.isFile()) return fail(`${showValue(rel)} is ${fileType(s)}, not a regular file; not read`);
    if (s.size > opts.maxFileBytes) return fail(`${showValue(rel)} is ${s.size} bytes, over the limit of ${opts.maxFileBytes}; not read`);
    // O_NONBLOCK: a file swapped for a FIFO after the stat cannot block the open.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const fst = fs.fstatSync(fd);
      if (!fst.isFile()) return fail(`${showValue(rel)} is ${fileType(fst)}, not a regular file; not read`);
      const buf = Buffer.alloc(Math.min(fst.size, opts.maxFileBytes) + 1);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (n > opts.maxFileBytes) return fail(`${showValue(rel)} grew over the limit of ${opts.maxFileBytes} bytes while read; not read`);
      return buf.toString('utf8', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return fail(`${showValue(rel)} cannot be read: ${ioReason(err)}`);
  }
}

function readManifestFile(file: string, rel: string, st: fs.Stats | undefined, out: LoadedManifests, opts: Opts): void {
  const text = readBounded(file, rel, st, out, opts);
  if (text === undefined) return;
  out.files.push(rel);
  const { header, problem } = readGateHeader(text);
  if (problem) out.problems.push({ ruleId: 'input/header', object: rel, message: `${showValue(rel)}: ${problem}` });
  if (header) out.headers.push({ file: rel, header });
  const values = /\.json$/i.test(rel) ? parseJson(text, rel, out) : parseYaml(text, rel, out);
  values.forEach(({ value, where }) => addDocument(value, where, out, opts));
}

interface Doc {
  readonly value: unknown;
  readonly where: string;
}

function parseJson(text: string, rel: string, out: LoadedManifests): Doc[] {
  try {
    return [{ value: JSON.parse(text), where: `${rel}#1` }];
  } catch (err) {
    const problem =
      err instanceof SyntaxError ? `is not valid JSON: ${err.message.split('\n')[0]}` : `cannot be parsed: ${limitReason(err)}`;
    out.problems.push({
      ruleId: err instanceof SyntaxError ? 'input/parse' : 'input/limits',
      object: rel,
      message: `${showValue(rel)} ${problem}`,
    });
    return [];
  }
}

function limitReason(err: unknown): string {
  if (err instanceof RangeError) return 'nesting too deep for the parser';
  return String((err as Error)?.message ?? err).split('\n')[0];
}

function parseYaml(text: string, rel: string, out: LoadedManifests): Doc[] {
  try {
    // js-yaml keeps aliases as shared references (no expansion here); addDocument bounds the expanded size.
    return loadAllYaml11(text, rel).map((value, i) => ({ value, where: `${rel}#${i + 1}` }));
  } catch (err) {
    const syntax = err as Partial<YamlSyntaxError>;
    if (typeof syntax?.reason === 'string') {
      const line = syntax.line !== undefined ? ` at line ${syntax.line}` : '';
      out.problems.push({
        ruleId: 'input/parse',
        object: rel,
        message: `${showValue(rel)} does not parse as YAML${line}: ${syntax.reason}`,
      });
    } else {
      out.problems.push({ ruleId: 'input/limits', object: rel, message: `${showValue(rel)} cannot be parsed: ${limitReason(err)}` });
    }
    return [];
  }
}

/**
 * Why a document is too large or deep once aliases are expanded, or undefined. Subtree sizes are
 * memoized by identity, so a YAML alias bomb (a list of nine references to a list of nine...) costs
 * one visit per distinct node, not one per expanded node.
 */
function shapeProblem(value: unknown, maxDepth: number, maxNodes: number): string | undefined {
  const sizes = new Map<object, number>();
  let tooDeep = false;
  const size = (v: unknown, depth: number): number => {
    if (typeof v !== 'object' || v === null) return 1;
    if (depth > maxDepth) {
      tooDeep = true;
      return 1;
    }
    const known = sizes.get(v);
    if (known !== undefined) return known;
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += size(child, depth + 1);
      if (tooDeep || n > maxNodes) break;
    }
    sizes.set(v, n);
    return n;
  };
  const n = size(value, 1);
  if (tooDeep) return `nests maps and lists deeper than ${maxDepth} levels`;
  if (n > maxNodes) return `expands to more than ${maxNodes} values (YAML aliases included)`;
  return undefined;
}

function addDocument(value: unknown, where: string, out: LoadedManifests, opts: Opts): void {
  if (value === null || value === undefined) return; // empty document
  const shape = shapeProblem(value, opts.maxDepth, opts.maxNodes);
  if (shape) {
    out.problems.push({ ruleId: 'input/limits', object: where, message: `document ${shape}; not validated` });
    return;
  }
  // A top-level list of manifests, as kubectl accepts it.
  if (Array.isArray(value)) {
    value.forEach((item, j) => addObject(item, `${where}[${j}]`, out));
    return;
  }
  if (isRecord(value) && !('apiVersion' in value) && !('kind' in value)) {
    out.skipped.push(where);
    return;
  }
  // kind: List (and ConfigMapList...: any kind ending in List with items), as kubectl expands them.
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item, j) => addObject(item, `${where}.items[${j}]`, out));
    return;
  }
  addObject(value, where, out);
}

function addObject(item: unknown, where: string, out: LoadedManifests): void {
  out.objects.push(item);
  const m = isRecord(item) && isRecord(item.metadata) ? item.metadata : undefined;
  const kind = isRecord(item) ? item.kind : undefined;
  if (typeof kind === 'string' && typeof m?.name === 'string') {
    const key = objectKey(kind, typeof m.namespace === 'string' && m.namespace ? m.namespace : undefined, m.name);
    if (!out.sources.has(key)) out.sources.set(key, where);
  }
}

/** The waivers of the headers as gate waivers: each applies to the object's own source document. */
export function headerWaivers(
  loaded: LoadedManifests,
  waivers: readonly HeaderWaiver[],
): { path: string; ruleId: string; reason: string }[] {
  const result: { path: string; ruleId: string; reason: string }[] = [];
  for (const w of waivers) {
    const parts = w.object.split('/');
    const key =
      parts.length >= 3 ? objectKey(parts[0], parts[1], parts.slice(2).join('/')) : objectKey(parts[0], undefined, parts[1] ?? '');
    const source = loaded.sources.get(key);
    if (source !== undefined) result.push({ path: source, ruleId: w.ruleId, reason: w.reason });
  }
  return result;
}
