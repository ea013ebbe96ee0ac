// Shared machinery of the reliability suite: informers under observation, the workload and fault
// steps, and the invariants of research/mission-anchors.md §3.5.
import fc from 'fast-check';
import type { KubeObject } from '@kubecache/core';
import { createSharedIndexInformer, type SharedIndexInformer } from '@kubecache/informer';
import { createListWatch } from '@kubecache/listwatch';
import { isDeletedFinalStateUnknown } from '@kubecache/store';
import { makeConfigMap, startApiServer, type ApiServer } from '@kubecache/testing';

/** Watches are declared dead after this much silence (client idle timeout), in ms. */
export const IDLE_TIMEOUT_MS = 400;
/** Largest backoff the informers use, in ms. */
export const MAX_BACKOFF_MS = 80;
/** Bookmark interval of the server, in ms (keeps idle watches alive while healthy). */
export const BOOKMARK_MS = 100;

/** One step of a sequence: a workload operation or a fault. */
export type Step =
  | { kind: 'create'; name: number }
  | { kind: 'update'; name: number }
  | { kind: 'delete'; name: number }
  | { kind: 'recreate'; name: number }
  | { kind: 'fault'; fault: Fault }
  | { kind: 'pause'; ms: number };

/** The faults F1–F15 (as far as a server-side injection can express them) plus client-side ones. */
export type Fault =
  | 'reset' // F1 connection reset mid-stream
  | 'stall' // F2 half-open stall
  | 'headers-stall' // F3 headers then stall
  | 'error-410' // F4 ERROR 410 event
  | 'http-410' // F4 HTTP 410 on the next watch
  | 'list-410' // F5 expired list / continue
  | 'too-large' // F6 504 ResourceVersionTooLarge on the next list
  | 'throttle' // F7 429 with Retry-After
  | 'server-error' // F8 500/503
  | 'malformed' // F9 malformed line
  | 'truncated' // F9 truncated line then reset
  | 'wrong-kind' // F10 object of another kind
  | 'short-watches' // F11 very short watches
  | 'down' // F12 server down for a while
  | 'hidden' // F13 events hidden from watchers (repaired by a 410)
  | 'stale-list' // F14 stale list
  | 'no-initial-end' // F15 WatchList without initial-events-end
  | 'abort-informer'; // aborts during list/watch/backoff of a throw-away informer

const faults: Fault[] = [
  'reset',
  'stall',
  'headers-stall',
  'error-410',
  'http-410',
  'list-410',
  'too-large',
  'throttle',
  'server-error',
  'malformed',
  'truncated',
  'wrong-kind',
  'short-watches',
  'down',
  'hidden',
  'stale-list',
  'no-initial-end',
  'abort-informer',
];

/** Faults that may legitimately cause a relist (for invariant 6). */
export const relistCauses = new Set<Fault>([
  'error-410',
  'http-410',
  'list-410',
  'too-large',
  'short-watches',
  'hidden',
  'server-error',
  'no-initial-end',
  'down',
  'stale-list',
  'reset',
  'stall',
  'headers-stall',
  'malformed',
  'truncated',
]);

/** A step generator: mostly workload over 12 names (so deletes and re-creates collide), many faults. */
export function stepArb(): fc.Arbitrary<Step> {
  const name = fc.integer({ min: 0, max: 11 });
  return fc.oneof(
    { weight: 4, arbitrary: name.map((n) => ({ kind: 'create' as const, name: n })) },
    { weight: 4, arbitrary: name.map((n) => ({ kind: 'update' as const, name: n })) },
    { weight: 2, arbitrary: name.map((n) => ({ kind: 'delete' as const, name: n })) },
    { weight: 1, arbitrary: name.map((n) => ({ kind: 'recreate' as const, name: n })) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(...faults).map((f) => ({ kind: 'fault' as const, fault: f })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 30 }).map((ms) => ({ kind: 'pause' as const, ms })),
    },
  );
}

/** What one handler saw, per key. */
interface HandlerView {
  present: Map<string, string>; // key → last RV seen
  lastRv: Map<string, number>;
  violations: string[];
  deletes: number;
}

