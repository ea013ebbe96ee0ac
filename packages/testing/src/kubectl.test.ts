// kubectl against the in-process API server: discovery, Table output, create (protobuf body) and
// delete (which waits with a watch on metadata.name). Skipped, with a printed message, when no
// kubectl is on PATH — the only conditional skip in this package.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';

const kubectlPath = ((): string | undefined => {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
})();
if (kubectlPath === undefined)
  console.log('kubectl.test.ts: kubectl is not on PATH; skipping the kubectl tests');

let server: ApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const kubectl = (
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      kubectlPath!,
      ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args],
      {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, KUBECACHEDIR: path.join(dir!, 'cache') },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('kubectl', () => {
  it.skipIf(kubectlPath === undefined)(
    'kubectl get pods, get cm, create namespace and delete pod work against the server (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      s.create('pods', makePod({ namespace: 'default', name: 'x' }));
      s.create(
        'configmaps',
        makeConfigMap({ namespace: 'default', name: 'settings', data: { a: '1', b: '2' } }),
      );

      const pods = await kubectl(kubeconfig, 'get', 'pods');
      expect(pods.stderr).toBe('');
      expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      expect(pods.stdout).toMatch(/\nx\s+2\/2\s+Running\s+0\s+\d+s\n/);

      const cms = await kubectl(kubeconfig, 'get', 'cm');
      expect(cms.stdout).toMatch(/^NAME\s+DATA\s+AGE\n/);
      expect(cms.stdout).toMatch(/\nsettings\s+2\s+\d+s\n/);

      const created = await kubectl(kubeconfig, 'create', 'namespace', 'demo');
      expect(created.stderr).toBe('');
      expect(created.stdout.trim()).toBe('namespace/demo created');
      expect(s.get('namespaces', undefined, 'demo')).toBeDefined();

      const deleted = await kubectl(kubeconfig, 'delete', 'pod', 'x');
      expect(deleted.stderr).toBe('');
      expect(deleted.stdout.trim()).toBe('pod "x" deleted');
      expect(s.get('pods', 'default', 'x')).toBeUndefined();

      const none = await kubectl(kubeconfig, 'get', 'po');
      expect(none.stderr.trim()).toBe('No resources found in default namespace.');
    },
  );
});
