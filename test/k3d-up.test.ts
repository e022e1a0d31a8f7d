/**
 * bin/k3d-up.sh's decisions, with recording stand-ins for docker, k3d and kubectl on PATH (no
 * cluster can run here: docs/routing.md has the steps to run it for real). The stand-ins answer
 * the script's questions as a fresh machine, or an old cluster, would and log every call.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'bin', 'k3d-up.sh');

/** Runs the script with stand-ins; `state` says what exists: 'fresh' (nothing), 'no-traefik' (an old cluster), 'no-crds'. */
function run(state: 'fresh' | 'no-traefik' | 'no-crds'): { status: number; calls: string[]; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kstack-k3d-up-'));
  const log = path.join(dir, 'calls.log');
  const stand = (name: string, body: string) =>
    fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
  stand('docker', 'exit 1'); // no registry container yet
  stand(
    'k3d',
    `[ "$1 $2" = "cluster list" ] && { ${state === 'fresh' || state === 'no-crds' ? 'exit 0' : 'echo "kstack 1/1 0/0 true"'}; }; cat > /dev/null; exit 0`,
  );
  stand(
    'kubectl',
    [
      'args="$*"',
      `case "$args" in`,
      `  *"get helmchart traefik"*) ${state === 'no-traefik' ? 'exit 1' : 'exit 0'} ;;`,
      `  *"get crd httproutes"*) ${state === 'no-crds' ? 'exit 1' : 'exit 0'} ;;`,
      '  *"jsonpath"*) echo v1.5.1 ;;',
      '  *"apply -f -"*) cat >> "$(dirname "$0")/applied.yaml" ;;',
      'esac',
      'exit 0',
    ].join('\n'),
  );
  try {
    const r = spawnSync('bash', [SCRIPT], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8', timeout: 30_000 });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    const applied = path.join(dir, 'applied.yaml');
    if (fs.existsSync(applied)) calls.push(`applied: ${fs.readFileSync(applied, 'utf8').replace(/\s+/g, ' ').trim()}`);
    return { status: r.status ?? -1, calls, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('bin/k3d-up.sh', () => {
  test("GIVEN a fresh machine WHEN run THEN the cluster keeps Traefik on the pinned k3s, Traefik's Gateway provider is enabled, and no CRDs are installed over k3s's", () => {
    const r = run('fresh');
    expect(r.status).toBe(0);
    const create = r.calls.find((c) => c.startsWith('k3d cluster create'))!;
    expect(create).toContain('--image rancher/k3s:v1.34.7-k3s1');
    expect(create).not.toContain('traefik');
    expect(r.calls.some((c) => c.includes('standard-install.yaml'))).toBe(false);
    expect(r.calls).toContain(
      'applied: apiVersion: helm.cattle.io/v1 kind: HelmChartConfig metadata: name: traefik namespace: kube-system spec: valuesContent: |- providers: kubernetesGateway: enabled: true',
    );
    expect(r.calls).toContain('kubectl --context k3d-kstack wait --for=condition=Accepted gatewayclass/traefik --timeout=180s');
    expect(r.stdout).toContain("enabled Traefik's Gateway API provider (HelmChartConfig kube-system/traefik)");
    expect(r.stdout).toContain('Gateway API CRDs present (bundle v1.5.1, shipped with k3s)');
    expect(r.calls.join('\n')).not.toMatch(/ingress-nginx/);
  });

  test('GIVEN a k3s without the Gateway API CRDs WHEN run THEN the pinned standard channel is applied, and said', () => {
    const r = run('no-crds');
    expect(r.status).toBe(0);
    expect(r.calls).toContain(
      'kubectl --context k3d-kstack apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml',
    );
    expect(r.stdout).toContain('installed the Gateway API CRDs v1.4.0 (standard channel)');
  });

  test('fails when the existing cluster was made without Traefik, saying how to recreate it', () => {
    const r = run('no-traefik');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('recreate it: k3d cluster delete kstack && bin/k3d-up.sh');
    expect(r.calls.some((c) => c.includes('HelmChartConfig') || c.startsWith('k3d cluster create'))).toBe(false);
  });
});
