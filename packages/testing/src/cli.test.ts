import { existsSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeList, KubeObject } from '@kubecache/core';
import { cliUsage, isCliUsageError, parseCliArgs, runCli, type CliRun } from './cli.js';

interface Harness {
  run: CliRun;
  stdin: PassThrough;
  /** Sends a command and resolves with the reply line that has the same id. */
  send(cmd: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Every line written to stdout so far, parsed. */
  lines: Record<string, unknown>[];
}

let current: Harness | undefined;
afterEach(async () => {
  await current?.run.stop();
  current = undefined;
});

async function start(argv: string[]): Promise<Harness> {
  const options = parseCliArgs(argv);
  if (options === 'help') throw new Error('unexpected help');
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  const waiters: { id: unknown; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      lines.push(line);
      const w = waiters.findIndex((x) => x.id === line.id);
      if (w >= 0) waiters.splice(w, 1)[0]!.resolve(line);
    }
  });
  const run = await runCli(options, { stdin, stdout, stderr: new PassThrough() });
  let nextId = 0;
  const send = (cmd: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiters.push({ id, resolve });
      stdin.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  current = { run, stdin, send, lines };
  return current;
}

describe('kubecache-test-apiserver command line', () => {
  it('parses flags in both --flag value and --flag=value form, and rejects bad input with a usage error', () => {
    expect(
      parseCliArgs([
        '--pods',
        '100',
        '--namespaces=4',
        '--port',
        '0',
        '--bookmark-interval-ms=250',
        '--history-size',
        '50',
        '--tls',
        '--token',
        't0k',
      ]),
    ).toEqual({
      pods: 100,
      namespaces: 4,
      port: 0,
      bookmarkIntervalMs: 250,
      historySize: 50,
      tls: true,
      token: 't0k',
    });
    expect(parseCliArgs(['--help'])).toBe('help');
    expect(cliUsage).toContain('--bookmark-interval-ms');
    for (const bad of [
      ['--pods', 'x'],
      ['--pods'],
      ['--namespaces', '0'],
      ['--frobnicate'],
      ['--token', ''],
    ]) {
      let caught: unknown;
      try {
        parseCliArgs(bad);
      } catch (err) {
        caught = err;
      }
      expect(isCliUsageError(caught)).toBe(true);
    }
  });

  it('seeds pods over the namespaces, prints url and kubeconfig path, and serves them over HTTP', async () => {
    const h = await start(['--pods', '30', '--namespaces', '3']);
    const ready = h.lines[0]!;
    expect(ready).toMatchObject({ url: h.run.server.url, pods: 30, resourceVersion: '31' });
    const path = ready.kubeconfigPath as string;
    expect(readFileSync(path, 'utf8')).toContain(h.run.server.url);
    const res = await fetch(`${h.run.server.url}/api/v1/namespaces/ns-1/pods`);
    const list = (await res.json()) as KubeList<KubeObject>;
    expect(list.items).toHaveLength(10);
    // The written kubeconfig works with client-node.
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'ns-2' });
    expect(pods.items).toHaveLength(10);
  });

  it('answers control commands: stats, seed, modifyAll, churn/stopChurn, compact, watch faults, errors', async () => {
    const h = await start(['--pods', '5', '--namespaces', '1']);
    expect(await h.send({ op: 'stats' })).toMatchObject({
      ok: true,
      result: { pods: 5, resourceVersion: '6', openWatches: 0, churning: false },
    });
    expect(await h.send({ op: 'seed', count: 5 })).toMatchObject({
      ok: true,
      result: { created: 5 },
    });
    expect(await h.send({ op: 'modifyAll', annotation: 'x/y' })).toMatchObject({
      ok: true,
      result: { events: 10, resourceVersion: '21' },
    });
    expect(h.run.server.get('pods', 'ns-0', 'pod-7')?.metadata?.annotations?.['x/y']).toBeDefined();
    expect(await h.send({ op: 'churn', rate: 400 })).toMatchObject({ ok: true });
    expect(await h.send({ op: 'churn', rate: 400 })).toMatchObject({ ok: false });
    await new Promise((r) => setTimeout(r, 150));
    const stopped = await h.send({ op: 'stopChurn' });
    const ops = stopped.result as { creates: number; updates: number; deletes: number };
    expect(ops.creates + ops.updates + ops.deletes).toBeGreaterThan(0);
    expect(await h.send({ op: 'compact' })).toMatchObject({ ok: true });
    const old = await fetch(`${h.run.server.url}/api/v1/pods?watch=1&resourceVersion=2`);
    expect(await old.text()).toContain('"code":410');
    expect(await h.send({ op: 'expireWatches' })).toMatchObject({
      ok: true,
      result: { watches: 0 },
    });
    expect(await h.send({ op: 'bogus' })).toMatchObject({ ok: false, error: 'unknown op "bogus"' });
    expect(await h.send({ op: 'churn', rate: -1 })).toMatchObject({ ok: false });
    h.stdin.write('not json\n');
    expect(await h.send({ op: 'stats' })).toMatchObject({ ok: true });
    expect(
      h.lines.some((l) => l.ok === false && String(l.error).startsWith('bad command line')),
    ).toBe(true);
  });

  it('shuts down and removes its kubeconfig on {"op":"close"} and on end of stdin', async () => {
    const h = await start([]);
    const path = h.lines[0]!.kubeconfigPath as string;
    expect(await h.send({ op: 'close' })).toMatchObject({ ok: true });
    await h.run.done;
    expect(existsSync(path)).toBe(false);
    await expect(fetch(`${h.run.server.url}/api`)).rejects.toThrow();
    const h2 = await start(['--tls', '--token', 'abc']);
    expect(h2.run.server.url).toMatch(/^https:/);
    h2.stdin.end();
    await h2.run.done;
    expect(existsSync(h2.lines[0]!.kubeconfigPath as string)).toBe(false);
  });
});
