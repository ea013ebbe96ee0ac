// Where an informer's retained heap goes (issue 24, item 2). Not part of `npm run bench`:
//
//   npm exec -- node --expose-gc tools/bench/heap-breakdown.mjs [--n 10000] [--variants default,…] [--breakdown]
//
// (`npm exec` puts the repository's pinned Node 24 first on PATH, as `npm run bench` does; the
// lockfile's undici does not load on Node 20.)
// Starts the bench API server (server.mjs, its own process, so its copies of the pods are not in
// this heap), seeds N `makePod` pods, then for every variant forks a fresh `--expose-gc` process
// that imports client-node and @kubecache/*, syncs one SharedIndexInformer with that variant's
// transform (WatchList, the default), runs full GCs and reports:
//   - heap after import (client-node alone, then + @kubecache/*), RSS after import;
//   - peak RSS of the process up to sync (getrusage maxRSS);
//   - retained heap = heapUsed after sync − heapUsed before the informer started, ÷ JSON bytes
//     (Buffer.byteLength(JSON.stringify(obj)) summed over the cached objects), sync time;
//   - with --breakdown (default variant only): retained bytes by field path, measured by deleting
//     each path from every cached object in turn and measuring the heap drop after a full GC (so
//     each row is what that path alone holds, strings shared with other rows not counted), and
//     the strings' duplication: bytes of string values/keys whose content occurs more than once.
// Variants:
//   default         the library defaults, no transform (fieldsV1 shared and strings interned by
//                   the decoders: createListWatch's shareFieldsV1 and internStrings)
//   no-share        createListWatch({ shareFieldsV1: false, internStrings: false }): every object
//                   JSON.parse'd whole, nothing shared (before issue 24)
//   no-intern       createListWatch({ internStrings: false }): fieldsV1 shared, strings not interned
//   intern          createStringInterner() (strings of 11..512 chars)
//   intern-all      createStringInterner({ minLength: 1 })
//   share           shares identical subtrees (JSON text as the key) of ownerReferences,
//                   managedFields[].fieldsV1, spec.containers[], spec.volumes, tolerations,
//                   frozen — an experiment, not a library transform
//   share+intern    interned first, then shared
//   strip           stripManagedFields (for reference: it drops data)
// `--decode-experiment [--n N] [--unique-ip] [--rounds R]` instead compares, without informer or server,
// JSON.parse alone, the shared-fieldsV1 decode, JSON.parse + an interning walk, and JSON.parse
// with an interning reviver (see decodeExperiment).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const here = fileURLToPath(import.meta.url);
const MB = (b) => (b / 1e6).toFixed(1);
const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc');
const fullGc = () => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
};

if (process.env.HEAP_BREAKDOWN_CHILD) await child();
else if (args.includes('--decode-experiment')) await decodeExperiment();
else await main();

/**
 * Interning during decode instead of after it (no informer, no server): N pods as JSON lines in
 * Buffers (off-heap), parsed one by one and kept in a Map, (1) with plain JSON.parse, (2) then an
 * interning walk (what createStringInterner as a transform does), (3) with a JSON.parse reviver
 * that interns string values of 11..512 chars as they are parsed. Each in a fresh heap state.
 */
