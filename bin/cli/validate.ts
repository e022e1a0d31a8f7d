/**
 * `kstack validate PATH [--env NAME] [--external KIND/NAME]... [--json]`: the validation gate on a
 * folder or file of manifests (kstack's output, Helm output, hand-written YAML or JSON). kstack's
 * own output carries its environment, external objects and waivers in a header line, so
 * `kstack validate dist/<env>` needs no flags. Exit 0 no errors (warnings allowed), 1 errors,
 * 2 usage or I/O error.
 */
import { formatFinding, gateErrors, gateWarnings } from '../../lib/validate/gate';
import { validateManifests } from '../../lib/validate/manifests';
import { Finding } from '../../lib/validate/types';
import { CommandSpec, FlagSpecs, runCli, usageError } from '../internal/args';
import { openSchemaCache } from '../internal/schema-cache';
import { COMMANDS } from './commands';
import { recoverOutputs } from './outputs';

const SPEC = {
  command: 'kstack validate',
  summary: COMMANDS.validate.summary,
  positionals: { metavar: 'PATH', help: 'a folder (every *.yaml, *.yml and *.json below it) or one file', min: 1, max: 1 },
  flags: {
    env: { type: 'string', metavar: 'NAME', help: "environment whose rules apply (default: kstack's header in the files, else prod)" },
    external: {
      type: 'list',
      metavar: 'KIND/NAME',
      help: 'objects created outside the files (KIND/NAME, KIND/NAMESPACE/NAME, or a Secret name)',
    },
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

const ENV_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EXTERNAL = /^[A-Za-z0-9][-A-Za-z0-9.]*(\/[-a-z0-9.]+){0,2}$/;

function table(findings: readonly Finding[]): string {
  const rows = findings.map((f) => [
    f.waived ? 'waived' : f.severity,
    f.ruleId,
    f.object,
    f.waived ? f.waived.reason : `${f.message} (fix: ${f.fix})`,
  ]);
  const head = ['SEVERITY', 'RULE', 'OBJECT', 'MESSAGE'];
  const widths = [0, 1, 2].map((c) => Math.min(60, Math.max(head[c].length, ...rows.map((r) => r[c].length))));
  const line = (r: string[]) =>
    `${r
      .slice(0, 3)
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')}  ${r[3]}`;
  return [line(head), ...rows.map(line)].join('\n');
}

export function run(argv: readonly string[]): void {
  runCli(
    SPEC,
    ({ flags, positionals: [target] }) => {
      if (flags.env !== undefined && !ENV_NAME.test(flags.env))
        throw usageError(SPEC, `--env must be an environment name such as 'dev' or 'prod', got ${JSON.stringify(flags.env)}`);
      const bad = flags.external.find((e) => !EXTERNAL.test(e));
      if (bad !== undefined)
        throw usageError(SPEC, `--external must be KIND/NAME, KIND/NAMESPACE/NAME or a Secret name, got ${JSON.stringify(bad)}`);
      // A write killed half-way is completed first: what is validated is a complete output.
      recoverOutputs(target);
      const schemaCache = openSchemaCache();
      const { env, envFrom, loaded, findings } = validateManifests(target, { env: flags.env, external: flags.external, schemaCache });
      schemaCache?.save();
      const errors = gateErrors(findings).length;
      const warnings = gateWarnings(findings).length;
      const { files, objects, skipped } = loaded;
      if (flags.json) {
        const report = { env, envFrom, path: target, files: files.length, objects: objects.length, skipped, errors, warnings, findings };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        if (findings.length > 0) process.stdout.write(`${table(findings)}\n`);
        for (const f of findings) if (f.waived) process.stdout.write(`${formatFinding(f)}\n`);
        if (skipped.length > 0)
          process.stdout.write(
            `skipped ${skipped.length} document(s) without apiVersion or kind (not Kubernetes manifests): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}\n`,
          );
        process.stdout.write(
          `${errors} error(s), ${warnings} warning(s) in ${objects.length} object(s) from ${files.length} file(s) under ${target} [env ${env}${envFrom === 'header' ? ', from the kstack header' : ''}]\n`,
        );
      }
      return errors > 0 ? 1 : 0;
    },
    argv,
  );
}