/** An informer under observation with its handlers. */
export interface Observed {
  name: string;
  informer: SharedIndexInformer;
  views: HandlerView[];
  syncedHistory: boolean[];
  run: Promise<void>;
  abort: AbortController;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function observe(
  informer: SharedIndexInformer,
  name: string,
  handlerKinds: ('plain' | 'async' | 'throwing')[],
): Omit<Observed, 'run' | 'abort'> {
  const views: HandlerView[] = [];
  for (const kind of handlerKinds) {
    const v: HandlerView = { present: new Map(), lastRv: new Map(), violations: [], deletes: 0 };
    views.push(v);
    let calls = 0;
    const seeRv = (key: string, rv: string | undefined): void => {
      const n = Number(rv);
      const prev = v.lastRv.get(key);
      if (prev !== undefined && n < prev)
        v.violations.push(`${name}/${kind}: RV of ${key} went back from ${prev} to ${n}`);
      v.lastRv.set(key, n);
    };
    const maybe = async (): Promise<void> => {
      calls++;
      if (kind === 'async' && calls % 7 === 0) await new Promise((r) => setTimeout(r, 2));
      if (kind === 'throwing' && calls % 5 === 0) throw new Error('handler failure (injected)');
    };
    informer.addEventHandler({
      onAdd: async (o) => {
        const k = keyOf(o);
        if (v.present.has(k)) v.violations.push(`${name}/${kind}: add for present key ${k}`);
        v.present.set(k, o.metadata?.resourceVersion ?? '');
        seeRv(k, o.metadata?.resourceVersion);
        await maybe();
      },
      onUpdate: async (_old, o) => {
        const k = keyOf(o);
        if (!v.present.has(k)) v.violations.push(`${name}/${kind}: update for absent key ${k}`);
        v.present.set(k, o.metadata?.resourceVersion ?? '');
        seeRv(k, o.metadata?.resourceVersion);
        await maybe();
      },
      onDelete: async (o) => {
        const k = isDeletedFinalStateUnknown(o) ? o.key : keyOf(o);
        if (!v.present.has(k)) v.violations.push(`${name}/${kind}: delete for absent key ${k}`);
        v.present.delete(k);
        v.deletes++;
        await maybe();
      },
    });
  }
  return { name, informer, views, syncedHistory: [] };
}

/** A running scenario: server, informers, bookkeeping. */
export interface World {
  server: ApiServer;
  informers: Observed[];
  faultsInjected: Fault[];
  reflectorErrors: Error[];
  stop(): Promise<void>;
}

/**
 * Starts a server and four informers: the defaults (RealFIFO + AtomicFIFO + WatchList), each gate
 * turned off in turn (LIST instead of WatchList; non-atomic RealFIFO), and DeltaFIFO.
 */
export async function startWorld(): Promise<World> {
  const server = await startApiServer({ bookmarkIntervalMs: BOOKMARK_MS, historySize: 200 });
  const reflectorErrors: Error[] = [];
  const make = (
    name: string,
    queue: 'realfifo' | 'deltafifo',
    useWatchList: boolean,
    atomicFIFO = true,
  ): Observed => {
    const lw = createListWatch(server.kubeConfig, {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      kind: 'ConfigMap',
      idleTimeoutMs: IDLE_TIMEOUT_MS,
    });
    const informer = createSharedIndexInformer(lw, {
      queue,
      atomicFIFO,
      reflector: {
        backoff: { initialMs: 5, capMs: MAX_BACKOFF_MS / 2, jitter: 1 },
        useWatchList,
        watchListTimeoutMs: 300,
      },
    });
    informer.setWatchErrorHandler((_r, err) => reflectorErrors.push(err));
    const o = observe(informer, name, ['plain', 'async', 'throwing']);
    const abort = new AbortController();
    const run = informer.run(abort.signal);
    const sample = setInterval(() => o.syncedHistory.push(informer.hasSynced()), 5);
    void run.then(() => clearInterval(sample));
    return { ...o, run, abort };
  };
  const informers = [
    make('realfifo', 'realfifo', false),
    make('deltafifo', 'deltafifo', false),
    make('watchlist', 'realfifo', true),
    make('realfifo-nonatomic', 'realfifo', false, false),
  ];
  return {
    server,
    informers,
    faultsInjected: [],
    reflectorErrors,
    async stop() {
      for (const i of informers) i.abort.abort();
      await Promise.all(informers.map((i) => i.run));
      await server.faults.up();
      await server.close();
    },
  };
}

const nsName = (n: number): [string, string] => ['ns', `cm-${n}`];
let counter = 0;

/** Applies one step. Workload operations that do not apply (e.g. delete of an absent name) are no-ops. */
export async function applyStep(w: World, step: Step): Promise<void> {
  const s = w.server;
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // 404/409 from the programmatic API: the step does not apply now.
    }
  };
  switch (step.kind) {
    case 'create': {
      const [ns, name] = nsName(step.name);
      if (!s.get('configmaps', ns, name))
        safe(() =>
          s.create(
            'configmaps',
            makeConfigMap({ namespace: ns, name, data: { v: String(++counter) } }),
          ),
        );
      break;
    }
    case 'update': {
      const [ns, name] = nsName(step.name);
      if (s.get('configmaps', ns, name))
        safe(() => s.patch('configmaps', ns, name, { data: { v: String(++counter) } }));
      break;
    }
    case 'delete': {
      const [ns, name] = nsName(step.name);
      if (s.get('configmaps', ns, name)) safe(() => s.delete('configmaps', ns, name));
      break;
    }
    case 'recreate': {
      const [ns, name] = nsName(step.name);
      if (s.get('configmaps', ns, name)) safe(() => s.delete('configmaps', ns, name));
      safe(() =>
        s.create(
          'configmaps',
          makeConfigMap({ namespace: ns, name, data: { v: String(++counter) } }),
        ),
      );
      break;
    }
    case 'pause':
      await new Promise((r) => setTimeout(r, step.ms));
      break;
    case 'fault':
      w.faultsInjected.push(step.fault);
      await injectFault(w, step.fault);
      break;
  }
  // Let the informers run between steps.
  await new Promise((r) => setImmediate(r));
}

