#!/usr/bin/env node
// Library overhead without HTTP or a server: pre-built watch bytes (64 KiB chunks of ~5.7 KB pod
// MODIFIED lines) are fed to a fake response as fast as the consumer takes them, and the client
// CPU per event is measured for (a) the minimal ceiling's split + JSON.parse + Map, (b) kubecache's
// watch decoder alone, (c) a whole SharedIndexInformer (RealFIFO or DeltaFIFO) with a namespace
// index and a no-op handler. Each stage runs in a fresh process.
//
//   node tools/bench/pipeline.mjs [--events 100000] [--n 10000] [--stage minimal|decoder|informer|deltafifo|strip]
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { makePod } from '@kubecache/testing';
import { decodeWatchStream } from '@kubecache/listwatch';
import { createSharedIndexInformer, stripManagedFields } from '@kubecache/informer';
import { metaNamespaceIndexFunc, namespaceIndex } from '@kubecache/store';

const args = process.argv.slice(2);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const events = Number(value('--events', '100000'));
const n = Number(value('--n', '10000'));
const stage = value('--stage', '');

if (!stage) {
  const stages = ['minimal', 'minimal-decode', 'decoder', 'informer', 'deltafifo', 'strip'];
  const reps = Number(value('--reps', '3'));
  for (const s of stages) {
    const out = [];
    for (let r = 0; r < reps; r++) {
      const res = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          fileURLToPath(import.meta.url),
          '--stage',
          s,
          '--events',
          String(events),
          '--n',
          String(n),
        ],
        { encoding: 'utf8' },
      );
      if (res.status !== 0) throw new Error(`${s}: ${res.stderr}`);
      out.push(JSON.parse(res.stdout));
    }
    const cpu = out.map((o) => o.cpuUsPerEvent).sort((a, b) => a - b);
    const gcMs = out.map((o) => o.gcMs).sort((a, b) => a - b);
    console.log(
      `${s.padEnd(10)} CPU µs/event median ${cpu[cpu.length >> 1].toFixed(1)} (${cpu.map((x) => x.toFixed(1)).join(', ')}), GC ms ${gcMs[gcMs.length >> 1].toFixed(0)}`,
    );
  }
  process.exit(0);
}

// --- the input: n cached pods, then `events` MODIFIED lines cycling over them
const pods = [];
for (let i = 0; i < n; i++) {
  const p = makePod({ namespace: `bench-${i % 100}`, name: `pod-${i}`, index: i });
  p.metadata.resourceVersion = String(i + 1);
  p.metadata.uid = `uid-${i}`;
  pods.push(p);
}
const listJson = JSON.stringify({
  apiVersion: 'v1',
  kind: 'PodList',
  metadata: { resourceVersion: String(n) },
  items: pods,
});
const chunks = [];
{
  let lines = [];
  let bytes = 0;
  for (let e = 0; e < events; e++) {
    const p = pods[e % n];
    p.metadata.resourceVersion = String(n + e + 1);
    p.metadata.annotations = {
      ...p.metadata.annotations,
      'bench.kubecache.dev/counter': String(e),
    };
    const line = JSON.stringify({ type: 'MODIFIED', object: p }) + '\n';
    lines.push(line);
    bytes += line.length;
    if (bytes > 1 << 20) {
      const buf = Buffer.from(lines.join(''));
      for (let o = 0; o < buf.length; o += 65536) chunks.push(buf.subarray(o, o + 65536));
      lines = [];
      bytes = 0;
    }
  }
  const buf = Buffer.from(lines.join(''));
  for (let o = 0; o < buf.length; o += 65536) chunks.push(buf.subarray(o, o + 65536));
}
pods.length = 0;

/** A response that emits the chunks one per macrotask, honouring pause/resume. */
function fakeResponse() {
  const res = new EventEmitter();
  let i = 0;
  let paused = false;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    if (paused) return;
    if (i < chunks.length) {
      res.emit('data', chunks[i++]);
      schedule();
    }
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };
  res.complete = false;
  res.pause = () => {
    paused = true;
    return res;
  };
  res.resume = () => {
    paused = false;
    schedule();
    return res;
  };
  res.destroy = () => res;
  res.start = schedule;
  return res;
}

globalThis.gc();
const { PerformanceObserver } = await import('node:perf_hooks');
let gcMs = 0;
let measuring = false;
new PerformanceObserver((list) => {
  if (measuring) for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

// PIPELINE_CPU_PROF=file.cpuprofile: a CPU profile of the measured window only.
const profFile = process.env.PIPELINE_CPU_PROF;
let session;
if (profFile) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
}

let cpu0;
let seen = 0;
const begin = () => {
  measuring = true;
  if (session) void session.post('Profiler.start');
  cpu0 = process.cpuUsage();
};
const done = async () => {
  const u = process.cpuUsage(cpu0);
  measuring = false;
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(profFile, JSON.stringify(profile));
  }
  process.stdout.write(
    JSON.stringify({ stage, cpuUsPerEvent: (u.user + u.system) / events, gcMs }) + '\n',
  );
};

if (stage === 'minimal' || stage === 'minimal-decode') {
  const keep = stage === 'minimal';
  const cache = new Map();
  for (const o of JSON.parse(listJson).items)
    cache.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  const res = fakeResponse();
  const sd = new StringDecoder('utf8');
  let pending = '';
  begin();
  await new Promise((resolve) => {
    res.on('data', (chunk) => {
      const lines = (pending + sd.write(chunk)).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (!line) continue;
        const ev = JSON.parse(line);
        const o = ev.object;
        const key = `${o.metadata.namespace}/${o.metadata.name}`;
        if (!keep) {
          seen++;
          continue;
        }
        const old = cache.get(key);
        cache.set(key, o);
        if (old) seen++;
      }
      if (seen >= events) resolve();
    });
    res.start();
  });
  await done();
} else if (stage === 'decoder') {
  const res = fakeResponse();
  const stream = decodeWatchStream(res, {
    idleTimeoutMs: 0,
    maxLineBytes: 1 << 26,
    highWaterMark: 1000,
  });
  res.start();
  begin();
  for await (const ev of stream) {
    if (ev.object && ++seen >= events) break;
  }
  await done();
} else {
  const lw = {
    description: 'pipeline',
    supportsWatchList: false,
    async list() {
      return JSON.parse(listJson);
    },
    async watch(_opts, signal) {
      const res = fakeResponse();
      const stream = decodeWatchStream(
        res,
        { idleTimeoutMs: 0, maxLineBytes: 1 << 26, highWaterMark: 1000 },
        signal,
      );
      setImmediate(() => {
        begin();
        res.start();
      });
      return stream;
    },
  };
  const informer = createSharedIndexInformer(lw, {
    indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
    ...(stage === 'deltafifo' ? { queue: 'deltafifo' } : {}),
    ...(stage === 'strip' ? { transform: stripManagedFields } : {}),
  });
  const ac = new AbortController();
  let resolveDone;
  const finished = new Promise((r) => (resolveDone = r));
  informer.addEventHandler({
    onAdd() {},
    onUpdate() {
      if (++seen === events) resolveDone();
    },
    onDelete() {},
  });
  const running = informer.run(ac.signal);
  await finished;
  await done();
  ac.abort();
  await running;
}
