import { validateObjects } from './gate';
import { headerWaivers, loadManifests, LoadedManifests, LoadOptions } from './load';
import { ruleInfo } from './rules';
import { Finding, SchemaResultCache } from './types';

export interface ValidateManifestsOptions extends LoadOptions {
  /** Environment; overrides the one the files' kstack.dev/gate header names. @default - the header's, else 'prod' */
  readonly env?: string;
  /** Objects created outside the set, added to those the header declares. */
  readonly external?: readonly string[];
  readonly schemaCache?: SchemaResultCache;
}

/** What {@link validateManifests} read and found. */
export interface ManifestsReport {
  readonly env: string;
  /** Where the environment came from. */
  readonly envFrom: 'option' | 'header' | 'default';
  readonly loaded: LoadedManifests;
  /** Input findings first, then the gate's. */
  readonly findings: Finding[];
}

/**
 * Loads a folder or file of manifests with {@link loadManifests} and gates them, with the
 * environment, external objects and waivers of kstack's kstack.dev/gate header when the files carry
 * one (so `validate dist/<env>` needs no flags). Throws a KstackIoError only when `target` itself
 * cannot be read.
 */
export function validateManifests(target: string, options: ValidateManifestsOptions = {}): ManifestsReport {
  const loaded = loadManifests(target, options);
  const headerEnvs = [...new Set(loaded.headers.map((h) => h.header.env))];
  const env = options.env ?? headerEnvs[0] ?? 'prod';
  const envFrom = options.env !== undefined ? 'option' : headerEnvs.length > 0 ? 'header' : 'default';
  const problems = [...loaded.problems];
  if (headerEnvs.length > 1 && options.env === undefined) {
    problems.push({
      ruleId: 'input/header',
      object: loaded.headers.find((h) => h.header.env !== env)!.file,
      message: `files were synthesized for different environments (${headerEnvs.join(', ')}); validated as ${env}`,
    });
  }
  const external = [...(options.external ?? []), ...loaded.headers.flatMap((h) => h.header.external)];
  const waivers = headerWaivers(
    loaded,
    loaded.headers.filter((h) => h.header.env === env).flatMap((h) => h.header.waivers),
  );
  const inputFindings: Finding[] = problems.map((p) => ({
    ruleId: p.ruleId,
    severity: ruleInfo(p.ruleId)!.severity,
    env,
    object: p.object,
    path: p.object,
    message: p.message,
    fix: ruleInfo(p.ruleId)!.fix,
  }));
  const findings = validateObjects(loaded.objects, {
    env,
    constructPaths: loaded.sources,
    external,
    waivers,
    schemaCache: options.schemaCache,
  });
  return { env, envFrom, loaded, findings: [...inputFindings, ...findings] };
}