async function injectFault(w: World, f: Fault): Promise<void> {
  const s = w.server;
  const F = s.faults;
  switch (f) {
    case 'reset':
      F.resetWatches();
      break;
    case 'stall':
      F.stallWatches();
      break;
    case 'headers-stall':
      F.stallNextWatches(1);
      break;
    case 'error-410':
      F.expireWatches();
      break;
    case 'http-410':
      F.nextResponses(1, { status: 410, verb: 'watch' });
      F.resetWatches();
      break;
    case 'list-410':
      F.nextResponses(1, { status: 410, verb: 'list' });
      break;
    case 'too-large':
      F.nextResponses(1, {
        status: 504,
        verb: 'list',
        body: JSON.stringify({
          kind: 'Status',
          code: 504,
          reason: 'Timeout',
          message: 'Too large resource version',
          details: { causes: [{ reason: 'ResourceVersionTooLarge' }], retryAfterSeconds: 0 },
        }),
      });
      break;
    case 'throttle':
      F.nextResponses(2, { status: 429, retryAfterSeconds: 0 });
      break;
    case 'server-error':
      F.nextResponses(1, { status: 500 });
      F.nextResponses(1, { status: 503 });
      break;
    case 'malformed':
      F.writeRawToWatches('{"type":"MODIFIED","object":{"metadata":{"name":\n');
      break;
    case 'truncated':
      F.writeRawToWatches('{"type":"ADDED","object":{"kind":"Conf');
      F.resetWatches();
      break;
    case 'wrong-kind':
      F.writeRawToWatches(
        `${JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'intruder', namespace: 'ns', resourceVersion: s.resourceVersion() } } })}\n`,
      );
      break;
    case 'short-watches':
      F.shortWatches(2);
      break;
    case 'down':
      await F.down();
      await new Promise((r) => setTimeout(r, 30));
      await F.up();
      break;
    case 'hidden': {
      F.hideEventsFromWatchers(true);
      const n = counter++ % 12;
      const [ns, name] = nsName(n);
      if (s.get('configmaps', ns, name))
        s.patch('configmaps', ns, name, { data: { hidden: String(counter) } });
      else s.create('configmaps', makeConfigMap({ namespace: ns, name }));
      F.hideEventsFromWatchers(false);
      // The events were lost: the server must tell watchers they are too far behind.
      s.compact();
      F.expireWatches();
      break;
    }
    case 'stale-list': {
      const rv = Math.max(1, Number(s.resourceVersion()) - 3);
      F.staleLists(1, rv);
      F.expireWatches();
      break;
    }
    case 'no-initial-end':
      F.omitInitialEventsEnd(true);
      F.expireWatches();
      setTimeout(() => F.omitInitialEventsEnd(false), 50);
      break;
    case 'abort-informer': {
      const lw = createListWatch(s.kubeConfig, {
        group: '',
        version: 'v1',
        resource: 'configmaps',
        idleTimeoutMs: IDLE_TIMEOUT_MS,
      });
      const inf = createSharedIndexInformer(lw, {
        reflector: { backoff: { initialMs: 5, capMs: 20 } },
      });
      const ac = new AbortController();
      const run = inf.run(ac.signal);
      await new Promise((r) => setTimeout(r, counter % 3 === 0 ? 0 : counter % 3 === 1 ? 5 : 25));
      ac.abort();
      const t0 = Date.now();
      await run;
      if (Date.now() - t0 > 1000)
        throw new Error('an aborted informer took more than 1 s to settle');
      break;
    }
  }
}

