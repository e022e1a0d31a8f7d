import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contextFiles, hashBuildContext, isIgnored, parseDockerignore } from '../lib/pulumi/context-hash';
import { parseImage } from '../lib/pulumi/images';
import { KstackIoError } from '../lib';
import { makeFifo } from './util';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-ctx-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

const base = {
  Dockerfile: 'FROM scratch\n',
  '.dockerignore': '# build output\n.next\n*.log\n**/__pycache__\n!keep.log\n',
  'app/main.py': 'print(1)\n',
  'app/__pycache__/main.pyc': 'x',
  'node_modules/dep/index.js': 'x',
  '.next/cache/a': 'x',
  'debug.log': 'x',
  'keep.log': 'kept',
};

describe('build context hash', () => {
  test('lists what Docker sends: .dockerignore honoured (with exceptions), node_modules/.next/.git always left out', () => {
    expect(contextFiles(tree(base))).toEqual(['.dockerignore', 'Dockerfile', 'app/main.py', 'keep.log']);
  });

  test('deterministic, independent of the folder and of file creation order', () => {
    const a = tree(base);
    const b = tree(Object.fromEntries(Object.entries(base).reverse()));
    expect(hashBuildContext(a, 'Dockerfile')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashBuildContext(a, 'Dockerfile')).toBe(hashBuildContext(b, 'Dockerfile'));
  });

  test('a source change or a Dockerfile change changes it; ignored files do not', () => {
    const before = hashBuildContext(tree(base), 'Dockerfile');
    expect(hashBuildContext(tree({ ...base, 'app/main.py': 'print(2)\n' }), 'Dockerfile')).not.toBe(before);
    expect(hashBuildContext(tree({ ...base, 'app/new.py': '' }), 'Dockerfile')).not.toBe(before);
    expect(hashBuildContext(tree({ ...base, Dockerfile: 'FROM busybox\n' }), 'Dockerfile')).not.toBe(before);
    expect(
      hashBuildContext(
        tree({ ...base, 'node_modules/dep/index.js': 'y', '.next/cache/b': 'y', 'debug.log': 'y', 'app/__pycache__/x.pyc': 'y' }),
        'Dockerfile',
      ),
    ).toBe(before);
  });

  test('the Dockerfile counts even when .dockerignore lists it (as the examples do)', () => {
    const ctx = { ...base, '.dockerignore': 'Dockerfile\n.dockerignore\n' };
    expect(contextFiles(tree(ctx))).not.toContain('Dockerfile');
    expect(hashBuildContext(tree({ ...ctx, Dockerfile: 'FROM busybox\n' }), 'Dockerfile')).not.toBe(
      hashBuildContext(tree(ctx), 'Dockerfile'),
    );
  });

  test('a FIFO in the context is skipped; a FIFO as the Dockerfile fails with a KstackIoError instead of blocking', () => {
    const dir = tree(base);
    makeFifo(path.join(dir, 'pipe'));
    expect(contextFiles(dir)).not.toContain('pipe');
    expect(() => hashBuildContext(dir, 'pipe')).toThrow(KstackIoError);
    expect(() => hashBuildContext(dir, 'pipe')).toThrow(/pipe is not a regular file/);
  });

  test('a file larger than the read chunk hashes by its whole content', () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 7);
    const a = hashBuildContext(tree({ ...base, 'big.bin': big }), 'Dockerfile');
    expect(hashBuildContext(tree({ ...base, 'big.bin': `${big.slice(0, -1)}y` }), 'Dockerfile')).not.toBe(a);
    expect(hashBuildContext(tree({ ...base, 'big.bin': big }), 'Dockerfile')).toBe(a);
  });

  test('dockerignore patterns', () => {
    const rules = parseDockerignore('/build/\n*.md\n!README.md\ndocs/**/*.png\n');
    expect(isIgnored(rules, 'build/x/y')).toBe(true);
    expect(isIgnored(rules, 'CHANGES.md')).toBe(true);
    expect(isIgnored(rules, 'README.md')).toBe(false);
    expect(isIgnored(rules, 'sub/CHANGES.md')).toBe(false);
    expect(isIgnored(rules, 'docs/a/b/c.png')).toBe(true);
    expect(isIgnored(rules, 'docs/c.png')).toBe(true);
    expect(isIgnored(rules, 'src/c.png')).toBe(false);
  });
});

describe('plan helpers', () => {
  test('parseImage splits off registry host and tag', () => {
    expect(parseImage('localhost:5000/kstack-backend:dev')).toEqual({ registry: 'localhost:5000', repository: 'kstack-backend' });
    expect(parseImage('ghcr.io/kstack-dev/kstack-frontend:0.1.0')).toEqual({
      registry: 'ghcr.io',
      repository: 'kstack-dev/kstack-frontend',
    });
    expect(parseImage('acme/api@sha256:abc')).toEqual({ repository: 'acme/api' });
    expect(parseImage('postgres:16.10')).toEqual({ repository: 'postgres' });
  });
});
