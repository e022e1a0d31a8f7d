/**
 * What the commands share about files and folders: paths as messages show them, notices on
 * stderr, and completing what a killed run left in a folder before reading it (lib/output.ts
 * recoverOutput). Light: `kstack init` loads it without the library.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OUTPUT_STATE_FOLDER, recoverOutput, WriteOutputOptions } from '../../lib/output';
import { notice } from '../cache';

/** A path as messages show it: relative to the working folder when below it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Options for lib/output.ts writers: their notices go to stderr as 'kstack: ...'. */
export const OUTPUT_OPTIONS: WriteOutputOptions = { onNotice: notice };

// What a finished output leaves in its state folder; anything else is a killed or running write.
const SETTLED = new Set(['record', '.gitignore']);
// dist/ -> dist/<env>/ -> dist/<env>/compose/: the outputs `kstack synth` nests.
const DEPTH = 3;

/**
 * Completes (or cleans up) the writes a killed run left in `target` and in the output folders
 * below it, so that what is read next is a complete output. A folder whose last write finished is
 * only looked at (a read-only output stays readable). Symbolic links are not followed.
 */
export function recoverOutputs(target: string, depth = DEPTH): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(target, { withFileTypes: true });
  } catch {
    return; // not a folder, or unreadable: the reader reports it
  }
  const state = entries.find((e) => e.name === OUTPUT_STATE_FOLDER && e.isDirectory());
  if (state && fs.readdirSync(path.join(target, state.name)).some((name) => !SETTLED.has(name))) recoverOutput(target, OUTPUT_OPTIONS);
  if (depth <= 1) return;
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') recoverOutputs(path.join(target, e.name), depth - 1);
  }
}
