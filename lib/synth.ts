import * as path from 'path';
import { App, Chart, Names, YamlOutputType } from 'cdk8s';
import { propError } from './internal/errors';
import { stringifyDocumentChunks, stringifyDocuments } from './internal/yaml';
import { OutputWritten, writeFileAtomic, writeOutput, WriteOutputOptions } from './output';
import { assertGate, collectGateContext, Finding, gateHeaderLines, SchemaResultCache, validateObjects } from './validate';

/** A synthesized Kubernetes object. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

/** One chart's synthesized objects. */
export interface ChartManifest {
  /** The chart. */
  readonly chart: Chart;
  /** File name `app.synth()` gives the chart: '<chart>.k8s.yaml' (the app's outputFileExtension), '0000-<chart>.k8s.yaml' when charts depend on each other. */
  readonly fileName: string;
  /** Its objects, in cdk8s's order (dependencies first). */
  readonly objects: readonly K8sObject[];
}

export interface GateManifestsOptions {
  /** Environment the gate checks for: 'dev' relaxes image pinning and literal Secrets, 'prod' adds the PodDisruptionBudget rule. @default 'prod' */
  readonly env?: string;
  /** Remembers objects that passed their schema, so unchanged objects skip it; the caller owns storage. @default - every object is schema-checked */
  readonly schemaCache?: SchemaResultCache;
}

export interface WriteManifestsOptions extends GateManifestsOptions, WriteOutputOptions {
  /** Folder the YAML files are written to, atomically ({@link writeOutput}). @default - the app's outdir ('dist' unless set) */
  readonly outdir?: string;
}

/** What {@link writeManifests} wrote. */
export interface ManifestsWritten {
  /** The charts' objects. */
  readonly manifests: readonly ChartManifest[];
  /** Every finding of the gate: warnings, and waived findings (marked `waived`, print them: a waiver is never silent). */
  readonly findings: readonly Finding[];
  /** Paths of the files written, in writing order. */
  readonly files: readonly string[];
  /** What the atomic write did (files changed and removed, the rename pass's duration). */
  readonly output: OutputWritten;
}

/**
 * Resolves every chart of the app to plain objects, as `app.synth()` would (same charts, order
 * and file names). No I/O and no validation: see {@link gateManifests}.
 */
export function resolveCharts(app: App): ChartManifest[] {
  const found = app.node.findAll().filter((c): c is Chart => c instanceof Chart);
  if (found.length === 0) return [];
  // The first toJson() also resolves the cross-chart dependencies of the whole app (cdk8s does it per call).
  const objects = new Map<Chart, K8sObject[]>([[found[0], found[0].toJson() as K8sObject[]]]);
  const dependent = found.some((c) => c.node.dependencies.some((d) => Chart.of(d) !== c));
  // Without dependencies between charts, cdk8s's topological order is the tree order; app.charts
  // would build a dependency graph of every construct to say so.
  const charts = dependent ? app.charts : found;
  return charts.map((chart, i) => {
    const json = objects.get(chart) ?? (chart.toJson() as K8sObject[]);
    const name = Names.toDnsLabel(chart);
    return { chart, fileName: `${dependent ? `${String(i).padStart(4, '0')}-` : ''}${name}${app.outputFileExtension}`, objects: json };
  });
}

/**
 * The validation gate over the objects of all the charts, with the construct paths, waivers and
 * external objects of their construct trees. Callers fail on `gateErrors(findings)`.
 */
export function gateManifests(manifests: readonly ChartManifest[], options: GateManifestsOptions = {}): Finding[] {
  const objects = manifests.flatMap((m) => m.objects);
  const context = collectGateContext(outermostCharts(manifests.map((m) => m.chart)));
  return validateObjects(objects, { env: options.env, ...context, schemaCache: options.schemaCache });
}

