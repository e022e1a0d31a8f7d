'use strict';
// kstack's command-line caches (the swc transpile cache, bin/register.js; the dependency and schema
// bundles, bin/vendor.js; the gate's schema results, bin/internal/schema-cache.ts) keep each entry
// as one file: a header line with the SHA-256 and size of the content, then the content. An entry
// is checked when read; a bad one (empty, truncated, garbled, a folder where a file belongs) is
// removed with one line on stderr and rebuilt by its caller, and a file where a cache folder
// belongs is removed the same way. A cache that cannot be written (read-only node_modules) is
// skipped: caches only make runs faster, they never make one fail.
// KSTACK_CACHE_DIR moves all of them (default: node_modules/.cache of the project kstack runs in:
// the one that installed it, or this checkout; never inside the installed package, which may be
// read-only and is replaced by every install).
// This file runs from bin/ in a checkout and from dist-lib/bin/ in the installed package.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const HEADER = 'kstack-cache-v1';

/** The root of the kstack package this file belongs to (a checkout, or node_modules/kstack). */
const PACKAGE_ROOT = path.basename(path.dirname(__dirname)) === 'dist-lib' ? path.join(__dirname, '..', '..') : path.join(__dirname, '..');

/**
 * The node_modules folder of the project a package at `root` is used in: the outermost
 * node_modules above it when it is installed, else its own.
 */
function projectModules(root) {
  const parts = path.resolve(root).split(path.sep);
  const at = parts.indexOf('node_modules');
  return at > 0 ? parts.slice(0, at + 1).join(path.sep) : path.join(root, 'node_modules');
}

/** The folder that holds kstack's caches: KSTACK_CACHE_DIR, else the project's node_modules/.cache. */
function cacheRoot(env = process.env) {
  return path.resolve(env.KSTACK_CACHE_DIR || path.join(projectModules(PACKAGE_ROOT), '.cache'));
}

/** One line on stderr, prefixed 'kstack: '. */
function notice(message) {
  process.stderr.write(`kstack: ${message}\n`);
}

const unusable = new Set();

function statOf(file) {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

/** mkdir of one folder, never recursive (Node's recursive mkdir loops forever under /proc). */
function makeFolder(dir) {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
}

/**
 * Makes `dir` (a folder of kstack's cache root) a folder: anything else in its place is removed with
 * a notice. False when it cannot be made (read-only, or the root is missing): the caller works without it.
 */
function ensureCacheFolder(dir, label) {
  const stat = statOf(dir);
  if (stat && stat.isDirectory()) return true;
  try {
    if (stat) {
      fs.rmSync(dir, { force: true });
      notice(`removed ${dir}, a file where the ${label} cache folder belongs; it is rebuilt`);
    }
    if (!statOf(path.dirname(dir))) makeFolder(path.dirname(dir));
    makeFolder(dir);
    return true;
  } catch (err) {
    if (!unusable.has(dir)) notice(`cannot use the ${label} cache folder ${dir} (${err.code || err.message}); working without it`);
    unusable.add(dir);
    return false;
  }
}

function digest(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The entry's content (a Buffer) when its digest checks out; undefined when missing or bad (bad: removed, with a notice). */
function readEntry(file, label) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    if (err.code !== 'EISDIR') return undefined; // unreadable (permissions): a miss; writing it will fail quietly too
    bytes = undefined;
  }
  const problem = bytes === undefined ? 'a folder' : checkEntry(bytes);
  if (problem === undefined) return bytes.subarray(bytes.indexOf(10) + 1);
  try {
    fs.rmSync(file, { recursive: true, force: true });
  } catch {
    // a read-only cache: the entry stays bad and is rebuilt in memory each run
  }
  notice(`discarded a bad ${label} cache entry (${problem}): ${file}; it is rebuilt`);
  return undefined;
}

/** Undefined for a sound entry, else what is wrong with it. */
function checkEntry(bytes) {
  if (bytes.length === 0) return 'empty';
  const nl = bytes.indexOf(10);
  const [header, hex, size] = (nl < 0 ? '' : bytes.subarray(0, nl).toString('latin1')).split(' ');
  if (header !== HEADER || !/^[0-9a-f]{64}$/.test(hex) || !/^\d+$/.test(size)) return 'no valid header';
  const content = bytes.subarray(nl + 1);
  if (content.length < Number(size)) return 'truncated';
  if (content.length > Number(size) || digest(content) !== hex) return 'content does not match its digest';
  return undefined;
}

/** Writes an entry atomically (temporary file, then rename). False when it cannot be written: the cache is skipped. */
function writeEntry(file, content) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${HEADER} ${digest(bytes)} ${bytes.length}\n`), bytes]));
    if (statOf(file)?.isDirectory()) fs.rmSync(file, { recursive: true, force: true });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing was written
    }
    return false;
  }
}

module.exports = { PACKAGE_ROOT, projectModules, cacheRoot, notice, ensureCacheFolder, readEntry, writeEntry };