async function decodeExperiment() {
  const n = Number(opt('n', '10000'));
  const { makePod } = await import('@kubecache/testing');
  const { createStringInterner } = await import('@kubecache/informer');
  const { createFieldsV1Sharing } = await import('@kubecache/listwatch');
  // --unique-ip: each pod's kubelet field set also names its pod IP (f:podIPs k:{"ip":…}), as in
  // a real cluster, so no two are the same text (only their other members are).
  const uniqueIp = args.includes('--unique-ip');
  const lines = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const pod = makePod({ namespace: `bench-${i % 100}`, name: `pod-${i}`, index: i });
    if (uniqueIp) {
      pod.metadata.managedFields[1].fieldsV1['f:status']['f:podIPs'] = {
        '.': {},
        [`k:{"ip":"10.64.${(i >> 8) & 255}.${i & 255}"}`]: { '.': {}, 'f:ip': {} },
      };
    }
    const b = Buffer.from(JSON.stringify(pod));
    bytes += b.length;
    lines.push(b);
  }
  const ways = {
    'JSON.parse': () => (t) => JSON.parse(t),
    'shared fieldsV1 (createFieldsV1Sharing, the default decode)': () => {
      const sharing = createFieldsV1Sharing();
      return (t) => sharing.parse(t, 'object');
    },
    'JSON.parse + interning walk': () => {
      const intern = createStringInterner();
      return (t) => intern(JSON.parse(t));
    },
    'JSON.parse with interning reviver': () => {
      const table = new Map();
      const reviver = (_k, v) => {
        if (typeof v !== 'string' || v.length < 11 || v.length > 512) return v;
        const hit = table.get(v);
        if (hit !== undefined) return hit;
        if (table.size >= 50_000) table.clear();
        table.set(v, v);
        return v;
      };
      return (t) => JSON.parse(t, reviver);
    },
  };
  console.log(
    `# decode experiment: ${n} pods${uniqueIp ? ' (a pod IP in each kubelet field set)' : ''}, ${MB(bytes)} MB JSON\n`,
  );
  // Rounds interleave the ways (the machine is shared: the best time of each is reported); the
  // first round warms up and is not counted.
  const rounds = Number(opt('rounds', '2'));
  const seen = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of Object.entries(ways)) {
      const decode = make();
      const store = new Map();
      const h0 = fullGc();
      let peak = 0;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        store.set(i, decode(lines[i].toString('utf8')));
        if (i % 500 === 0) peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
      }
      const ms = performance.now() - t0;
      peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
      const h1 = fullGc();
      if (round > 0 || rounds === 1) {
        const e = (seen[name] ??= { ms: [], peak: 0, retained: 0 });
        e.ms.push(ms);
        e.peak = peak - h0;
        e.retained = h1 - h0;
      }
      store.clear();
    }
  }
  console.log(
    `| decode | best ms of ${Math.max(1, rounds - 1)} | heap peak above baseline MB | retained MB | ÷ JSON |\n|---|---:|---:|---:|---:|`,
  );
  for (const [name, e] of Object.entries(seen))
    console.log(
      `| ${name} | ${Math.min(...e.ms).toFixed(0)} | ${MB(e.peak)} | ${MB(e.retained)} | ${(e.retained / bytes).toFixed(2)}× |`,
    );
}

async function main() {
  const n = Number(opt('n', '10000'));
  const variants = opt(
    'variants',
    'default,no-share,no-intern,intern,intern-all,share,share+intern,strip',
  ).split(',');
  const server = fork(new URL('./server.mjs', import.meta.url), [], {
    stdio: 'inherit',
  });
  const replies = new Map();
  let nextId = 1;
  const hello = await new Promise((resolve) => {
    server.on('message', (m) => {
      if (m.type === 'listening') resolve(m);
      else if (m.id !== undefined) replies.get(m.id)?.(m);
    });
  });
  const call = (op, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      replies.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
      server.send({ id, op, ...params });
    });
  const seeded = await call('seed', { n });
  console.log(
    `# heap breakdown: ${n} pods, ${MB(seeded.bytes)} MB JSON (${(seeded.bytes / n / 1000).toFixed(2)} KB each)\n`,
  );
  try {
    for (const variant of variants) {
      const proc = fork(here, args, {
        execArgv: [
          '--expose-gc',
          ...(process.env.CHILD_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        ],
        env: {
          ...process.env,
          HEAP_BREAKDOWN_CHILD: '1',
          BENCH_VARIANT: variant,
          BENCH_N: String(n),
          BENCH_KUBECONFIG: hello.kubeconfigPath,
          BREAKDOWN: args.includes('--breakdown') && variant === 'default' ? '1' : '',
        },
        stdio: 'inherit',
      });
      await new Promise((resolve) => proc.on('exit', resolve));
    }
  } finally {
    server.kill();
  }
}

