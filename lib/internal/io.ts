import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KstackError, KstackIoError } from '../errors';
import { showValue } from './format';
import type { ContentWritten, OutputContent } from './output-types';

/**
 * File-system helpers shared by the atomic output writer (lib/output.ts) and the command line
 * (bin/internal/args.ts): one-line I/O errors, streamed writes with a digest, fsync, a sync sleep.
 */

// errno -> what went wrong, what to do. The codes Node reports for file and folder operations.
const ADVICE: Readonly<Record<string, readonly [string, string]>> = {
  EACCES: ['permission denied', 'check its permissions and those of its folders, or choose another path'],
  EPERM: ['operation not permitted', 'check its permissions and attributes, or choose another path'],
  EROFS: ['read-only file system', 'choose a path on a writable file system'],
  ENOSPC: ['no space left on the device', 'free some space and run again'],
  EDQUOT: ['disk quota exceeded', 'free some space and run again'],
  EFBIG: ['file too large for the file system', 'choose a path on another file system'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'move that file away or choose another path'],
  EISDIR: ['it is a folder', 'move the folder away or choose another path'],
  EEXIST: ['it already exists', 'move it away or choose another path'],
  ENOTEMPTY: ['the folder is not empty', 'move its content away or choose another path'],
  ENOENT: ['no such file or folder', 'check the path'],
  ELOOP: ['too many symbolic links', 'check the symbolic links along the path'],
  ENAMETOOLONG: ['a name is too long', 'choose a shorter path'],
  EXDEV: ['it spans two file systems', 'keep the output folder and its subfolders on one file system'],
  EMFILE: ['too many open files', 'raise the open-file limit (ulimit -n) and run again'],
  ENFILE: ['too many open files on the system', 'close other programs and run again'],
  EBUSY: ['the resource is busy', 'stop the program using it and run again'],
  ETXTBSY: ['the file is in use', 'stop the program using it and run again'],
  EIO: ['input/output error', 'check the disk'],
  EINVAL: ['invalid argument for this file system', 'choose a path on an ordinary local file system'],
  ENXIO: ['no such device', 'choose a regular file or folder, not a device or socket'],
  ENODEV: ['no such device', 'choose a regular file or folder, not a device'],
  EOPNOTSUPP: ['not supported by this file system', 'choose a path on an ordinary local file system'],
  ENOTSUP: ['not supported by this file system', 'choose a path on an ordinary local file system'],
};

/** The errno code of a Node system error ('ENOENT'...), if it is one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * One line for a failed file operation: `cannot <doing> "<file>": <what> (<CODE>); <what to do>`.
 * A KstackError passes through unchanged; anything without an errno code is a bug and is rethrown.
 */
export function ioError(err: unknown, file: string, doing: string): KstackError {
  if (err instanceof KstackError) return err;
  const code = errnoOf(err);
  if (code === undefined) throw err;
  const [what, todo] = ADVICE[code] ?? [(err as Error).message.split('\n')[0], 'check the path and run again'];
  return new KstackIoError(`cannot ${doing} ${showValue(file, 200)}: ${what} (${code}); ${todo}`, file, { cause: err });
}

/** Runs `fn`, turning a system error into {@link ioError}'s one line about `file`. */
export function io<T>(file: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw ioError(err, file, doing);
  }
}

function writeBytes(fd: number, bytes: Uint8Array, hash: Hash): void {
  hash.update(bytes);
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
}

/** Writes content to an open file a piece at a time (a large file is never in memory whole), hashing it. */
export function writeContent(fd: number, content: OutputContent): ContentWritten {
  const hash = createHash('sha256');
  let size = 0;
  const pieces = typeof content === 'string' || content instanceof Uint8Array ? [content] : content;
  for (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    writeBytes(fd, bytes, hash);
    size += bytes.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Creates (truncates) `file` and writes the content, then fsyncs it when `durable`. */
export function writeFileDurably(file: string, content: OutputContent, durable: boolean): ContentWritten {
  const fd = io(file, 'create', () => fs.openSync(file, 'w'));
  try {
    return io(file, 'write', () => {
      const written = writeContent(fd, content);
      if (durable) fs.fsyncSync(fd);
      return written;
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** lstat (or stat, `follow`) of a path; undefined when it does not exist, also when a part of it is a file (ENOTDIR). */
export function statOrNone(file: string, follow = false): fs.Stats | undefined {
  try {
    // throwIfNoEntry: a missing path (the common case) costs no exception.
    return follow ? fs.statSync(file, { throwIfNoEntry: false }) : fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
    throw ioError(err, file, 'inspect');
  }
}

/** SHA-256 of a file's bytes (hex), read in pieces. */
export function fileSha256(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n: number; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Makes a folder's entries (renames, new files) durable; a no-op where folders cannot be fsynced. */
export function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    // Some file systems refuse fsync on a folder (EINVAL, EISDIR, EBADF, EPERM): nothing more can be done there.
    if (!['EINVAL', 'EISDIR', 'EBADF', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes(errnoOf(err) ?? '')) throw ioError(err, dir, 'sync');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * `mkdir -p` that never loops: creates the missing folders from the deepest existing one down,
 * one mkdir each (Node's recursive mkdir spins forever on some paths under /proc).
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const stat = statOrNone(d, true);
    if (stat?.isDirectory()) break;
    if (stat) {
      const what = d === path.resolve(dir) ? 'it is a file, not a folder' : `${showValue(d, 200)} is a file, not a folder`;
      throw new KstackIoError(`cannot create the folder ${showValue(dir, 200)}: ${what}; move the file away or choose another path`, d);
    }
    if (path.dirname(d) === d) break;
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      // Another run may have created it meanwhile.
      if (errnoOf(err) !== 'EEXIST' || !fs.statSync(d, { throwIfNoEntry: false })?.isDirectory())
        throw ioError(err, d, 'create the folder');
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (the writers are synchronous; this is only used while waiting for a lock). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
