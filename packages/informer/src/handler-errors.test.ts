// Issue 21, inputs 2 and 8, through a real informer: a handler that throws or rejects anything
// (a revoked Proxy, a symbol, a TypeError) is reported with the object's key, and the informer
// keeps delivering; the log names every failing key, with the stack of a code failure once.
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultLogger } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { createSharedIndexInformer } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(): Promise<ApiServer> {
  const s = await startApiServer();
  cleanups.push(() => s.close());
  return s;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function informerOn(s: ApiServer, lines: string[]) {
  const informer = createSharedIndexInformer(
    createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
    { logger: createDefaultLogger({ write: (l) => lines.push(l) }) },
  );
  const ac = new AbortController();
  cleanups.push(() => ac.abort());
  return { informer, run: () => void informer.run(ac.signal) };
}

describe('SharedIndexInformer handlers that throw or reject anything', () => {
  it('reports each with the key, isolates it, and keeps delivering', async () => {
    const s = await api();
    for (const name of ['p0', 'p1', 'p2', 'p3'])
      s.create('pods', makePod({ namespace: 'ns', name }));
    const lines: string[] = [];
    const { informer, run } = informerOn(s, lines);
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (pod) => {
        const name = pod.metadata!.name!;
        seen.push(name);
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the test is about
        if (name === 'p0') throw revokedProxy();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- idem
        if (name === 'p1') return Promise.reject(Symbol('nope'));
        if (name === 'p2') return revokedProxy() as never; // returned, not thrown
        if (name === 'p3') void (pod as unknown as { spec: { nope: { x: 1 } } }).spec.nope.x;
        return undefined;
      },
    });
    run();
    await until(() => seen.length === 4 && lines.length === 4);
    s.create('pods', makePod({ namespace: 'ns', name: 'p4' }));
    await until(() => seen.includes('p4'));
    // (a TypeError raised by reading the returned Proxy's `then` has a stack: printed under its line)
    expect(lines.slice(0, 3).map((l) => `${l.split('\n')[0]!}\n`)).toEqual([
      'kubecache error informer pods.v1: event handler failed: [object that cannot be inspected] handler=0 key=ns/p0\n',
      'kubecache error informer pods.v1: event handler failed: Symbol(nope) handler=0 key=ns/p1\n',
      "kubecache error informer pods.v1: event handler failed: Cannot perform 'get' on a proxy that has been revoked handler=0 key=ns/p2\n",
    ]);
    const [first, ...stack] = lines[3]!.trimEnd().split('\n');
    expect(first).toBe(
      "kubecache error informer pods.v1: event handler failed: Cannot read properties of undefined (reading 'x') handler=0 key=ns/p3",
    );
    expect(stack[0]).toBe("  TypeError: Cannot read properties of undefined (reading 'x')");
    expect(stack[1]).toMatch(/^ {4}at (Object\.)?onAdd \(.*handler-errors\.test\.ts:\d+:\d+\)$/);
  });

  it('20 failing calls: one line with the stack, then on flush one line naming 5 keys and counting the rest', async () => {
    const s = await api();
    for (let i = 0; i < 20; i++) {
      s.create('pods', makePod({ namespace: 'ns', name: `p${String(i).padStart(2, '0')}` }));
    }
    const lines: string[] = [];
    const logger = createDefaultLogger({ write: (l) => lines.push(l) });
    const informer = createSharedIndexInformer(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
      { logger },
    );
    const ac = new AbortController();
    cleanups.push(() => ac.abort());
    let calls = 0;
    informer.addEventHandler({
      onAdd: () => {
        calls++;
        throw new Error('quota exceeded');
      },
    });
    void informer.run(ac.signal);
    await until(() => calls === 20);
    logger.flush();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^kubecache error informer pods\.v1: event handler failed: quota exceeded handler=0 key=ns\/p00\n {2}Error: quota exceeded\n {4}at (Object\.)?onAdd \(.*handler-errors\.test\.ts:\d+:\d+\)\n/,
    );
    expect(lines[1]).toBe(
      'kubecache error informer pods.v1: event handler failed: quota exceeded handler=0 (repeated 19 times for 19 keys: ns/p01, ns/p02, ns/p03, ns/p04, ns/p05 and 14 more)\n',
    );
  });

  it('prints the held-back count when the informer stops', async () => {
    const s = await api();
    for (const name of ['a', 'b', 'c']) s.create('pods', makePod({ namespace: 'ns', name }));
    const lines: string[] = [];
    const informer = createSharedIndexInformer(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
      { logger: createDefaultLogger({ write: (l) => lines.push(l), stacks: 'never' }) },
    );
    let calls = 0;
    informer.addEventHandler({
      onAdd: () => {
        calls++;
        throw new Error('boom');
      },
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await until(() => calls === 3);
    expect(lines).toHaveLength(1);
    ac.abort();
    await done;
    expect(lines).toEqual([
      'kubecache error informer pods.v1: event handler failed: boom handler=0 key=ns/a\n',
      'kubecache error informer pods.v1: event handler failed: boom handler=0 (repeated 2 times for 2 keys: ns/b, ns/c)\n',
    ]);
  });
});

describe("SharedIndexInformer with a user's (pino-shaped) logger", () => {
  it('applies the logging policy itself: 20 handler failures on 20 keys are one call with the Error, then one summary naming 5 keys when run ends', async () => {
    const s = await api();
    const calls: { fields: Record<string, unknown>; msg: string | undefined }[] = [];
    const at =
      (level: string) =>
      (obj: object | string, msg?: string): void => {
        if (level === 'error' && typeof obj !== 'string') {
          calls.push({ fields: obj as Record<string, unknown>, msg });
        }
      };
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const informer = createSharedIndexInformer(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
      { logger },
    );
    let failed = 0;
    void informer.addEventHandler({
      onAdd: () => {
        failed++;
        throw new TypeError('handler bug');
      },
    });
    for (let i = 0; i < 20; i++)
      s.create('pods', makePod({ namespace: 'default', name: `p${String(i)}` }));
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await until(() => failed === 20);
    ac.abort();
    await done;
    const failures = calls.filter((c) => c.msg === 'event handler failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]!.fields.err).toBeInstanceOf(TypeError);
    expect(failures[1]!.fields).toMatchObject({ repeated: 19, keyCount: 19 });
    expect(failures[1]!.fields.keys).toHaveLength(5);
  });
});