/** A transform sharing identical subtrees (frozen) at known paths: the experiment of item 2b. */
function createSubtreeSharer() {
  const table = new Map();
  const freeze = (v) => {
    if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) freeze(v[k]);
      Object.freeze(v);
    }
    return v;
  };
  const share = (v) => {
    if (v === undefined || v === null) return v;
    const key = JSON.stringify(v);
    const hit = table.get(key);
    if (hit !== undefined) return hit;
    if (table.size > 50_000) table.clear();
    table.set(key, freeze(v));
    return v;
  };
  return (obj) => {
    const md = obj.metadata;
    if (md?.ownerReferences) md.ownerReferences = share(md.ownerReferences);
    if (md?.managedFields)
      for (const e of md.managedFields) if (e.fieldsV1) e.fieldsV1 = share(e.fieldsV1);
    const spec = obj.spec;
    if (spec) {
      for (const k of ['containers', 'initContainers'])
        if (Array.isArray(spec[k])) spec[k] = spec[k].map(share);
      for (const k of ['volumes', 'tolerations', 'securityContext', 'dnsConfig', 'affinity'])
        if (spec[k] !== undefined) spec[k] = share(spec[k]);
    }
    return obj;
  };
}

async function child() {
  const variant = process.env.BENCH_VARIANT;
  const expected = Number(process.env.BENCH_N);
  const h0 = fullGc();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const h1 = fullGc();
  const rss1 = process.memoryUsage().rss;
  const inf = await import('@kubecache/informer');
  const { createListWatch } = await import('@kubecache/listwatch');
  const { metaNamespaceIndexFunc, namespaceIndex } = await import('@kubecache/store');
  const h2 = fullGc();
  const rss2 = process.memoryUsage().rss;

  const transforms = {
    default: undefined,
    'no-share': undefined,
    'no-intern': undefined,
    intern: inf.createStringInterner(),
    'intern-all': inf.createStringInterner({ minLength: 1 }),
    share: createSubtreeSharer(),
    'share+intern': inf.composeTransforms(inf.createStringInterner(), createSubtreeSharer()),
    strip: inf.stripManagedFields,
  };
  if (!(variant in transforms)) throw new Error(`unknown variant ${variant}`);
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.BENCH_KUBECONFIG);
  const lw = createListWatch(kc, {
    group: '',
    version: 'v1',
    resource: 'pods',
    ...(variant === 'no-share' ? { shareFieldsV1: false, internStrings: false } : {}),
    ...(variant === 'no-intern' ? { internStrings: false } : {}),
  });
  const transform = transforms[variant];
  const informer = inf.createSharedIndexInformer(lw, {
    indexers: { [namespaceIndex]: metaNamespaceIndexFunc },
    ...(transform ? { transform } : {}),
  });
  let adds = 0;
  informer.addEventHandler({ onAdd: () => adds++ });
  const ac = new AbortController();
  const hBefore = fullGc();
  const t0 = performance.now();
  const running = informer.run(ac.signal);
  while (!(adds >= expected && informer.hasSynced())) await new Promise((r) => setTimeout(r, 5));
  const syncMs = performance.now() - t0;
  const peakHeap = v8.getHeapStatistics().used_heap_size;
  const peakRss = process.resourceUsage().maxRSS * 1024; // kB → bytes, since the process started
  const hAfter = fullGc();
  const objs = informer.getStore().list();
  let jsonBytes = 0;
  for (const o of objs) jsonBytes += Buffer.byteLength(JSON.stringify(o));
  const retained = hAfter - hBefore;
  console.log(
    `${variant.padEnd(13)} retained ${MB(retained)} MB = ${(retained / jsonBytes).toFixed(2)}× JSON (${MB(jsonBytes)} MB), ` +
      `sync ${(syncMs / 1000).toFixed(2)} s, heap at sync ${MB(peakHeap - hBefore)} MB, peak RSS ${MB(peakRss)} MB, ` +
      `import: client-node +${MB(h1 - h0)} MB heap (RSS ${MB(rss1)}), @kubecache/* +${MB(h2 - h1)} MB heap (RSS ${MB(rss2)})`,
  );
  if (process.env.BREAKDOWN) breakdown(objs, retained);
  ac.abort();
  await running;
  process.exit(0);
}

