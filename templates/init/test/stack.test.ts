/**
 * The composition in every environment: it passes kstack's validation gate (the Kubernetes
 * schemas, the API server's rules, Pod Security "restricted", the references between objects).
 */
import { gateErrors, synthesizeEnvironment } from 'kstack';
import stack from '../src/main';

describe.each(Object.values(stack.environments))('the $name environment', (env) => {
  const synthesis = synthesizeEnvironment(stack, env);
  const objects = synthesis.files.flatMap((f) => f.objects);
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  test('GIVEN the composition WHEN synthesized THEN the gate finds no error', () => {
    expect(gateErrors(synthesis.findings).map((f) => `${f.ruleId} ${f.object}: ${f.message}`)).toEqual([]);
  });

  test('THEN the API and the web frontend run, each reachable through the HTTPRoute', () => {
    expect(named('Deployment', 'api')).toBeDefined();
    expect(named('Deployment', 'web')).toBeDefined();
    const route = named('HTTPRoute', 'app') as { spec: { rules: { backendRefs?: { name: string }[] }[] } } | undefined;
    const backends = route?.spec.rules.flatMap((r) => r.backendRefs ?? []).map((b) => b.name);
    expect(backends?.sort()).toEqual(['api', 'web']);
  });

  test('THEN every object is in the environment namespace', () => {
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(env.namespace);
  });
});

test('GIVEN prod WHEN synthesized THEN PostgreSQL is managed: no StatefulSet, no Secret with a password', () => {
  const objects = synthesizeEnvironment(stack, stack.environments.prod).files.flatMap((f) => f.objects);
  expect(objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Secret')).toEqual([]);
});
