// The benchmark's API server process: @kubecache/testing's in-process server (plain HTTP on
// 127.0.0.1), driven by the harness over IPC. Runs in its own process so that client CPU and
// memory are measured apart from the server's.
//
// BENCH_LIST_PAGING selects how lists honour `limit` (@kubecache/testing's `listPaging`):
// `watchCache` (default: kube-apiserver with its watch cache — resourceVersion=0 lists ignore
// `limit` and come as one streamed body; consistent and exact lists are paged) or `always` (every
// list is paged, as kube-apiserver with --watch-cache=false). The `listening` message reports the
// mode and what a probe list observed, so the harness can check the mode reached the server.
//
// Requests: { id, op, ...params } → replies { id, ok, result | error }.
//   seed { n }                       creates n realistic pods (~5.5 KB) over 100 namespaces
//   modify { count }                 `count` MODIFIED events, cycling over the pods
//   burst { count }                  `count` MODIFIED events applied first (hidden from watchers),
//                                    then their lines written to every watch at once, so that B2
//                                    measures how fast a client consumes, not how fast this server
//                                    can apply patches (~70 µs each here, near the ceiling's rate)
//   churn { rate, durationMs }       stamped updates at `rate`/s (annotation bench.kubecache.dev/t-send)
//   relistPlan { changedPct, deletedPct }  picks the pods B4 will change/delete; returns the counts
//   relistGo                         hides events from watchers, applies the plan, compacts, and
//                                    ends every watch with ERROR 410 (the client must relist)
//   restore                          recreates what relistGo deleted
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { makePod, startApiServer } from '@kubecache/testing';

const wallMs = () => performance.timeOrigin + performance.now();
const listPaging = process.env.BENCH_LIST_PAGING ?? 'watchCache';
if (listPaging !== 'watchCache' && listPaging !== 'always')
  throw new Error(`BENCH_LIST_PAGING must be watchCache or always, not ${listPaging}`);
const server = await startApiServer({
  historySize: 200_000,
  bookmarkIntervalMs: 60_000,
  listPaging,
});

/**
 * Observes the paging mode from the outside: two config maps (never pods, so no contender sees
 * them), then `limit=1` lists at resourceVersion=0 and unset; true where a `continue` came back.
 */
async function probePaging() {
  const ns = 'bench-probe';
  for (const name of ['a', 'b']) server.create('configmaps', { metadata: { namespace: ns, name } });
  const paged = async (rv) => {
    const res = await fetch(
      `${server.url}/api/v1/namespaces/${ns}/configmaps?limit=1${rv === undefined ? '' : `&resourceVersion=${rv}`}`,
    );
    const body = await res.json();
    return Boolean(body.metadata?.continue);
  };
  const observed = { rv0Paged: await paged('0'), consistentPaged: await paged(undefined) };
  for (const name of ['a', 'b']) server.delete('configmaps', ns, name);
  return observed;
}
const observedPaging = await probePaging();
const dir = mkdtempSync(join(tmpdir(), 'kubecache-bench-'));
const kubeconfigPath = join(dir, 'kubeconfig.yaml');
writeFileSync(kubeconfigPath, server.kubeConfigYaml());

const keys = []; // [namespace, name]
let plan = null;
let deleted = [];
let counter = 0;

const nextPod = (i) => ({ namespace: `bench-${i % 100}`, name: `pod-${i}` });

async function seed({ n }) {
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const { namespace, name } = nextPod(i);
    const stored = server.create('pods', makePod({ namespace, name, index: i }));
    bytes += Buffer.byteLength(JSON.stringify(stored));
    keys.push([namespace, name]);
    if (i % 1000 === 999) await yieldNow();
  }
  return { bytes, n };
}

/** Applies one MODIFIED to the pod at `keys[i]` via a merge patch of an annotation. */
function touch(i, extra = {}) {
  const [namespace, name] = keys[i % keys.length];
  counter++;
  server.patch('pods', namespace, name, {
    metadata: { annotations: { 'bench.kubecache.dev/counter': String(counter), ...extra } },
  });
}

async function modify({ count }) {
  for (let i = 0; i < count; i++) {
    touch(i);
    if (i % 500 === 499) await yieldNow();
  }
  return { events: count };
}

async function burst({ count }) {
  server.faults.hideEventsFromWatchers(true);
  const chunks = [];
  let lines = [];
  try {
    for (let i = 0; i < count; i++) {
      const [namespace, name] = keys[i % keys.length];
      counter++;
      const obj = server.patch('pods', namespace, name, {
        metadata: { annotations: { 'bench.kubecache.dev/counter': String(counter) } },
      });
      lines.push(JSON.stringify({ type: 'MODIFIED', object: obj }));
      if (lines.length === 1000) {
        chunks.push(Buffer.from(lines.join('\n') + '\n'));
        lines = [];
      }
      if (i % 500 === 499) await yieldNow();
    }
    if (lines.length > 0) chunks.push(Buffer.from(lines.join('\n') + '\n'));
  } finally {
    server.faults.hideEventsFromWatchers(false);
  }
  // The lines are exactly what the watch would have carried (same objects, same order, same
  // resourceVersions); written back to back, the socket's pace is the client's.
  for (const c of chunks) server.faults.writeRawToWatches(c);
  return { events: count };
}

async function churn({ rate, durationMs }) {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < durationMs) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) touch(sent++, { 'bench.kubecache.dev/t-send': String(wallMs()) });
    await new Promise((r) => setTimeout(r, 1));
  }
  return { events: sent };
}

function relistPlan({ changedPct, deletedPct }) {
  const n = keys.length;
  const changed = Math.max(1, Math.round((n * changedPct) / 100));
  const del = Math.max(1, Math.round((n * deletedPct) / 100));
  // Deterministic spread: changed from the front half, deleted from the back.
  plan = {
    changed: Array.from({ length: changed }, (_, k) => Math.floor((k * n) / 2 / changed)),
    deleted: Array.from({ length: del }, (_, k) => n - 1 - Math.floor((k * n) / 2 / del)),
  };
  return { changed, deleted: del };
}

async function relistGo() {
  server.faults.hideEventsFromWatchers(true);
  for (const i of plan.changed) touch(i);
  deleted = plan.deleted.map((i) => {
    const [namespace, name] = keys[i];
    const obj = server.get('pods', namespace, name);
    server.delete('pods', namespace, name);
    return { i, obj };
  });
  server.compact();
  server.faults.hideEventsFromWatchers(false);
  server.faults.expireWatches();
  return { ok: true };
}

async function restore() {
  for (const { obj } of deleted) {
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ts, ...meta } = obj.metadata;
    server.create('pods', { ...obj, metadata: meta });
  }
  deleted = [];
  return { restored: true };
}

const ops = { seed, modify, burst, churn, relistPlan, relistGo, restore };
process.on('message', async (msg) => {
  if (msg.cmd === 'exit') {
    await server.close();
    process.exit(0);
  }
  try {
    const fn = ops[msg.op];
    if (!fn) throw new Error(`unknown op ${msg.op}`);
    process.send({ id: msg.id, ok: true, result: await fn(msg) });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
  }
});
process.send({ type: 'listening', url: server.url, kubeconfigPath, listPaging, observedPaging });
