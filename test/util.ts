import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { App, Chart } from 'cdk8s';
import { K8sObject } from '../stacks/synth';

/** A chart with the labels and namespace the stacks use, for construct tests. */
export function testChart(namespace = 'shop'): Chart {
  return new Chart(new App(), 'test', {
    namespace,
    labels: { 'app.kubernetes.io/instance': 'shop-test', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'kstack' },
  });
}

/** Finds exactly one object by kind and name; fails with the list of what exists. */
export function find(objects: readonly K8sObject[], kind: string, name: string): any {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}/${name}, found ${found.length}; objects: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return found[0];
}

export function findAll(objects: readonly K8sObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** The pod spec of a Deployment, StatefulSet, Job or CronJob. */
export function podSpecOf(obj: any): any {
  return obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}

export function podTemplateLabelsOf(obj: any): Record<string, string> {
  return (obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.metadata.labels : obj.spec.template.metadata.labels) ?? {};
}

/** Runs fn and returns what it throws (fails when it does not throw). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Runs fn and returns the message it throws (fails when it does not throw). */
export function errorOf(fn: () => unknown): string {
  return thrownBy(fn).message;
}

/**
 * The paths in a .tgz (ustar with pax headers, as `npm pack` writes), read with Node alone:
 * `npm test` needs no tar on the PATH.
 */
export function tarballEntries(tgz: string): string[] {
  const data = zlib.gunzipSync(fs.readFileSync(tgz));
  const text = (from: number, len: number) => data.toString('utf8', from, from + len).replace(/\0.*$/s, '');
  const names: string[] = [];
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= data.length && data[at] !== 0;) {
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(data[at + 156] || 48);
    const body = data.toString('utf8', at + 512, at + 512 + size);
    if (type === 'x') paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body)?.[1];
    else if (type !== 'g') {
      const prefix = text(at + 345, 155);
      names.push(paxPath ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100)));
      paxPath = undefined;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

/**
 * Makes a FIFO. Node has no API for it, so this runs coreutils' mkfifo, by absolute path when
 * the PATH has none (the Node-only run of `npm test`); coreutils is on every Debian system.
 */
export function makeFifo(file: string): void {
  const onPath = spawnSync('mkfifo', [file]);
  if (onPath.error === undefined && onPath.status === 0) return;
  const bin = ['/usr/bin/mkfifo', '/bin/mkfifo'].find((p) => fs.existsSync(p));
  if (!bin) throw new Error(`cannot make the FIFO ${file}: no mkfifo (coreutils) on this machine`);
  execFileSync(bin, [file]);
}
