import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { KstackIoError } from '../errors';
import { showValue } from './format';
import { errnoOf, io, sleepSync } from './io';

/**
 * The lock that serializes writers of one output folder: a file created with link(2) from a
 * complete temporary file, so it exists only with its owner's identity in it (pid, host, the
 * process's start time, a random token). A lock whose owner is gone (no such pid on this host,
 * or the pid now belongs to a process started at another time) is stale and is taken over.
 * Node has no flock(2); link(2) and rename(2) are atomic on every local file system of Linux and macOS.
 */

interface Owner {
  readonly pid: number;
  readonly host: string;
  /** When the process started ('' where it cannot be read): tells a reused pid from the owner. */
  readonly start: string;
  readonly token: string;
}

/** A lock held by this process. */
export interface HeldLock {
  /** Whether the lock file is still this holder's (a run judged dead by another may have lost it). */
  held(): boolean;
  /** Removes the lock file if it is still this holder's. */
  release(): void;
}

export interface LockOptions {
  /** Give up after waiting this long for a live owner, in ms. */
  readonly timeoutMs: number;
  /** What the lock protects, for messages. */
  readonly what: string;
  readonly onNotice?: (message: string) => void;
}

/** Start time of a process: field 22 of /proc/<pid>/stat on Linux, `ps -o lstart=` elsewhere; '' when unknown. */
function processStart(pid: number): string {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
    } catch {
      return '';
    }
  }
  // Loaded here only: child_process costs ~4 ms to load, and Linux never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  return ps.status === 0 ? ps.stdout.trim() : '';
}

let self: Omit<Owner, 'token'> | undefined;

function selfOwner(): Owner {
  self ??= { pid: process.pid, host: os.hostname(), start: processStart(process.pid) };
  return { ...self, token: randomBytes(8).toString('hex') };
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    const ok = Number.isSafeInteger(o.pid) && o.pid! > 0 && typeof o.host === 'string' && typeof o.start === 'string';
    return ok && typeof o.token === 'string' ? (o as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists on this host (signal 0: EPERM means it exists, owned by another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) !== 'ESRCH';
  }
}

/** False only when the owner is surely gone: on another host nothing can be checked, so it counts as alive. */
function isAlive(owner: Owner): boolean {
  if (owner.host !== os.hostname()) return true;
  if (!processExists(owner.pid)) return false;
  const start = owner.start && processStart(owner.pid);
  return !start || start === owner.start;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Moves a stale lock aside, then checks that what moved is the lock judged stale: if a live run
 * took the lock in between, its file is linked back (it stays that run's).
 */
function breakStale(lockFile: string, seen: string, me: Owner, options: LockOptions): void {
  const aside = `${lockFile}.${me.pid}.${me.token}.stale`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return; // another run broke it first
    throw err;
  }
  const moved = readText(aside);
  if (moved !== seen && moved !== undefined) {
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // A third run holds the lock now; the displaced owner finds its lock gone when it checks held().
    }
  } else {
    const owner = parseOwner(seen);
    options.onNotice?.(
      `removed the lock of ${owner ? `a run that is gone (pid ${owner.pid})` : 'an unreadable lock file'} on ${options.what}`,
    );
  }
  fs.rmSync(aside, { force: true });
}

/** Takes the lock at `lockFile`, waiting up to `timeoutMs` for a live owner. */
export function acquireLock(lockFile: string, options: LockOptions): HeldLock {
  const me = selfOwner();
  const mine = JSON.stringify(me);
  // Named by pid, so the next run can tell a waiting run's file from a killed one's.
  const tmp = `${lockFile}.${me.pid}.${me.token}.tmp`;
  const deadline = Date.now() + options.timeoutMs;
  return io(lockFile, 'lock', () => {
    fs.writeFileSync(tmp, mine);
    try {
      for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
        if (createLock(tmp, lockFile, mine)) return heldLock(lockFile, mine);
        const seen = readText(lockFile);
        if (seen === undefined) continue; // released meanwhile
        const owner = parseOwner(seen);
        // An unreadable lock this young may be one created without link(2), its owner still writing it.
        if (owner === undefined && lockAgeMs(lockFile) < 5000) sleepSync(delay);
        else if (owner === undefined || !isAlive(owner)) breakStale(lockFile, seen, me, options);
        else if (owner.pid === me.pid && owner.host === me.host) throw lockError(lockFile, options, 'this process is already writing it');
        else if (Date.now() > deadline) {
          const waited = `${Math.round(options.timeoutMs / 1000)} s`;
          throw lockError(lockFile, options, `another run (pid ${owner.pid} on ${owner.host}) has been writing it for over ${waited}`);
        } else sleepSync(delay);
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  });
}

/**
 * Creates the lock file with the owner's identity in it: by link(2) from the complete temporary
 * file, or, on a file system without hard links, by an exclusive create and one write. False when
 * it exists.
 */
function createLock(tmp: string, lockFile: string, mine: string): boolean {
  try {
    fs.linkSync(tmp, lockFile);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errnoOf(err) ?? '')) throw err;
  }
  let fd: number;
  try {
    fd = fs.openSync(lockFile, 'wx');
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, mine);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function lockAgeMs(lockFile: string): number {
  try {
    return Date.now() - fs.statSync(lockFile).mtimeMs;
  } catch {
    return Infinity;
  }
}

function lockError(lockFile: string, options: LockOptions, why: string): KstackIoError {
  return new KstackIoError(
    `cannot write ${options.what}: ${why}; wait for it to finish, or remove ${showValue(lockFile, 200)} if no such run exists`,
    lockFile,
  );
}

function heldLock(lockFile: string, mine: string): HeldLock {
  const held = () => {
    try {
      return readText(lockFile) === mine;
    } catch {
      return false;
    }
  };
  return {
    held,
    release: () => {
      if (held()) fs.rmSync(lockFile, { force: true });
    },
  };
}
