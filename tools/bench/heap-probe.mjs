// Preloaded into a process under measurement (`node --expose-gc --import ./heap-probe.mjs …`):
// on SIGUSR2 it runs full GCs and writes process.memoryUsage() and VmHWM/VmRSS as one JSON line
// to $HEAP_PROBE_OUT (appended); with $HEAP_PROBE_SNAPSHOT set, also a heap snapshot there
// (`<prefix>-<n>.heapsnapshot`). Used by sample-heap.mjs.
import { appendFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';

let n = 0;
process.on('SIGUSR2', () => {
  for (let i = 0; i < 4; i++) globalThis.gc?.();
  const m = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const line = { ...m, hwm: kib('VmHWM') * 1024, rssNow: kib('VmRSS') * 1024 };
  if (process.env.HEAP_PROBE_SNAPSHOT) {
    n++;
    line.snapshot = v8.writeHeapSnapshot(
      `${process.env.HEAP_PROBE_SNAPSHOT}-${String(n)}.heapsnapshot`,
    );
  }
  appendFileSync(process.env.HEAP_PROBE_OUT ?? '/dev/stderr', `${JSON.stringify(line)}\n`);
});
