// Runs the built binary against the in-process API server: lines and JSON output, the live table
// in a pseudo-terminal (script(1)) with Ctrl-C, and the no-config exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const children: ChildProcess[] = [];
let server: ApiServer | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await server?.close();
  server = undefined;
});

async function setup(): Promise<string> {
  server = await startApiServer();
  for (let i = 0; i < 3; i++)
    server.create('pods', makePod({ namespace: 'ns', name: `p${i}`, index: i, phase: 'Pending' }));
  const dir = mkdtempSync(join(tmpdir(), 'pod-printer-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, server.kubeConfigYaml());
  return path;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pod-printer binary', () => {
  it('prints adds, changes, deletes and the periodic key list as lines; SIGTERM exits 0 within 2 s', async () => {
    const kc = await setup();
    const p = run(['--kubeconfig', kc, '--output', 'lines', '--interval', '300ms']);
    await until(() => p.out().includes('PODS (3): ns/p0 ns/p1 ns/p2'), 'initial key list');
    expect(p.out()).toContain('ADDED ns/p0 (Pending)');
    server!.patch('pods', 'ns', 'p1', { status: { phase: 'Running' } });
    server!.delete('pods', 'ns', 'p2');
    server!.create('pods', makePod({ namespace: 'ns', name: 'p3' }));
    await until(
      () => p.out().includes('DELETED ns/p2') && p.out().includes('ADDED ns/p3'),
      'changes',
    );
    expect(p.out()).toContain('MODIFIED ns/p1: phase Pending→Running');
    await until(() => p.out().includes('PODS (3): ns/p0 ns/p1 ns/p3'), 'updated key list');
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('prints JSON lines with --output json and reports a retriable API error (503) as one line while retrying', async () => {
    const kc = await setup();
    const p = run(['--kubeconfig', kc, '-o', 'json', '--interval', '1h', '-n', 'ns']);
    await until(() => p.out().includes('"type":"SYNCED"'), 'sync');
    server!.delete('pods', 'ns', 'p0');
    await until(() => p.out().includes('"type":"DELETED","key":"ns/p0"'), 'delete');
    const lines = p
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'ADDED')).toHaveLength(3);
    expect(lines.find((l) => l.type === 'KEYS')).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      type: 'KEYS',
      count: 3,
      keys: ['ns/p0', 'ns/p1', 'ns/p2'],
    });
    server!.faults.nextResponses(2, { status: 503, verb: 'watch' });
    server!.faults.resetWatches();
    await until(() => p.out().includes('API error 503 ServiceUnavailable'), 'the 503 line');
    const errors = p
      .out()
      .split('\n')
      .filter((l) => l.includes('API error 503'));
    expect(errors).toHaveLength(1); // one line per distinct error per 10 s, not one per retry
    server!.create('pods', makePod({ namespace: 'ns', name: 'after' }));
    await until(() => p.out().includes('"key":"ns/after"'), 'recovery after 503');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('prints SYNCED only after the ADDED line of every pod of the initial list', async () => {
    server = await startApiServer();
    for (let i = 0; i < 300; i++)
      server.create('pods', makePod({ namespace: `ns-${i % 5}`, name: `p${i}`, index: i }));
    const kc = join(mkdtempSync(join(tmpdir(), 'pod-printer-')), 'kubeconfig');
    writeFileSync(kc, server.kubeConfigYaml());
    const p = run(['--kubeconfig', kc, '-o', 'lines', '--interval', '1h']);
    await until(() => p.out().includes('SYNCED'), 'SYNCED');
    const lines = p.out().split('\n');
    const synced = lines.findIndex((l) => l.startsWith('SYNCED'));
    expect(lines[synced]).toBe('SYNCED 300 pods');
    expect(lines.slice(0, synced).filter((l) => l.startsWith('ADDED '))).toHaveLength(300);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('exits 2 with one line, not a parser stack, when the kubeconfig is garbage', async () => {
    const kc = join(mkdtempSync(join(tmpdir(), 'pod-printer-')), 'kubeconfig');
    writeFileSync(kc, 'clusters: [\n  - name: {{{\n\t:::\n');
    const p = run(['--kubeconfig', kc, '-o', 'lines']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(
      new RegExp(`^pod-printer: kubeconfig ${kc} is not a valid kubeconfig: .+\n$`),
    );
    expect(p.err().trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 with a message about --demo when no configuration exists', async () => {
    const home = mkdtempSync(join(tmpdir(), 'no-home-'));
    const p = run(['-o', 'lines'], { KUBECONFIG: '', HOME: home, KUBERNETES_SERVICE_HOST: '' });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/no Kubernetes configuration found.*--demo/s);
  });

  it('draws the live table in a terminal and stops on Ctrl-C', async () => {
    const kc = await setup();
    // `exec` so that the pty's foreground process group is node alone: a non-interactive
    // dash (the CI machine's /bin/sh) waiting on it would itself die of the Ctrl-C (exit 130).
    const cmd = `exec ${process.execPath} ${main} --kubeconfig ${kc}`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SHELL: '/bin/sh', TERM: 'xterm', COLUMNS: '160', LINES: '50' },
    });
    children.push(p);
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    await until(
      () => out.includes('NAMESPACE') && out.includes('p2') && out.includes('(synced)'),
      'table',
    );
    expect(out).toMatch(/NAME/);
    expect(out).toMatch(/ContainerCreating/); // kubectl's STATUS of a Pending pod whose containers wait
    server!.patch('pods', 'ns', 'p0', { status: { phase: 'Running' } });
    await until(
      () => out.includes('MODIFIED ns/p0: phase Pending→Running'),
      'event under the table',
    );
    const t0 = Date.now();
    p.stdin.write('\x03');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
