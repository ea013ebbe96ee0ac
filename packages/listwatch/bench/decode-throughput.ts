// Decode throughput of the streaming list decoder against JSON.parse of the whole body (the old
// path: Buffer → string → JSON.parse), on realistic ~5.7 KB pods. Not part of `npm test`:
//   npx tsx --tsconfig packages/listwatch/bench/tsconfig.json packages/listwatch/bench/decode-throughput.ts [pods] [runs]
import { makePod } from '@kubecache/testing';
import { createListDecoder } from '../src/list-decoder.js';

const pods = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 7);
const chunkBytes = 64 * 1024;

const items = Array.from({ length: pods }, (_, i) => {
  const pod = makePod({ namespace: `ns-${String(i % 100)}`, name: `pod-${String(i)}`, index: i });
  pod.metadata = {
    ...pod.metadata,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resourceVersion: String(1000 + i),
    creationTimestamp: '2026-01-01T00:00:00Z',
  };
  return pod;
});
const body = Buffer.from(
  JSON.stringify({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '99999' },
    items,
  }),
);
const chunks: Buffer[] = [];
for (let o = 0; o < body.length; o += chunkBytes) chunks.push(body.subarray(o, o + chunkBytes));

function wholeBody(): number {
  // What the old list path did: join the chunks, decode, parse.
  const joined = Buffer.concat(chunks, body.length);
  const list = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(joined)) as {
    items: unknown[];
  };
  return list.items.length;
}

function streamed(): number {
  const d = createListDecoder();
  for (const c of chunks) d.write(c);
  return d.end().items.length;
}

function time(fn: () => number): number {
  const t0 = process.hrtime.bigint();
  const n = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (n !== pods) throw new Error(`decoded ${String(n)} items, expected ${String(pods)}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < runs + 2; r++) {
  // Alternate, and drop the first two rounds (JIT warm-up).
  const ta = time(wholeBody);
  const tb = time(streamed);
  if (r >= 2) {
    a.push(ta);
    b.push(tb);
  }
}
const mb = body.length / 1e6;
console.log(
  `${String(pods)} pods, ${mb.toFixed(1)} MB (${(body.length / pods / 1000).toFixed(2)} KB/pod), ${String(runs)} runs, median:`,
);
console.log(
  `  JSON.parse of the whole body: ${median(a).toFixed(1)} ms (${(mb / (median(a) / 1000)).toFixed(0)} MB/s)`,
);
console.log(
  `  streaming list decoder:       ${median(b).toFixed(1)} ms (${(mb / (median(b) / 1000)).toFixed(0)} MB/s)`,
);
console.log(`  ratio streaming / JSON.parse: ${(median(b) / median(a)).toFixed(2)}`);
