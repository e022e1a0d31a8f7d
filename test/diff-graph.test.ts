/** kstack diff and kstack graph, the library side: diffManifests/formatDiff and renderGraph. */
import { describeStack, diffManifests, formatDiff, Peer, renderGraph } from '../lib';
import { dev, prod, staging } from '../stacks/environments';
import { synthesizeEnv } from '../stacks/synth';

const objectsOf = (env: typeof dev) => synthesizeEnv(env).files.flatMap((f) => [...f.objects]);

describe('diffManifests', () => {
  test('GIVEN dev and prod WHEN diffed across namespaces THEN added, removed and changed objects carry field paths', () => {
    const diff = diffManifests(objectsOf(dev), objectsOf(prod), { acrossNamespaces: true });
    expect(diff.added).toEqual(
      expect.arrayContaining([
        'HorizontalPodAutoscaler/kstack-prod/api',
        'PodDisruptionBudget/kstack-prod/api',
        'Application/argocd/kstack-demo-prod',
      ]),
    );
    expect(diff.removed).toEqual(expect.arrayContaining(['StatefulSet/kstack-dev/db', 'Secret/kstack-dev/db-credentials']));
    const api = diff.changed.find((c) => c.object === 'Deployment/kstack-dev/api')!;
    expect(api.changes).toContainEqual({
      path: 'spec.template.spec.containers[api].image',
      before: '"localhost:5000/kstack-backend:dev"',
      after: '"ghcr.io/kstack-dev/kstack-backend:0.1.0"',
    });
    expect(api.changes).toContainEqual({ path: 'metadata.namespace', before: '"kstack-dev"', after: '"kstack-prod"' });
    expect(api.changes.find((c) => c.path === 'spec.replicas')).toEqual({ path: 'spec.replicas', before: '1' });
  });

  test('GIVEN the same output twice WHEN diffed THEN there are no differences', () => {
    const diff = diffManifests(objectsOf(staging), objectsOf(staging));
    expect(diff).toEqual({ added: [], removed: [], changed: [] });
    expect(formatDiff(diff)).toBe('no differences\n');
  });

  test('GIVEN a Secret whose value changed WHEN diffed THEN the key is named and neither value is shown', () => {
    const secret = (password: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'n' },
      stringData: { password, user: 'app' },
    });
    const diff = diffManifests([secret('old-hunter2')], [secret('new-hunter3')]);
    expect(diff.changed).toEqual([
      { object: 'Secret/n/s', changes: [{ path: 'stringData.password', before: '(secret)', after: '(secret)' }] },
    ]);
    expect(formatDiff(diff)).not.toMatch(/hunter/);
  });

  test('GIVEN an env variable inserted in a container WHEN diffed THEN only that variable is a change (named items are matched by name)', () => {
    const deployment = (env: { name: string; value: string }[]) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: { template: { spec: { containers: [{ name: 'api', env }] } } },
    });
    const diff = diffManifests(
      [deployment([{ name: 'B', value: '1' }])],
      [
        deployment([
          { name: 'A', value: '0' },
          { name: 'B', value: '1' },
        ]),
      ],
    );
    expect(diff.changed[0].changes).toEqual([{ path: 'spec.template.spec.containers[api].env[A]', after: '{"name":"A","value":"0"}' }]);
  });
});

describe('renderGraph', () => {
  test('GIVEN the dev stack with an outbound call WHEN drawn in Mermaid THEN routes, connections and the peer are edges', () => {
    const result = synthesizeEnv(dev);
    result.stack.backend.connections.allowTo(Peer.internet(), { ports: [443], hosts: ['api.openai.com'] });
    const mermaid = renderGraph(describeStack(result.app), 'mermaid');
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toContain('subgraph ns_kstack_dev_box["namespace kstack-dev"]');
    expect(mermaid).toContain('w_db[("db (database, :5432)")]');
    expect(mermaid).toContain('r_app -- "/api (prefix stripped)" --> w_api');
    expect(mermaid).toContain('r_app -- "/" --> w_web');
    expect(mermaid).toContain('w_web -- ":8000" --> w_api');
    expect(mermaid).toContain('w_api -- ":5432" --> w_db');
    expect(mermaid).toContain('w_api -- ":443 api.openai.com" --> net_internet');
  });

  test('GIVEN prod (managed database) WHEN drawn in DOT THEN the same edges, the database outside the namespace box', () => {
    const dot = renderGraph(describeStack(synthesizeEnv(prod).app), 'dot');
    expect(dot.startsWith('digraph kstack {')).toBe(true);
    expect(dot).toContain('w_db [label="db (managed PostgreSQL, :5432)", shape=cylinder];');
    expect(dot).toContain('w_api -> w_db [label=":5432"];');
    expect(dot).toContain('subgraph cluster_ns_kstack_prod {');
    // staging's backup and restore jobs are clients of its database
    const staged = renderGraph(describeStack(synthesizeEnv(staging).app), 'dot');
    expect(staged).toContain('w_db_backup -> w_db [label=":5432"];');
    expect(staged).toContain('w_db_restore -> w_db [label=":5432"];');
    expect(renderGraph(describeStack(synthesizeEnv(prod).app), 'dot')).toBe(dot); // deterministic
  });
});
