import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KstackIoError } from './errors';
import { propError } from './internal/errors';
import { showValue } from './internal/format';
import { errnoOf, fileSha256, fsyncFolder, io, ioError, makeFolders, statOrNone, writeFileDurably } from './internal/io';
import { acquireLock, HeldLock, processExists } from './internal/output-lock';

import type { ContentWritten, OutputContent } from './internal/output-types';

export type { ContentWritten, OutputContent } from './internal/output-types';

/**
 * Atomic output: a set of files replaces the previous set in a folder so that a kill at any
 * moment leaves each file complete (the previous version or the new one, never a prefix, never
 * missing), and the next run completes or cleans up what a killed run left. See docs/output.md
 * for the protocol and what a reader sees at every moment.
 */

/** kstack's folder inside an output folder: the lock, the record of the last output, the journal, the staging area. */
export const OUTPUT_STATE_FOLDER = '.kstack-output';

export interface WriteOutputOptions {
  /** Receives a one-line notice when a run repairs something: a killed run completed, leftovers removed, a stale lock taken over. @default - notices are dropped */
  readonly onNotice?: (message: string) => void;
  /** How long to wait for another run writing the same folder, in ms, before failing. @default 60000 */
  readonly lockTimeoutMs?: number;
  /** fsync files and folders, so that a power loss, not only a kill, leaves a complete output. @default true */
  readonly durable?: boolean;
}

/** The files of an output: relative path ('a/b.yaml', '/' as separator) -> content. */
export type OutputFiles = Readonly<Record<string, OutputContent>> | Iterable<readonly [string, OutputContent]>;

/** What {@link writeOutput} did. */
export interface OutputWritten {
  /** The output folder, absolute. */
  readonly dir: string;
  /** Relative paths of the output's files, in the order given. */
  readonly files: readonly string[];
  /** The files that were added or replaced (the others already held the same bytes and were left untouched). */
  readonly changed: readonly string[];
  /** Files of the previous output that this one no longer has, removed. */
  readonly removed: readonly string[];
  /** Duration of the rename pass in ms: the only time during which the folder holds files of both outputs. */
  readonly swapMs: number;
}

interface FileDigest {
  readonly size: number;
  readonly sha256: string;
}

/** The rename pass, written before it starts: a run killed during it is completed by the next one. */
interface Journal {
  /** The staging folder (in the state folder); staged files are named by their index. */
  readonly stage: string;
  /** [staged index, relative path], in output order. */
  readonly moves: readonly (readonly [number, string])[];
  /** Paths of the previous output in the way of the new one, with what stands there (a file where a folder goes, or the reverse): removed first. */
  readonly clear: readonly (readonly [string, 'file' | 'folder'])[];
  /** Files of the previous output that the new one does not have: removed last. */
  readonly removes: readonly string[];
  /** The new output's files. */
  readonly record: Readonly<Record<string, FileDigest>>;
}

interface OpenOutput {
  readonly dir: string;
  readonly state: string;
  readonly lock: HeldLock;
  readonly durable: boolean;
  readonly notice: (message: string) => void;
}

/**
 * Writes a whole set of files into `dir` atomically: every file is first written in full (and
 * fsynced) in a staging folder inside `dir/.kstack-output/`, then each replaces its previous
 * version by rename(2); files that the previous output of this function had and this one has not
 * are removed last. Files it did not write are never touched. Runs on one folder are serialized
 * by a lock; a run killed at any moment is completed (or cleaned up) by the next one.
 * Content may be an iterable of pieces, written as they come (a large manifest is never in memory whole).
 */
export function writeOutput(dir: string, files: OutputFiles, options: WriteOutputOptions = {}): OutputWritten {
  const entries = outputEntries(files);
  const { out } = openOutput(dir, options, true)!;
  try {
    const record = readSealed<{ files: Record<string, FileDigest> }>(out, 'record')?.files ?? {};
    const staged = stage(out, entries);
    let journal: Journal;
    try {
      journal = planSwap(out, entries, staged, record);
      if (journal.moves.length + journal.removes.length + journal.clear.length === 0) {
        // The folder holds this output already: nothing to swap, nothing to make durable.
        removeQuietly(staged.folder);
        if (JSON.stringify(record) !== JSON.stringify(journal.record)) writeSealed(out, 'record', { files: journal.record });
        return written(out, entries, journal, 0);
      }
      if (out.durable) syncStaged(staged, journal);
      if (!out.lock.held())
        throw new KstackIoError(`cannot write ${showValue(out.dir, 200)}: another run took its lock; run again`, out.dir);
      writeSealed(out, 'journal', journal);
    } catch (err) {
      removeQuietly(staged.folder);
      throw err;
    }
    return written(out, entries, journal, applyJournal(out, journal));
  } finally {
    out.lock.release();
  }
}