/** The charts that are not inside another of them: a nested chart is walked with its parent (walking it again would see its objects twice). */
function outermostCharts(list: readonly Chart[]): Chart[] {
  const charts = new Set(list);
  return [...charts].filter((c) => !c.node.scopes.slice(0, -1).some((s) => charts.has(s as Chart)));
}

/**
 * The leading comment lines of every manifest file kstack writes for `charts`: the environment
 * the objects were gated for, the objects declared external in their construct trees and the
 * waived `findings`, so that `kstack validate` of the files needs no flags (lib/validate/header.ts).
 */
export function manifestHeader(charts: readonly Chart[], env: string, findings: readonly Finding[]): string {
  return gateHeaderLines(env, collectGateContext(outermostCharts(charts)).external, findings);
}

/** A manifest file's content: `header`, then {@link manifestYamlChunks} of the objects. */
export function* manifestFileChunks(header: string, objects: readonly K8sObject[]): Iterable<string> {
  yield header;
  yield* manifestYamlChunks(objects);
}

/** Multi-document YAML of the objects: the same bytes for the same objects, readable as YAML 1.1 and 1.2. */
export function manifestYaml(objects: readonly K8sObject[]): string {
  return stringifyDocuments(objects);
}

/**
 * The bytes of {@link manifestYaml} in pieces of about 1 MiB, made as they are consumed: content
 * for {@link writeOutput} that never holds a large manifest in memory whole.
 */
export function manifestYamlChunks(objects: readonly K8sObject[]): Iterable<string> {
  return stringifyDocumentChunks(objects);
}

/**
 * Writes the objects to a file as {@link manifestYaml} would give them, a document at a time (a
 * large manifest never sits in memory twice, as objects and as one string), and atomically
 * ({@link writeFileAtomic}): the file holds the previous content or the new one, never a prefix.
 */
export function writeManifestFile(
  file: string,
  objects: readonly K8sObject[],
  options: Pick<WriteOutputOptions, 'durable' | 'onNotice'> = {},
): void {
  writeFileAtomic(file, manifestYamlChunks(objects), options);
}

/**
 * kstack's `app.synth()`: resolves every chart, runs the validation gate over all objects and,
 * only when it passes, writes one YAML file per chart (or one for the app, with
 * `YamlOutputType.FILE_PER_APP`), named as `app.synth()` names them, each starting with
 * {@link manifestHeader} (so `kstack validate <outdir>` needs no flags), atomically: the folder keeps
 * its previous files until the new ones are complete ({@link writeOutput}; files a previous call
 * wrote that this one does not are removed, others in the folder are left alone). Throws a
 * KstackGateError listing the errors, before any file is written, when the gate fails.
 */
export function writeManifests(app: App, options: WriteManifestsOptions = {}): ManifestsWritten {
  const outdir = options.outdir ?? app.outdir;
  const perApp = app.yamlOutputType === YamlOutputType.FILE_PER_APP;
  if (!perApp && app.yamlOutputType !== YamlOutputType.FILE_PER_CHART) {
    throw propError(
      'app',
      'yamlOutputType',
      'must be FILE_PER_CHART or FILE_PER_APP for writeManifests (use app.synth() for one file per resource)',
      YamlOutputType[app.yamlOutputType],
    );
  }
  const manifests = resolveCharts(app);
  const findings = gateManifests(manifests, options);
  assertGate(findings);
  const outputs = perApp
    ? manifests.length > 0
      ? [{ fileName: `app${app.outputFileExtension}`, objects: manifests.flatMap((m) => m.objects) }]
      : []
    : manifests;
  const header = manifestHeader(
    manifests.map((m) => m.chart),
    options.env ?? 'prod',
    findings,
  );
  const output = writeOutput(
    outdir,
    outputs.map(({ fileName, objects }) => [fileName, manifestFileChunks(header, objects)] as const),
    options,
  );
  return { manifests, findings, files: output.files.map((f) => path.join(outdir, f)), output };
}
