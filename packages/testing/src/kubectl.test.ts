// kubectl against the in-process API server: discovery, Table output, create (protobuf body),
// delete (which waits with a watch on metadata.name), client-side apply (OpenAPI download for
// validation, strategic merge patch), server-side apply (with a conflict), a CRD applied from
// YAML and its custom resource (wait, get, server-side apply, delete), scale (the /scale subresource) and get -w (Table watches). Skipped, with a printed message, when no
// kubectl is on PATH — the only conditional skip in this package.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { eventually } from './eventually.js';
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

  it.skipIf(kubectlPath === undefined)(
    'kubectl apply -f creates, configures (strategic merge patch) and leaves unchanged a pod and a config map without --validate=false (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      const podYaml = (image: string): string =>
        [
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          '  name: web',
          '  labels: {app: web}',
          'spec:',
          '  containers:',
          '  - name: app',
          `    image: ${image}`,
          '    ports: [{containerPort: 8080, name: http}]',
          '  - name: sidecar',
          '    image: busybox:1.36',
          '    args: [sleep, infinity]',
          '',
        ].join('\n');
      const cmYaml = (a: string): string =>
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: settings',
          'data:',
          `  a: "${a}"`,
          '',
        ].join('\n');
      const podFile = path.join(dir, 'pod.yaml');
      const cmFile = path.join(dir, 'cm.yaml');
      const apply = async (file: string): Promise<string> => {
        const r = await kubectl(kubeconfig, 'apply', '-f', file);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        return r.stdout.trim();
      };

      writeFileSync(podFile, podYaml('nginx:1.27'));
      writeFileSync(cmFile, cmYaml('1'));
      expect(await apply(podFile)).toBe('pod/web created');
      expect(await apply(cmFile)).toBe('configmap/settings created');
      expect(await apply(podFile)).toBe('pod/web unchanged');
      expect(await apply(cmFile)).toBe('configmap/settings unchanged');

      // A changed image: kubectl sends a strategic merge patch with only the changed container
      // field (and its merge key); the other fields and containers stay.
      writeFileSync(podFile, podYaml('nginx:1.28'));
      writeFileSync(cmFile, cmYaml('2'));
      expect(await apply(podFile)).toBe('pod/web configured');
      expect(await apply(cmFile)).toBe('configmap/settings configured');
      const pod = s.get('pods', 'default', 'web') as {
        spec: { containers: Array<Record<string, unknown>> };
      };
      expect(pod.spec.containers).toEqual([
        { name: 'app', image: 'nginx:1.28', ports: [{ containerPort: 8080, name: 'http' }] },
        { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
      ]);
      expect(pod.spec).not.toHaveProperty('$setElementOrder/containers');
      expect(
        (s.get('configmaps', 'default', 'settings') as { data?: unknown } | undefined)?.data,
      ).toEqual({ a: '2' });
      expect(await apply(podFile)).toBe('pod/web unchanged');
    },
  );

  it.skipIf(kubectlPath === undefined)(
    'kubectl scale deployment/web --replicas=3 writes spec.replicas through /scale (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      s.create('deployments.apps', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
          },
        },
      } as KubeObject);
      const scaled = await kubectl(kubeconfig, 'scale', 'deployment/web', '--replicas=3');
      expect(scaled.stderr).toBe('');
      expect(scaled.stdout.trim()).toBe('deployment.apps/web scaled');
      const d = s.get('deployments.apps', 'default', 'web') as { spec?: { replicas?: number } };
      expect(d.spec?.replicas).toBe(3);
      expect(s.requests.entries.some((r) => r.path.endsWith('/deployments/web/scale'))).toBe(true);
      const shown = await kubectl(kubeconfig, 'get', 'deploy', 'web');
      expect(shown.stdout).toMatch(/\nweb\s+0\/3\s+0\s+0\s+\d+s\n/);
    },
  );

  it.skipIf(kubectlPath === undefined)(
    'kubectl get pods -w prints later rows under the columns of the first table (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      s.create('pods', makePod({ namespace: 'default', name: 'x' }));
      const child = spawn(kubectlPath!, ['--kubeconfig', kubeconfig, 'get', 'pods', '-w'], {
        env: { ...process.env, KUBECACHEDIR: path.join(dir, 'cache') },
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      try {
        await eventually(() => expect(out).toMatch(/\nx\s+2\/2\s+Running\s+0\s+\d+s\n/), {
          timeoutMs: 15_000,
        });
        await eventually(() => expect(s.openWatches()).toBe(1), { timeoutMs: 15_000 });
        s.create('pods', makePod({ namespace: 'default', name: 'y' }));
        // A later row keeps NAME READY STATUS RESTARTS AGE (before: NAME and AGE only).
        await eventually(() => expect(out).toMatch(/\ny\s+2\/2\s+Running\s+0\s+\d+s\n/), {
          timeoutMs: 15_000,
        });
        expect(out.match(/NAME/g)).toHaveLength(1);
        expect(err).toBe('');
      } finally {
        child.kill();
      }
    },
    40_000,
  );

  it.skipIf(kubectlPath === undefined)(
    'kubectl get events lists an Event created through events.k8s.io/v1 (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      const res = await fetch(`${s.url}/apis/events.k8s.io/v1/namespaces/default/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          metadata: { name: 'web.1' },
          eventTime: new Date().toISOString().replace('Z', '000Z'),
          reportingController: 'example.com/widget-controller',
          reportingInstance: 'widget-controller-0',
          action: 'Scale',
          reason: 'Scaled',
          regarding: { kind: 'Deployment', namespace: 'default', name: 'web' },
          note: 'scaled to 3',
          type: 'Normal',
        }),
      });
      expect(res.status).toBe(201);
      const got = await kubectl(kubeconfig, 'get', 'events');
      expect(got.stderr).toBe('');
      expect(got.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
      expect(got.stdout).toMatch(/\n\d+s\s+Normal\s+Scaled\s+deployment\/web\s+scaled to 3\n/);
    },
  );

  it.skipIf(kubectlPath === undefined)(
    'kubectl create deployment works (its protobuf body is decoded) (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      const created = await kubectl(
        kubeconfig,
        'create',
        'deployment',
        'web',
        '--image=nginx:1.27',
        '--replicas=2',
        '--port=80',
      );
      expect(created.stderr).toBe('');
      expect(created.stdout.trim()).toBe('deployment.apps/web created');
      const d = s.get('deployments.apps', 'default', 'web') as {
        spec?: { replicas?: number; template?: { spec?: { containers?: unknown[] } } };
      };
      expect(d.spec?.replicas).toBe(2);
      expect(d.spec?.template?.spec?.containers).toEqual([
        { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
      ]);
    },
  );
  it.skipIf(kubectlPath === undefined)(
    'kubectl apply --server-side creates and updates; another field manager conflicts on a field kubectl owns until --force-conflicts (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      const file = path.join(dir, 'deploy.yaml');
      const yaml = (replicas: number, image: string): string =>
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata:',
          '  name: web',
          'spec:',
          `  replicas: ${replicas}`,
          '  selector: {matchLabels: {app: web}}',
          '  template:',
          '    metadata: {labels: {app: web}}',
          '    spec:',
          `      containers: [{name: app, image: "${image}"}]`,
          '',
        ].join('\n');
      const ssa = (...extra: string[]) =>
        kubectl(kubeconfig, 'apply', '--server-side', ...extra, '-f', file);

      writeFileSync(file, yaml(1, 'nginx:1.27'));
      const created = await ssa();
      expect(created.stderr).toBe('');
      expect(created.stdout.trim()).toBe('deployment.apps/web serverside-applied');
      writeFileSync(file, yaml(1, 'nginx:1.28'));
      expect((await ssa()).stdout.trim()).toBe('deployment.apps/web serverside-applied');
      const d = s.get('deployments.apps', 'default', 'web') as {
        metadata: { generation?: number; managedFields?: { manager: string; operation: string }[] };
        spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
      };
      expect(d.spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
      expect(d.metadata.generation).toBe(2);
      expect(d.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual([
        'kubectl/Apply',
      ]);

      // Another manager changing replicas kubectl applied: a conflict, nothing written.
      writeFileSync(file, yaml(3, 'nginx:1.28'));
      const conflict = await ssa('--field-manager=autoscaler');
      expect(conflict.code).not.toBe(0);
      expect(conflict.stderr).toContain(
        'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
      );
      expect(
        (s.get('deployments.apps', 'default', 'web') as { spec: { replicas: number } }).spec
          .replicas,
      ).toBe(1);

      const forced = await ssa('--field-manager=autoscaler', '--force-conflicts');
      expect(forced.stderr).toBe('');
      expect(forced.stdout.trim()).toBe('deployment.apps/web serverside-applied');
      const after = s.get('deployments.apps', 'default', 'web') as {
        metadata: { managedFields?: { manager: string; fieldsV1: Record<string, unknown> }[] };
        spec: { replicas: number };
      };
      expect(after.spec.replicas).toBe(3);
      expect(
        JSON.stringify(
          after.metadata.managedFields?.find((m) => m.manager === 'kubectl')?.fieldsV1,
        ),
      ).not.toContain('f:replicas');
    },
  );

  it.skipIf(kubectlPath === undefined)(
    'kubectl apply -f crd.yaml serves the custom resource: kubectl wait Established, apply and get by plural and short name, --server-side merges a list-type map list, delete removes it (skipped without kubectl on PATH)',
    async () => {
      const s = (server = await startApiServer());
      dir = mkdtempSync(path.join(tmpdir(), 'kubecache-kubectl-'));
      const kubeconfig = path.join(dir, 'kubeconfig.yaml');
      writeFileSync(kubeconfig, s.kubeConfigYaml());
      const crdFile = path.join(dir, 'crd.yaml');
      writeFileSync(
        crdFile,
        [
          'apiVersion: apiextensions.k8s.io/v1',
          'kind: CustomResourceDefinition',
          'metadata:',
          '  name: widgets.example.com',
          'spec:',
          '  group: example.com',
          '  scope: Namespaced',
          '  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}',
          '  versions:',
          '  - name: v1',
          '    served: true',
          '    storage: true',
          '    subresources: {status: {}}',
          '    schema:',
          '      openAPIV3Schema:',
          '        type: object',
          '        properties:',
          '          spec:',
          '            type: object',
          '            properties:',
          '              ports:',
          '                type: array',
          '                x-kubernetes-list-type: map',
          '                x-kubernetes-list-map-keys: [name]',
          '                items:',
          '                  type: object',
          '                  properties: {name: {type: string}, port: {type: integer}}',
          '',
        ].join('\n'),
      );
      const created = await kubectl(kubeconfig, 'apply', '-f', crdFile);
      expect(created.stderr).toBe('');
      expect(created.stdout.trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created',
      );
      const waited = await kubectl(
        kubeconfig,
        'wait',
        '--for=condition=Established',
        'crd/widgets.example.com',
      );
      expect(waited.stdout.trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met',
      );
      const widgetYaml = (manager: string, port: number): string =>
        [
          'apiVersion: example.com/v1',
          'kind: Widget',
          'metadata: {name: w, namespace: default}',
          `spec: {ports: [{name: ${manager}, port: ${port}}]}`,
          '',
        ].join('\n');
      const ssa = async (manager: string, port: number) => {
        const file = path.join(dir!, `${manager}.yaml`);
        writeFileSync(file, widgetYaml(manager, port));
        return kubectl(
          kubeconfig,
          'apply',
          '--server-side',
          `--field-manager=${manager}`,
          '-f',
          file,
        );
      };
      const a = await ssa('a', 80);
      expect(a.stderr).toBe('');
      expect(a.stdout.trim()).toBe('widget.example.com/w serverside-applied');
      expect((await ssa('b', 90)).stdout.trim()).toBe('widget.example.com/w serverside-applied');
      expect(
        (s.get('widgets.example.com', 'default', 'w') as { spec: { ports: unknown } }).spec.ports,
      ).toEqual([
        { name: 'a', port: 80 },
        { name: 'b', port: 90 },
      ]);
      for (const name of ['widgets', 'wd', 'widget.example.com']) {
        const got = await kubectl(kubeconfig, 'get', name);
        expect(got.stderr).toBe('');
        expect(got.stdout).toMatch(/^NAME\s+AGE\nw\s+\d+s\n$/);
      }
      const deleted = await kubectl(kubeconfig, 'delete', '-f', crdFile);
      expect(deleted.stdout.trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted',
      );
      expect(s.list('customresourcedefinitions.apiextensions.k8s.io').items).toEqual([]);
      const gone = await kubectl(kubeconfig, 'get', 'widgets');
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain(
        'the server could not find the requested resource (widgets.example.com)',
      );
    },
    40_000,
  );
});
