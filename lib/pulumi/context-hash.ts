/**
 * A content hash of a Docker build context, used as the image tag so that a change in the
 * sources rolls the pods and an unchanged tree does not. Pure Node (no Pulumi, no Docker).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KstackIoError } from '../errors';

/** Always left out of the hash, whatever .dockerignore says (never part of a useful context). */
const ALWAYS_IGNORED = ['.git', 'node_modules', '.next'];

interface IgnoreRule {
  readonly negate: boolean;
  readonly regex: RegExp;
}

/** Parses .dockerignore text: comments, blank lines, `!` exceptions, `*`, `?`, `**`. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = path.posix.normalize(line.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
    if (line === '' || line === '.') continue;
    rules.push({ negate, regex: globToRegex(line) });
  }
  return rules;
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories, a trailing `**` anything below.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a context-relative posix path is excluded; a matching directory excludes its contents. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  const parts = relPath.split('/');
  if (parts.some((p) => ALWAYS_IGNORED.includes(p))) return true;
  let ignored = false;
  for (const rule of rules) {
    // The path itself or any of its parent directories.
    for (let n = 1; n <= parts.length; n++) {
      if (rule.regex.test(parts.slice(0, n).join('/'))) {
        ignored = !rule.negate;
        break;
      }
    }
  }
  return ignored;
}

/** The files of a build context that Docker would send, as sorted context-relative posix paths. */
export function contextFiles(contextDir: string): string[] {
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  const canPrune = !rules.some((r) => r.negate);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(contextDir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (ALWAYS_IGNORED.includes(entry.name) || (canPrune && isIgnored(rules, child))) continue;
        walk(child);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !isIgnored(rules, child)) {
        out.push(child);
      }
    }
  };
  walk('');
  return out.sort();
}

/** Bytes read at a time, so that a large file in a context is never in memory whole. */
const CHUNK = 1 << 20;

/** Feeds one file (or a symlink's target path, never what it points to) to the hash: label, size, content. */
function feedFile(hash: crypto.Hash, label: string, file: string): void {
  const stat = fs.lstatSync(file);
  if (stat.isSymbolicLink()) {
    const target = Buffer.from(`symlink:${fs.readlinkSync(file)}`);
    hash.update(label).update('\0').update(String(target.length)).update('\0').update(target).update('\0');
    return;
  }
  // A FIFO or device would block or never end: only regular files are read.
  if (!stat.isFile()) throw new KstackIoError(`${file} is not a regular file: a build context hashes files and symlinks only`, file);
  hash.update(label).update('\0').update(String(stat.size)).update('\0');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(stat.size, 1)));
    for (let n = fs.readSync(fd, buffer, 0, buffer.length, null); n > 0; n = fs.readSync(fd, buffer, 0, buffer.length, null)) {
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  hash.update('\0');
}

/**
 * sha256 over the sorted context files (path and content of each) and the Dockerfile (path and
 * content, even when .dockerignore leaves it out of the context). Returns 64 hex characters.
 */
export function hashBuildContext(contextDir: string, dockerfile: string): string {
  const hash = crypto.createHash('sha256');
  hash.update('kstack-context-v1\0');
  for (const rel of contextFiles(contextDir)) feedFile(hash, rel, path.join(contextDir, rel));
  const dockerfilePath = path.resolve(contextDir, dockerfile);
  feedFile(hash, `dockerfile:${path.relative(contextDir, dockerfilePath).split(path.sep).join('/')}`, dockerfilePath);
  return hash.digest('hex');
}
