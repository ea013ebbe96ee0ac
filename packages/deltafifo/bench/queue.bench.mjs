// Micro-benchmark (not a test): pop cost at a 100k backlog and Replace of 20k keys, for DeltaFIFO
// and RealFIFO, against the built package. Run: `npx tsup && node bench/queue.bench.mjs`.
import { performance } from 'node:perf_hooks';
import { createStore } from '@kubecache/store';
import { DeltaFIFO, RealFIFO } from '../dist/index.js';

const obj = (i, rv = '1') => ({
  metadata: { namespace: 'ns', name: `p${i}`, resourceVersion: rv },
});
const nop = () => {};

async function popAtBacklog(make, n) {
  const q = make();
  for (let i = 0; i < n; i++) q.add(obj(i));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await q.pop(nop);
  return ((performance.now() - t0) * 1e6) / n; // ns per pop
}

function replaceKeys(make, n) {
  const known = createStore();
  for (let i = 0; i < n; i++) known.add(obj(i));
  const q = make(known);
  const list = Array.from({ length: n }, (_, i) => obj(i + n / 2, '2')); // half new, half known
  const t0 = performance.now();
  q.replace(list, '2');
  return performance.now() - t0;
}

const rows = [];
for (const [name, make] of [
  ['DeltaFIFO', (known) => new DeltaFIFO({ knownObjects: known ?? createStore() })],
  ['RealFIFO', (known) => new RealFIFO({ knownObjects: known ?? createStore() })],
]) {
  await popAtBacklog(make, 20_000); // warm-up
  rows.push({
    queue: name,
    'pop ns (100k backlog)': (await popAtBacklog(make, 100_000)).toFixed(0),
    'replace 20k keys ms': replaceKeys(make, 20_000).toFixed(1),
  });
}
console.table(rows);