/** The server's truth: key → { rv, uid }. */
export function serverState(s: ApiServer): Map<string, { rv: string; uid: string }> {
  return new Map(
    s
      .list('configmaps')
      .items.map((o) => [
        keyOf(o),
        { rv: o.metadata?.resourceVersion ?? '', uid: o.metadata?.uid ?? '' },
      ]),
  );
}

/** Invariants 1–3 for every informer; returns the violations (empty when all hold). */
export function checkConverged(w: World): string[] {
  const truth = serverState(w.server);
  const out: string[] = [];
  for (const i of w.informers) {
    const store = i.informer.getStore();
    const keys = store.listKeys().sort();
    const want = [...truth.keys()].sort();
    if (JSON.stringify(keys) !== JSON.stringify(want))
      out.push(`${i.name}: cache keys ${keys.join(',')} != server ${want.join(',')}`);
    for (const [k, t] of truth) {
      const o = store.getByKey(k);
      if (o && (o.metadata?.resourceVersion !== t.rv || o.metadata?.uid !== t.uid))
        out.push(
          `${i.name}: ${k} at RV ${o.metadata?.resourceVersion} uid ${o.metadata?.uid}, server ${t.rv} ${t.uid}`,
        );
    }
    for (const [h, v] of i.views.entries()) {
      const seen = [...v.present.keys()].sort();
      if (JSON.stringify(seen) !== JSON.stringify(want))
        out.push(
          `${i.name}/handler${h}: last notifications say ${seen.join(',')}, server has ${want.join(',')}`,
        );
      for (const [k, t] of truth)
        if (v.present.get(k) !== t.rv)
          out.push(
            `${i.name}/handler${h}: last notification for ${k} at RV ${v.present.get(k)}, server ${t.rv}`,
          );
    }
  }
  return out;
}

/** Invariants 3 and 5 (recorded during the run). */
export function checkHistory(w: World): string[] {
  const out: string[] = [];
  for (const i of w.informers) {
    for (const v of i.views) out.push(...v.violations);
    const first = i.syncedHistory.indexOf(true);
    if (first >= 0 && i.syncedHistory.slice(first).includes(false))
      out.push(`${i.name}: hasSynced went from true back to false`);
  }
  return out;
}

/** Waits until `check` returns no violations or `timeoutMs` passes; returns the last violations. */
export async function settle(check: () => string[], timeoutMs: number): Promise<string[]> {
  const t0 = Date.now();
  let v = check();
  while (v.length > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 10));
    v = check();
  }
  return v;
}