function written(out: OpenOutput, entries: readonly [string, OutputContent][], journal: Journal, swapMs: number): OutputWritten {
  const changed = journal.moves.map(([, rel]) => rel);
  return { dir: out.dir, files: entries.map(([rel]) => rel), changed, removed: journal.removes, swapMs };
}

/**
 * Completes what a killed {@link writeOutput} left in `dir` (a rename pass it started) and
 * removes its leftovers; a no-op on a folder without them. True when a rename pass was completed.
 */
export function recoverOutput(dir: string, options: WriteOutputOptions = {}): boolean {
  const opened = openOutput(dir, options, false);
  opened?.out.lock.release();
  return opened?.recovered ?? false;
}

/**
 * Replaces one file atomically: written in full beside it under a hidden temporary name, then
 * renamed over it. Temporary files of killed runs (their process is gone) are removed.
 */
export function writeFileAtomic(
  file: string,
  content: OutputContent,
  options: Omit<WriteOutputOptions, 'lockTimeoutMs'> = {},
): ContentWritten {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  makeFolders(dir);
  if (statOrNone(target)?.isDirectory()) {
    throw new KstackIoError(`cannot write the file ${showValue(target, 200)}: it is a folder; move it away or choose another path`, target);
  }
  const base = path.basename(target);
  removeStaleTemps(dir, base, options.onNotice);
  const tmp = path.join(dir, `.${base}.kstack-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const written = writeFileDurably(tmp, content, options.durable ?? true);
    io(target, 'replace', () => fs.renameSync(tmp, target));
    if (options.durable ?? true) fsyncFolder(dir);
    return written;
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** Cleanup on a failure path: never hides the failure (a leftover is removed by the next run). */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { recursive: true, force: true });
  } catch {
    // the next run removes it
  }
}

function removeStaleTemps(dir: string, base: string, onNotice?: (message: string) => void): void {
  const prefix = `.${base}.kstack-`;
  const stale = io(dir, 'list', () => fs.readdirSync(dir)).filter((name) => {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    return Number.isSafeInteger(pid) && pid > 0 && !processExists(pid);
  });
  for (const name of stale) fs.rmSync(path.join(dir, name), { force: true });
  if (stale.length > 0)
    onNotice?.(`removed ${stale.length} temporary file(s) of a killed run beside ${showValue(path.join(dir, base), 200)}`);
}

// ---- the files given --------------------------------------------------------------------------

function isContent(value: unknown): value is OutputContent {
  const iterable = typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
  return typeof value === 'string' || value instanceof Uint8Array || iterable;
}

/** The files as [relative path, content], each name checked once, here. */
function outputEntries(files: OutputFiles): [string, OutputContent][] {
  const iterable = typeof (files as Iterable<unknown>)[Symbol.iterator] === 'function';
  const entries = (iterable ? [...(files as Iterable<readonly [string, OutputContent]>)] : Object.entries(files)) as [
    string,
    OutputContent,
  ][];
  const names = new Set<string>();
  const folders = new Set<string>();
  for (const [rel, content] of entries) {
    const segments = typeof rel === 'string' ? rel.split('/') : [];
    const valid = segments.length > 0 && segments.every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0]/.test(s));
    if (!valid || segments[0] === OUTPUT_STATE_FOLDER) {
      throw propError(
        'writeOutput',
        'files',
        `must be relative paths of folder and file names joined by '/' (no '..', not ${OUTPUT_STATE_FOLDER}/)`,
        rel,
      );
    }
    if (!isContent(content))
      throw propError('writeOutput', `files[${showValue(rel)}]`, 'must be a string, bytes or an iterable of them', content);
    const parents = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
    if (names.has(rel) || folders.has(rel) || parents.some((p) => names.has(p))) {
      throw propError('writeOutput', 'files', 'must name each file once, and no file where another one needs a folder', rel);
    }
    names.add(rel);
    parents.forEach((p) => folders.add(p));
  }
  return entries;
}

// ---- the output folder, its state folder and lock ----------------------------------------------

function openOutput(dir: string, options: WriteOutputOptions, create: boolean): { out: OpenOutput; recovered: boolean } | undefined {
  const target = path.resolve(dir);
  if (path.dirname(target) === target) {
    throw new KstackIoError(`cannot write an output into the file system root ${showValue(target)}; choose a folder below it`, target);
  }
  // The next run on the outer folder would remove it as a leftover.
  if (target.split(path.sep).includes(OUTPUT_STATE_FOLDER)) {
    throw new KstackIoError(
      `cannot write an output inside kstack's state folder ${OUTPUT_STATE_FOLDER}: ${showValue(target, 200)}; choose another folder`,
      target,
    );
  }
  const notice = (message: string) => options.onNotice?.(message);
  const state = path.join(target, OUTPUT_STATE_FOLDER);
  if (create) makeFolders(target);
  else if (!io(state, 'inspect', () => fs.existsSync(state))) return undefined;
  openStateFolder(state, notice);
  const what = showValue(target, 200);
  const lock = acquireLock(path.join(state, 'lock'), { timeoutMs: options.lockTimeoutMs ?? 60_000, what, onNotice: notice });
  const out: OpenOutput = { dir: target, state, lock, durable: options.durable ?? true, notice };
  try {
    return { out, recovered: recover(out) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

function openStateFolder(state: string, notice: (message: string) => void): void {
  const stat = statOrNone(state);
  if (stat && !stat.isDirectory()) {
    io(state, 'remove', () => fs.rmSync(state, { force: true }));
    notice(`replaced ${showValue(state, 200)}, a file where kstack's state folder belongs`);
  }
  if (!stat?.isDirectory()) makeFolders(state);
  // Never committed: git ignores the folder (this file included).
  const ignore = path.join(state, '.gitignore');
  if (!fs.existsSync(ignore)) io(ignore, 'write', () => fs.writeFileSync(ignore, '*\n'));
}

/**
 * Completes a rename pass a killed run started, then removes what killed runs left (staging
 * folders, temporary files; under the lock, nothing else is being written). True when a pass was completed.
 */
function recover(out: OpenOutput): boolean {
  const journal = readSealed<Journal>(out, 'journal');
  if (journal) {
    applyJournal(out, journal);
    out.notice(`completed the replacement of the files of ${showValue(out.dir, 200)} that a killed run had started`);
  }
  const keep = new Set(['lock', 'record', '.gitignore']);
  const leftovers = io(out.state, 'list', () => fs.readdirSync(out.state)).filter((name) => !keep.has(name) && !isLiveLockFile(name));
  for (const name of leftovers) io(out.state, 'clean up', () => fs.rmSync(path.join(out.state, name), { recursive: true, force: true }));
  if (leftovers.length > 0) out.notice(`removed ${leftovers.length} leftover(s) of a killed run from ${showValue(out.state, 200)}`);
  return journal !== undefined;
}

/** A waiting run's files beside the lock ('lock.<pid>.<token>.tmp'): kept while their process lives. */
function isLiveLockFile(name: string): boolean {
  const pid = /^lock\.(\d+)\./.exec(name)?.[1];
  return pid !== undefined && processExists(Number(pid));
}

// ---- state files: a SHA-256 line, then JSON; written by rename, verified when read ----------------

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Writes a state file by rename. Only the journal is fsynced: the record is checked by its digest
 * when read, so a power loss that leaves it unwritten costs a notice (and which files were kstack's),
 * never an output; a journal that comes back is completed again to the same files.
 */
function writeSealed(out: OpenOutput, name: 'journal' | 'record', body: unknown): void {
  const json = JSON.stringify(body);
  const file = path.join(out.state, name);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const durable = out.durable && name === 'journal';
  writeFileDurably(tmp, `${sha256(json)}\n${json}`, durable);
  io(file, 'write', () => fs.renameSync(tmp, file));
  if (durable) fsyncFolder(out.state);
}

function readSealed<T>(out: OpenOutput, name: string): T | undefined {
  const file = path.join(out.state, name);
  let text: string;
  if (!fs.existsSync(file)) return undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    if (errnoOf(err) !== 'EISDIR') throw ioError(err, file, 'read');
    text = '';
  }
  const nl = text.indexOf('\n');
  if (nl > 0 && sha256(text.slice(nl + 1)) === text.slice(0, nl)) return JSON.parse(text.slice(nl + 1)) as T;
  io(file, 'remove', () => fs.rmSync(file, { recursive: true, force: true }));
  const lost = name === 'journal' ? 'the folder may hold files of two outputs: write it again' : 'files it no longer writes stay in place';
  out.notice(`discarded the corrupt ${name} of ${showValue(out.dir, 200)}; ${lost}`);
  return undefined;
}

// ---- staging, planning, the rename pass -----------------------------------------------------------

interface Staged {
  readonly folder: string;
  readonly digests: readonly FileDigest[];
}

function stage(out: OpenOutput, entries: readonly [string, OutputContent][]): Staged {
  const name = `stage-${randomBytes(6).toString('hex')}`;
  const folder = path.join(out.state, name);
  io(folder, 'create the staging folder', () => fs.mkdirSync(folder));
  try {
    // Synced later, and only the files that replace others (syncStaged): unchanged ones are dropped.
    const digests = entries.map(([, content], i) => writeFileDurably(path.join(folder, String(i)), content, false));
    return { folder, digests };
  } catch (err) {
    removeQuietly(folder);
    throw err;
  }
}

/** fsync of the staged files the pass moves, and of their folder: they must be on disk before the journal. */
function syncStaged(staged: Staged, journal: Journal): void {
  for (const [i] of journal.moves) {
    const file = path.join(staged.folder, String(i));
    const fd = io(file, 'open', () => fs.openSync(file, 'r'));
    try {
      io(file, 'sync', () => fs.fsyncSync(fd));
    } finally {
      fs.closeSync(fd);
    }
  }
  fsyncFolder(staged.folder);
}

function planSwap(
  out: OpenOutput,
  entries: readonly [string, OutputContent][],
  staged: Staged,
  record: Record<string, FileDigest>,
): Journal {
  const clear = new Map<string, 'file' | 'folder'>();
  const moves: [number, string][] = [];
  entries.forEach(([rel], i) => {
    clearTheWay(out.dir, rel, record, clear);
    const file = path.join(out.dir, rel);
    const now = statOrNone(file);
    const same =
      now?.isFile() && now.size === staged.digests[i].size && io(file, 'read', () => fileSha256(file)) === staged.digests[i].sha256;
    if (!same || clear.has(rel)) moves.push([i, rel]);
  });
  const next = Object.fromEntries(entries.map(([rel], i) => [rel, { size: staged.digests[i].size, sha256: staged.digests[i].sha256 }]));
  const cleared = (rel: string) => [...clear.keys()].some((c) => rel === c || rel.startsWith(`${c}/`));
  const removes = Object.keys(record).filter((rel) => !(rel in next) && !cleared(rel));
  return { stage: path.basename(staged.folder), moves, clear: [...clear], removes, record: next };
}

/**
 * Checks that nothing but kstack's own previous output stands where `rel` goes: a file where a
 * folder is needed, or a folder where the file goes. Owned ones are listed in `clear`; anything
 * else fails here, before any file of the output changes.
 */
function clearTheWay(dir: string, rel: string, record: Record<string, FileDigest>, clear: Map<string, 'file' | 'folder'>): void {
  const segments = rel.split('/');
  for (let i = 1; i <= segments.length; i++) {
    const sub = segments.slice(0, i).join('/');
    const full = path.join(dir, sub);
    // A symbolic link to a folder serves as a folder on the way; the file itself is replaced, never followed.
    const stat = statOrNone(full, i < segments.length);
    if (stat === undefined) return;
    const inTheWay = i < segments.length ? !stat.isDirectory() : stat.isDirectory();
    if (!inTheWay) continue;
    const owned = stat.isDirectory() ? ownedFolder(full, sub, record) : sub in record;
    if (!owned) {
      const what = stat.isDirectory() ? 'a folder with files kstack did not write' : 'a file kstack did not write';
      throw new KstackIoError(
        `cannot write ${showValue(path.join(dir, rel), 200)}: ${showValue(full, 200)} is ${what}; move it away`,
        full,
      );
    }
    clear.set(sub, stat.isDirectory() ? 'folder' : 'file');
    return;
  }
}

function ownedFolder(full: string, sub: string, record: Record<string, FileDigest>): boolean {
  const names = io(full, 'list', () => fs.readdirSync(full, { recursive: true, withFileTypes: true }));
  return names.every(
    (d) => d.isDirectory() || `${sub}/${path.relative(full, path.join(d.parentPath, d.name)).split(path.sep).join('/')}` in record,
  );
}

/** The rename pass, then the record; idempotent, so a killed pass is completed by running it again. */
function applyJournal(out: OpenOutput, journal: Journal): number {
  const stageFolder = path.join(out.state, journal.stage);
  for (const [rel, kind] of journal.clear) {
    const full = path.join(out.dir, rel);
    // Only while it still stands in the way: a pass run again must not remove what it moved in.
    if (statOrNone(full)?.isDirectory() === (kind === 'folder'))
      io(full, 'remove', () => fs.rmSync(full, { recursive: true, force: true }));
  }
  const folders = new Set([out.dir, ...journal.moves.map(([, rel]) => path.dirname(path.join(out.dir, rel)))]);
  folders.forEach(makeFolders);
  const old = keepOldFiles(out, journal);
  const started = performance.now();
  for (const [i, rel] of journal.moves) {
    const from = path.join(stageFolder, String(i));
    const to = path.join(out.dir, rel);
    try {
      fs.renameSync(from, to);
    } catch (err) {
      // Moved before a kill: the staged file is gone.
      if (errnoOf(err) !== 'ENOENT' || fs.existsSync(from)) throw ioError(err, to, 'replace');
    }
  }
  for (const rel of journal.removes) removeFile(out.dir, rel).forEach((f) => folders.add(f));
  const swapMs = performance.now() - started;
  if (out.durable) folders.forEach((f) => fs.existsSync(f) && fsyncFolder(f));
  writeSealed(out, 'record', { files: journal.record });
  io(out.state, 'clean up', () => {
    fs.rmSync(path.join(out.state, 'journal'), { force: true });
    fs.rmSync(stageFolder, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
  });
  // No fsync of the journal's removal: after a power loss it may come back, and completing the pass again changes nothing.
  return swapMs;
}

/**
 * Hard-links the files the pass replaces or removes into the state folder, so that the pass
 * never drops a file's last link: freeing a large file's blocks (~1 ms for a few MB on ext4)
 * happens after the pass, when the links are removed. Best effort: without hard links, the pass is only slower.
 */
function keepOldFiles(out: OpenOutput, journal: Journal): string {
  const old = path.join(out.state, `${journal.stage}.old`);
  try {
    fs.mkdirSync(old);
  } catch {
    // there already (a completed pass run again), or no room: the links are an optimisation
  }
  const replaced = [...journal.moves.map(([, rel]) => rel), ...journal.removes];
  replaced.forEach((rel, i) => {
    try {
      fs.linkSync(path.join(out.dir, rel), path.join(old, String(i)));
    } catch {
      // no previous file (or a folder), linked before a kill, or no hard links here
    }
  });
  return old;
}

/** Removes a file of the previous output, then its folders that became empty; returns the folders changed. */
function removeFile(dir: string, rel: string): string[] {
  const file = path.join(dir, rel);
  try {
    fs.unlinkSync(file);
  } catch (err) {
    // Gone already (its folder too), or a folder now (someone else's): left alone.
    if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errnoOf(err) ?? '')) throw ioError(err, file, 'remove');
  }
  const changed = [path.dirname(file)];
  for (let folder = path.dirname(file); folder !== dir; folder = path.dirname(folder)) {
    try {
      fs.rmdirSync(folder);
    } catch {
      break; // not empty
    }
    changed.push(path.dirname(folder));
  }
  return changed;
}
