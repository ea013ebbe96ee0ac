#!/usr/bin/env node
// B7 — priority queue vs FIFO (issue 23 item 6): the time from a new change to its reconcile
// while N startup items are queued. In this process, no API server: a controller's queue and its
// workers with a simulated reconcile cost.
//
// Each round, for each queue, same run: N startup keys are queued (the priority queue at
// lowPriority, -100, as controller-runtime queues the initial list; the FIFO rate-limited queue
// as client-go does); W workers take keys, "reconcile" them (cost below) and call done. Each time
// another `every` startup items have been reconciled (from the first `every` on), one fresh key
// is added at the default priority (0) — a user's change — until `fresh` were added; its latency
// is add → end of its reconcile. Rounds alternate which queue goes first. Reported: median and max
// of the fresh latencies per round, then the median over rounds; and the time to reconcile all.
//
// Cost models: `async` — the reconcile awaits a 1 ms timer (an API call; workers overlap);
// `busy` — the reconcile spins 0.2 ms of CPU (workers cannot overlap).
//
//   npm run bench -- --only B7             through the harness (5 rounds; --runs, --quick)
//   node tools/bench/priority.mjs [--quick] [--runs 5]   standalone, prints the table
// The workqueue is imported from its build (packages/workqueue/dist): run `npm run build` first.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPriorityQueue, createRateLimitingQueue, lowPriority } from '@kubecache/workqueue';

/** The cost models: what one reconcile does. */
export const costModels = {
  async: {
    label: 'async 1 ms (awaits a timer), 4 workers',
    workers: 4,
    reconcile: () => new Promise((resolve) => setTimeout(resolve, 1)),
  },
  busy: {
    label: 'busy 0.2 ms (CPU), 4 workers',
    workers: 4,
    reconcile: () => {
      const until = performance.now() + 0.2;
      while (performance.now() < until);
      return Promise.resolve();
    },
  },
};

/** The queues compared: how startup and fresh keys are added. */
const kinds = {
  priority: {
    create: () => createPriorityQueue({ name: 'bench-priority' }),
    addStartup: (q, key) => q.addWithOptions(key, { priority: lowPriority }),
  },
  fifo: {
    create: () => createRateLimitingQueue(undefined, { name: 'bench-fifo' }),
    addStartup: (q, key) => q.add(key),
  },
};

/** One round for one queue: returns the fresh keys' latencies (ms) and the total time (ms). */
async function round(kind, model, { n, fresh, every }) {
  const { create, addStartup } = kinds[kind];
  const { workers, reconcile } = costModels[model];
  const q = create();
  for (let i = 0; i < n; i++) addStartup(q, `startup-${i}`);
  const addedAt = new Map();
  const latencies = [];
  let reconciled = 0;
  let freshAdded = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    for (;;) {
      const r = await q.get();
      if (r.shutdown) return;
      await reconcile();
      const end = performance.now();
      const t = addedAt.get(r.item);
      if (t === undefined) {
        reconciled++;
        // A user's change arrives every `every` startup reconciles.
        if (freshAdded < fresh && reconciled === every * (freshAdded + 1)) {
          const key = `fresh-${freshAdded++}`;
          addedAt.set(key, performance.now());
          q.add(key);
        }
      } else latencies.push(end - t);
      q.done(r.item);
      if (reconciled === n && latencies.length === fresh) q.shutDown();
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { latencies, totalMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs B7. Returns `{ config, models: { [model]: { [kind]: { p50, max, totalMs, rounds } } } }`:
 * p50, max, totalMs, cpuMs (this process's CPU time in the round) as `{ median, min, max }` over rounds, in ms (`rounds` keeps each round).
 */
export async function runPriorityBench({
  quick = false,
  runs = quick ? 1 : 5,
  log = () => {},
} = {}) {
  const config = quick ? { n: 1_000, fresh: 10, every: 10 } : { n: 10_000, fresh: 10, every: 100 };
  // Warm-up, not measured: both queues' code compiled before the first round.
  for (const kind of Object.keys(kinds)) {
    const q = kinds[kind].create();
    for (let i = 0; i < 2_000; i++) kinds[kind].addStartup(q, `warm-${i}`);
    for (let i = 0; i < 2_000; i++) q.done((await q.get()).item);
    q.add('warm-fresh');
    q.done((await q.get()).item);
    q.shutDown();
  }
  const models = {};
  for (const model of Object.keys(costModels)) {
    models[model] = { priority: { rounds: [] }, fifo: { rounds: [] } };
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? ['priority', 'fifo'] : ['fifo', 'priority'];
      for (const kind of order) {
        const { latencies, totalMs, cpuMs } = await round(kind, model, config);
        const one = { p50: median(latencies), max: Math.max(...latencies), totalMs, cpuMs };
        models[model][kind].rounds.push(one);
        log(
          `B7 ${model} ${kind} round ${r + 1}: fresh change → reconciled p50 ${one.p50.toFixed(1)} ms, max ${one.max.toFixed(1)} ms; all ${n(config)} in ${totalMs.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms`,
        );
      }
    }
    for (const kind of ['priority', 'fifo']) {
      const rs = models[model][kind].rounds;
      const spread = (key) => {
        const xs = rs.map((x) => x[key]);
        return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
      };
      Object.assign(models[model][kind], {
        p50: spread('p50'),
        max: spread('max'),
        totalMs: spread('totalMs'),
        cpuMs: spread('cpuMs'),
      });
    }
  }
  return { config: { ...config, runs }, models };
}

const n = (config) => config.n.toLocaleString('en');
const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** `median (min–max)` over rounds, or just the value for one round. */
const fs = (s) => (s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`);

/** The markdown table of a {@link runPriorityBench} result. */
export function priorityTable(result) {
  const rows = [
    '| reconcile cost | queue | fresh change → reconciled, p50 ms | max ms | all reconciled (startup + fresh), ms | process CPU, ms |',
    '|---|---|---|---|---|---|',
  ];
  for (const [model, byKind] of Object.entries(result.models)) {
    for (const kind of ['priority', 'fifo']) {
      const x = byKind[kind];
      const name =
        kind === 'priority'
          ? 'createPriorityQueue (startup at -100)'
          : 'createRateLimitingQueue (FIFO)';
      rows.push(
        `| ${costModels[model].label} | ${name} | ${fs(x.p50)} | ${fs(x.max)} | ${fs(x.totalMs)} | ${fs(x.cpuMs)} |`,
      );
    }
  }
  return rows.join('\n');
}

/** The intro sentence of the report section. */
export function priorityIntro(result) {
  const { n: items, fresh, every, runs } = result.config;
  return `${items.toLocaleString('en')} startup items queued, then one fresh change (priority 0) after every ${every} startup reconciles, ${fresh} in all; latency = add → end of its reconcile. Each round's p50 / max, then median (min–max) over ${runs} round(s); both queues in the same run, alternating which goes first. In-process, no API server.`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const i = args.indexOf('--runs');
  const runs = i >= 0 ? Number(args[i + 1]) : quick ? 1 : 5;
  const result = await runPriorityBench({
    quick,
    runs,
    log: (m) => process.stderr.write(`[bench] ${m}\n`),
  });
  console.log(
    `## B7 — priority queue vs FIFO\n\n${priorityIntro(result)}\n\n${priorityTable(result)}`,
  );
}
