// Invariant 7 in depth: after many start/abort cycles, sockets, timers and retained heap return to
// baseline (heap checked when the process runs with --expose-gc, as the vitest config sets).
import { describe, expect, it } from 'vitest';
import { applyStep, startWorld } from './harness.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

describe('resource release', () => {
  it('returns sockets, timers and heap (+10 %) to baseline after 10 start/abort cycles', async () => {
    // Warm up once so lazily loaded modules do not count as a leak.
    const warm = await startWorld();
    await applyStep(warm, { kind: 'create', name: 1 });
    await warm.stop();
    const baseHeap = heap();
    const base = process.getActiveResourcesInfo();
    for (let i = 0; i < 10; i++) {
      const w = await startWorld();
      for (let n = 0; n < 12; n++) await applyStep(w, { kind: 'create', name: n });
      await applyStep(w, { kind: 'fault', fault: 'reset' });
      await applyStep(w, { kind: 'fault', fault: 'down' });
      await new Promise((r) => setTimeout(r, 30));
      await w.stop();
    }
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo();
    const count = (xs: string[], k: string): number => xs.filter((x) => x === k).length;
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(base, 'TCPSocketWrap'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(base, 'Timeout'));
    if (gc) expect(heap()).toBeLessThanOrEqual(baseHeap * 1.1 + 2 * 1024 * 1024);
  }, 120_000);
});