function breakdown(objs, retained) {
  // 1. Duplicated strings, by content (JavaScript cannot see whether V8 already shares a copy).
  const counts = new Map(); // string -> [count, category]
  const categoryOf = (path) => {
    if (path.startsWith('metadata.managedFields'))
      return path.includes('fieldsV1') ? 'managedFields.fieldsV1' : 'managedFields (other)';
    if (path.startsWith('metadata.labels')) return 'metadata.labels';
    if (path.startsWith('metadata.annotations')) return 'metadata.annotations';
    if (path.startsWith('metadata.ownerReferences')) return 'metadata.ownerReferences';
    if (path.startsWith('metadata')) return 'metadata (other)';
    if (path.startsWith('spec.containers')) return 'spec.containers';
    if (path.startsWith('spec')) return 'spec (other)';
    if (path.startsWith('status')) return 'status';
    return path;
  };
  const strBytes = (s) => 16 + s.length; // one-byte sequential string, header ≈ 12–16 bytes
  const note = (s, cat) => {
    const e = counts.get(s);
    if (e) e[0]++;
    else counts.set(s, [1, cat]);
  };
  const walk = (v, path) => {
    if (Array.isArray(v)) for (const x of v) walkValue(x, path + '[]');
    else
      for (const k of Object.keys(v)) {
        note(k, 'keys: ' + categoryOf(path ? `${path}.${k}` : k));
        walkValue(v[k], path ? `${path}.${k}` : k);
      }
  };
  const walkValue = (x, path) => {
    if (typeof x === 'string') note(x, categoryOf(path));
    else if (x !== null && typeof x === 'object') walk(x, path);
  };
  for (const o of objs) walk(o, '');
  const byCat = new Map();
  const sum = { keys: 0, values: 0, short: 0, long: 0 };
  for (const [s, [c, cat]] of counts) {
    const repeats = strBytes(s) * (c - 1);
    if (cat.startsWith('keys: ')) {
      sum.keys += strBytes(s) * c;
      continue; // object keys are internalized by V8: one copy each already
    }
    sum.values += strBytes(s) * c;
    if (s.length <= 10) sum.short += repeats;
    else sum.long += repeats;
    const e = byCat.get(cat) ?? { total: 0, short: 0, long: 0, distinct: 0 };
    e.total += strBytes(s) * c;
    if (s.length <= 10) e.short += repeats;
    else e.long += repeats;
    e.distinct++;
    byCat.set(cat, e);
  }
  console.log(
    `\nstring values, ≈16 B + length each if every occurrence had its own copy: ${MB(sum.values)} MB; ` +
      `repeats of a value seen before: ${MB(sum.short)} MB of ≤ 10 chars (V8's JSON.parse already shares these) + ` +
      `${MB(sum.long)} MB of longer ones (what an interner can take back). Object keys: ${MB(sum.keys)} MB if unshared, one copy each in V8.`,
  );
  console.log(
    '\n| string values at | if unshared MB | repeats ≤ 10 chars MB | repeats > 10 chars MB | distinct |\n|---|---:|---:|---:|---:|',
  );
  for (const [cat, e] of [...byCat].sort((a, b) => b[1].total - a[1].total))
    console.log(`| ${cat} | ${MB(e.total)} | ${MB(e.short)} | ${MB(e.long)} | ${e.distinct} |`);

  // 2. Retained by field path: delete it everywhere, full GC, heap drop.
  const paths = [
    ['metadata.managedFields', (o) => delete o.metadata?.managedFields],
    ['metadata.labels', (o) => delete o.metadata?.labels],
    ['metadata.annotations', (o) => delete o.metadata?.annotations],
    ['metadata.ownerReferences', (o) => delete o.metadata?.ownerReferences],
    ['metadata (rest)', (o) => delete o.metadata],
    ['spec.containers', (o) => delete o.spec?.containers],
    ['spec.volumes', (o) => delete o.spec?.volumes],
    ['spec (rest)', (o) => delete o.spec],
    ['status.containerStatuses', (o) => delete o.status?.containerStatuses],
    ['status.conditions', (o) => delete o.status?.conditions],
    ['status (rest)', (o) => delete o.status],
  ];
  let h = fullGc();
  let accounted = 0;
  console.log(
    `\n| field path (deleted in this order) | retained MB | share of retained |\n|---|---:|---:|`,
  );
  for (const [name, del] of paths) {
    for (const o of objs) del(o);
    const h2 = fullGc();
    console.log(`| ${name} | ${MB(h - h2)} | ${(((h - h2) / retained) * 100).toFixed(0)} % |`);
    accounted += h - h2;
    h = h2;
  }
  console.log(
    `| rest: store, index, keys, informer | ${MB(retained - accounted)} | ${(((retained - accounted) / retained) * 100).toFixed(0)} % |`,
  );
}
