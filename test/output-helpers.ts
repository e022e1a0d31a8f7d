import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { manifestYaml, OUTPUT_STATE_FOLDER, resolveCharts } from '../lib';
import { buildGeneratedStack } from '../bench/generate';

/** Helpers of the atomic-output tests: generated outputs, a child writer, folder snapshots. */

export const ROOT = path.join(__dirname, '..');
export const WRITER = path.join(ROOT, 'test', 'fixtures', 'atomic-writer.ts');

/** An output: relative path -> bytes. */
export type Tree = Record<string, Buffer>;

/**
 * Two versions of a generated stack's output, as a synth writes it after an edit: `before` and
 * `after` share their main files (with other bytes) and each has a file the other has not.
 */
export function generatedVersions(units: number): { before: Tree; after: Tree } {
  const objects = resolveCharts(buildGeneratedStack(units).app)[0].objects;
  const isConfig = (kind: string) => ['Namespace', 'ConfigMap', 'ServiceAccount', 'NetworkPolicy'].includes(kind);
  const app = manifestYaml(objects.filter((o) => !isConfig(o.kind)));
  const config = manifestYaml(objects.filter((o) => isConfig(o.kind)));
  const argo = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n';
  // An edit that changes every image tag, version label and log level: other bytes, about the same size.
  const edit = (yaml: string) =>
    yaml
      .replace(/:1\.0\./g, ':1.1.')
      .replace(/version: 1\.0\.0/g, 'version: 1.1.0')
      .replace(/LOG_LEVEL: info/g, 'LOG_LEVEL: debug');
  return {
    before: { 'app.k8s.yaml': Buffer.from(app), 'config/base.k8s.yaml': Buffer.from(config), 'legacy.k8s.yaml': Buffer.from(argo) },
    after: {
      'app.k8s.yaml': Buffer.from(edit(app)),
      'config/base.k8s.yaml': Buffer.from(edit(config)),
      'argocd/application.k8s.yaml': Buffer.from(argo.replace('platform', 'platform-prod')),
    },
  };
}

/** Writes each file of a tree under `dir` (the child writer's sources); returns rel -> source file. */
export function saveSources(tree: Tree, dir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tree).map(([rel, bytes], i) => {
      const file = path.join(dir, `${i}.src`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, bytes);
      return [rel, file];
    }),
  );
}

/** The files of an output folder (kstack's state folder left out). */
export function snapshot(dir: string): Tree {
  const tree: Tree = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (rel === OUTPUT_STATE_FOLDER) continue;
      if (entry.isDirectory()) walk(rel);
      else tree[rel] = fs.readFileSync(path.join(dir, rel));
    }
  };
  walk('');
  return tree;
}

export function sameTree(a: Tree, b: Tree): boolean {
  const keys = Object.keys(a).sort();
  return keys.join('\n') === Object.keys(b).sort().join('\n') && keys.every((k) => a[k].equals(b[k]));
}

/** The record of the last output kept in the state folder, as rel -> sha256. */
export function recordOf(dir: string): Record<string, string> {
  const text = fs.readFileSync(path.join(dir, OUTPUT_STATE_FOLDER, 'record'), 'utf8');
  const body = text.slice(text.indexOf('\n') + 1);
  expectDigest(text.slice(0, text.indexOf('\n')), body);
  const files = (JSON.parse(body) as { files: Record<string, { sha256: string }> }).files;
  return Object.fromEntries(Object.entries(files).map(([rel, d]) => [rel, d.sha256]));
}

function expectDigest(line: string, body: string): void {
  if (createHash('sha256').update(body).digest('hex') !== line) throw new Error('record digest mismatch');
}

export function digests(tree: Tree): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([rel, b]) => [rel, createHash('sha256').update(b).digest('hex')]));
}

export interface ChildResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface WriterRun {
  /** Resolves when the child prints 'go' (the write starts). */
  readonly started: Promise<void>;
  readonly done: Promise<ChildResult>;
  kill(): void;
}

/** Spawns the child writer (test/fixtures/atomic-writer.ts) with a spec file. */
export function runWriter(specFile: string, timeoutMs = 20_000): WriterRun {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), WRITER, specFile], {
    cwd: ROOT,
    env: { ...process.env, KSTACK_VENDOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  let go: () => void;
  const started = new Promise<void>((resolve) => (go = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.startsWith('go\n')) go();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ChildResult>((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      go();
      resolve({ status, signal, stdout, stderr });
    }),
  );
  return { started, done, kill: () => child.kill('SIGKILL') };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
