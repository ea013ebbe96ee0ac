// The contender side of the benchmark protocol. Every contender is a fresh process forked by
// tools/bench/run.mjs with an IPC channel and `--expose-gc`; it wraps one client library in an
// adapter and this module drives the phases (initial sync, watch throughput, relist, latency)
// and reports measurements back to the harness.
//
// Adapter contract: `start({ kubeconfigPath, handlers })` starts the client's informer and resolves
// once it is running; `handlers.onAdd/onUpdate/onDelete(obj)` must be called for every
// notification; `isSynced()` tells whether the initial list is complete; `stop()` releases
// everything; optional `path()` describes how the latest (re)list got its state (e.g.
// `watchlist`, `list rv=0 unpaged`), reported with the sync and relist measurements. An adapter
// that cannot sync sends `{ type: 'error', message }`: the harness records it as that run's
// failure.
import { performance } from 'node:perf_hooks';

/** Wall clock in milliseconds with sub-millisecond precision, comparable across processes. */
export const wallMs = () => performance.timeOrigin + performance.now();

const gc = globalThis.gc;
const heapAfterGc = () => {
  if (!gc) throw new Error('contenders must run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const send = (msg) => process.send(msg);

/** Runs the benchmark protocol for `adapter` until the harness says `exit`. */
export async function runContender(adapter) {
  const expected = Number(process.env.BENCH_N);
  const kubeconfigPath = process.env.BENCH_KUBECONFIG;
  let adds = 0;
  let phase = null; // the active measurement phase, if any

  const handlers = {
    onAdd() {
      adds++;
      phase?.onEvent?.('add');
    },
    onUpdate(_old, obj) {
      phase?.onEvent?.('update', obj);
    },
    onDelete() {
      phase?.onEvent?.('delete');
    },
  };

  const baselineHeap = heapAfterGc();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await adapter.start({ kubeconfigPath, handlers });
  await new Promise((resolve) => {
    const check = () => {
      if (adds >= expected && adapter.isSynced()) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 1);
    phase = { onEvent: check };
  });
  phase = null;
  const syncMs = performance.now() - t0;
  const syncCpuMs = cpuMs(cpu0);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const heapAfter = heapAfterGc();
  send({
    type: 'synced',
    syncMs,
    syncCpuMs,
    peakRssBytes,
    heapAfterGcBytes: heapAfter,
    retainedHeapBytes: heapAfter - baselineHeap,
    steadyRssBytes: process.memoryUsage().rss,
    adds,
    path: adapter.path?.() ?? 'n/a',
  });

  process.on('message', async (msg) => {
    switch (msg.cmd) {
      case 'updates': {
        // B2: count `msg.count` update notifications; time from the first to the last.
        let seen = 0;
        let first = 0;
        let cpu = null;
        phase = {
          onEvent(kind) {
            if (kind !== 'update') return;
            if (seen === 0) {
              first = performance.now();
              cpu = process.cpuUsage();
            }
            if (++seen === msg.count) {
              const ms = performance.now() - first;
              phase = null;
              send({ type: 'updates-done', ms, cpuMs: cpuMs(cpu), count: seen });
            }
          },
        };
        send({ type: 'ready' });
        break;
      }
      case 'relist': {
        // B4: after the harness provoked a 410, wait for the changed/deleted notifications and a
        // synced informer; sample RSS during the relist.
        const steadyRss = process.memoryUsage().rss;
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const counts = { add: 0, update: 0, delete: 0 };
        let peakRss = steadyRss;
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }, 5);
        const quietMs = msg.quietMs ?? 1500;
        let last = performance.now();
        phase = {
          onEvent(kind) {
            counts[kind]++;
            last = performance.now();
          },
        };
        send({ type: 'ready' });
        // Done when the expected notifications arrived and nothing more came for `quietMs`
        // (extra notifications are what B4 wants to catch).
        await new Promise((resolve) => {
          const timer = setInterval(() => {
            const enough = counts.update >= msg.changed && counts.delete >= msg.deleted;
            const timedOut = performance.now() - start > msg.timeoutMs;
            if ((enough && performance.now() - last > quietMs && adapter.isSynced()) || timedOut) {
              clearInterval(timer);
              resolve();
            }
          }, 10);
        });
        clearInterval(sampler);
        phase = null;
        send({
          type: 'relist-done',
          ms: last - start,
          // CPU time of the contender process (all threads) from the 410 to settled, quiet wait included.
          cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpuStart)),
          counts,
          steadyRssBytes: steadyRss,
          peakRssBytes: peakRss,
          path: adapter.path?.() ?? 'n/a',
        });
        break;
      }
      case 'latency': {
        // B5: latency from the server's send stamp (annotation) to the update handler.
        const samples = [];
        phase = {
          samples,
          onEvent(kind, obj) {
            if (kind !== 'update') return;
            const stamp = Number(obj?.metadata?.annotations?.['bench.kubecache.dev/t-send']);
            if (Number.isFinite(stamp) && stamp > 0) samples.push(wallMs() - stamp);
          },
        };
        send({ type: 'ready' });
        break;
      }
      case 'latency-report': {
        const samples = phase?.samples ?? [];
        phase = null;
        send({ type: 'latency-done', samples });
        break;
      }
      case 'exit': {
        await adapter.stop();
        process.exit(0);
      }
    }
  });
}
