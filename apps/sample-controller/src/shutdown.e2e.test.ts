// Issue 21 input 7: SIGTERM while two writes are never answered. The built binary runs against
// the in-process API server (its kubeconfig in a temp file); the server holds the two Deployment
// creates open without answering. The controller aborts the reconciles' signals at the deadline
// (the requests carry them), run settles, and the process exits with code 3 (forced) within the
// deadline plus a second — before, it logged "leaving them" and never exited.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import { exitClean, exitFailed, exitForced } from './exit-codes.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const shutdownTimeoutMs = 1500;
/** events.k8s.io/v1 Events on the testing server. */
const EVENTS_V1 = 'events.events.k8s.io';

let server: ApiServer;
let dir: string;

beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
  dir = mkdtempSync(join(tmpdir(), 'sample-controller-shutdown-'));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function startApp(extra: readonly string[] = []): {
  stderr: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
} {
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, server.kubeConfigYaml(), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      main,
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      'default',
      '--shutdown-timeout-ms',
      String(shutdownTimeoutMs),
      '--log-level',
      'info',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { stderr: () => err, exited, kill: (s) => child.kill(s) };
}

const eventually = (fn: () => void, timeout = 20_000): Promise<void> =>
  vi.waitFor(fn, { timeout, interval: 20 });

describe('sample-controller shutdown', () => {
  it('exits 3 within the deadline plus a second when two writes are never answered', async () => {
    const app = startApp();
    await eventually(() => expect(app.stderr()).toContain('caches synced; starting workers'));
    server.faults.stallNextRequests(2, { verb: 'create', resource: DEPLOYMENTS });
    server.create(FOOS, makeFoo('f1', { deploymentName: 'd1', replicas: 1 }));
    server.create(FOOS, makeFoo('f2', { deploymentName: 'd2', replicas: 1 }));
    await eventually(() =>
      expect(server.requests.count({ verb: 'create', resource: DEPLOYMENTS })).toBe(2),
    );
    const sentAt = performance.now();
    app.kill('SIGTERM');
    const code = await app.exited;
    const tookMs = performance.now() - sentAt;
    console.log(
      `SIGTERM with 2 unanswered writes: exit ${String(code)} after ${Math.round(tookMs)} ms (deadline ${String(shutdownTimeoutMs)} ms)`,
    );
    expect(app.stderr()).toContain('shutdown deadline passed with reconciles in flight');
    expect(app.stderr()).toContain('forced shutdown');
    expect(code).toBe(exitForced);
    expect(tookMs).toBeLessThan(shutdownTimeoutMs + 1000);
  });

  it('exits 0 on SIGTERM when nothing is in flight; /healthz and /readyz answer ok meanwhile', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const app = startApp(['--metrics-port', String(port)]);
    server.create(FOOS, makeFoo('f1', { deploymentName: 'd1', replicas: 1 }));
    await eventually(() => expect(server.get(DEPLOYMENTS, 'default', 'd1')).toBeDefined());
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`http://127.0.0.1:${String(port)}${path}?verbose`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(
        path === '/healthz' ? '[+]controller-foo-controller ok' : '[+]caches-synced ok',
      );
    }
    app.kill('SIGTERM');
    expect(await app.exited).toBe(exitClean);
    expect(app.stderr()).not.toContain('forced');
  });

  it('exits 0 within the deadline plus a second when Event writes are never answered (dropped with a warning)', async () => {
    const app = startApp();
    await eventually(() => expect(app.stderr()).toContain('caches synced; starting workers'));
    server.faults.stallNextRequests(100, { verb: 'create', resource: EVENTS_V1 });
    server.create(FOOS, makeFoo('f1', { deploymentName: 'd1', replicas: 1 }));
    await eventually(() =>
      expect(server.requests.count({ verb: 'create', resource: EVENTS_V1 })).toBeGreaterThan(0),
    );
    const sentAt = performance.now();
    app.kill('SIGTERM');
    const code = await app.exited;
    const tookMs = performance.now() - sentAt;
    expect(app.stderr()).toContain('event writes not finished by the shutdown deadline; dropped');
    expect(code).toBe(exitClean);
    expect(tookMs).toBeLessThan(shutdownTimeoutMs + 1000);
  });

  it('exits 1 with the cause and its stack when the controller fails (an informer stopped after sync)', async () => {
    const app = startApp(['--on-permanent-error', 'stop']);
    await eventually(() => expect(app.stderr()).toContain('caches synced; starting workers'));
    // The Foo watch ends and its re-watch is refused: 403 will not fix itself.
    server.faults.nextResponses(5, { status: 403, verb: 'watch', resource: FOOS });
    server.faults.endWatches();
    const code = await app.exited;
    expect(code).toBe(exitFailed);
    const failed = app
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"level":50'))
      .map((l) => JSON.parse(l) as { msg: string; reason?: string; err?: { stack?: string } });
    const main = failed.find((l) => l.reason === 'informer');
    expect(main?.msg).toMatch(
      /^controller foo-controller failed \(informer\): informer foos\.v1alpha1\.samplecontroller\.k8s\.io@default stopped: .*403/,
    );
    expect(main?.err?.stack).toContain('ControllerFailedError');
  });
});
