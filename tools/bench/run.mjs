#!/usr/bin/env node
// kubecache benchmark suite (research/performance.md §3): every contender is a fresh process
// against the same in-process API server, which runs in its own process so client CPU is measured
// apart. Reports medians with min/max and ratios to the peers measured in the same run.
//
//   npm run bench                     full suite (minutes)
//   npm run bench -- --large          adds N = 150k to B1 and 160k to B6
//   npm run bench -- --only B1,B3     a subset
//   npm run bench -- --only B7        priority queue vs FIFO (in-process, no server; priority.mjs)
//   npm run bench -- --runs 3         runs per contender (default 5; quick: 1)
//   npm run bench -- --contenders kubecache,minimal   a subset of the contenders
//   npm run bench -- --contenders-B4 kubecache,kubecache-list   a subset for one benchmark
//   npm run bench -- --list-paging always   the server pages every list (--watch-cache=false);
//                                     default watchCache: RV=0 lists come whole, like kube-apiserver
//   npm run bench -- --b1 10000,150000 --b4 10000   the N of B1 / B4 (override the defaults)
//   npm run bench -- --write          also writes tools/bench/RESULTS.md, results.json and b6.png
//   npm run bench:quick               a few seconds, tiny N; checks the harness works, asserts no speed
//
// The client-go contenders (B1, B4) need Go and Debian's golang-k8s-client-go-dev: the Go program
// in client-go/ is built once per run into a temporary directory; without Go they are skipped
// with one line on stderr and in the report.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLinePlot } from './plot.mjs';
import { priorityIntro, priorityTable, runPriorityBench } from './priority.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const quick = flag('--quick');
const large = flag('--large');
const write = flag('--write');
const only = value('--only', 'B1,B2,B3,B4,B5,B6,B7').split(',');
const runs = Number(value('--runs', quick ? '1' : '5'));
const picked = value('--contenders', '').split(',').filter(Boolean);
const listPaging = value('--list-paging', 'watchCache');
if (listPaging !== 'watchCache' && listPaging !== 'always')
  throw new Error(`--list-paging must be watchCache or always, not ${listPaging}`);
/** `--b1 10000,150000`: a list of N, or `dflt` when the flag is absent. */
const sizes = (name, dflt) => {
  const v = value(name, '');
  if (!v) return dflt;
  const ns = v.split(',').map((x) => Number(x.replace(/_/g, '')));
  if (ns.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`${name}: bad list ${v}`);
  return ns;
};
/**
 * Applies `--contenders-B4 a,b` (for that benchmark) or else `--contenders a,b` to a benchmark's
 * default contenders (default: all of them); a contender named there that is not among the
 * defaults (e.g. kubecache-noshare) is run too, after them.
 */
const sel = (names, bench) => {
  const only = value(`--contenders-${bench}`, '').split(',').filter(Boolean);
  const p = only.length ? only : picked;
  for (const x of p)
    if (!contenders[x] && !(x === 'client-node-1.4' && !node20))
      throw new Error(`unknown contender ${x}`);
  return p.length
    ? [...names.filter((x) => p.includes(x)), ...p.filter((x) => !names.includes(x))]
    : names;
};
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

// System Node 20 for client-node 1.4 (2.x needs Node >= 22.19, which npm scripts provide).
const node20 = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));
const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

const cfg = quick
  ? {
      b1: [1_000],
      b2: { n: 500, events: 2_000 },
      b3: 1_000,
      b4: [1_000],
      b5: { n: 500, rates: [100], durationMs: 1_000 },
      b6: [500, 1_000],
      timeoutMs: 60_000,
    }
  : {
      // 150k stays behind --large: one sync takes ~70–80 s per contender here (B6 at 160k: 80 s),
      // so 5 runs × 8 contenders would add most of an hour to the default suite.
      b1: large ? [10_000, 50_000, 100_000, 150_000] : [10_000, 50_000, 100_000],
      b2: { n: 10_000, events: 100_000 },
      b3: 50_000,
      b4: [10_000, 100_000],
      b5: { n: 10_000, rates: [100, 1_000, 5_000], durationMs: 20_000 },
      b6: large
        ? [1_000, 10_000, 20_000, 40_000, 80_000, 160_000]
        : [1_000, 10_000, 20_000, 40_000, 80_000],
      timeoutMs: 300_000,
    };
cfg.b1 = sizes('--b1', cfg.b1);
cfg.b4 = sizes('--b4', cfg.b4);

/** The contenders; `peer` ones are what kubecache is compared with. */
const contenders = {
  // Library defaults: WatchList (sendInitialEvents) when the server supports it, AtomicFIFO.
  kubecache: { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'default' } },
  // The same with useWatchList: false — an RV=0 LIST (pages of 500 asked for; on the watchCache
  // server it arrives as one unpaged streamed body, decoded item by item).
  'kubecache-list': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'list' } },
  // Both with createListWatch's shareFieldsV1: false and internStrings: false (every object
  // JSON.parse'd whole, nothing shared, as before issue 24): the "before" of issue 24.
  'kubecache-noshare': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'noshare' } },
  'kubecache-list-noshare': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'list-noshare' } },
  // Both with internStrings: false only (fieldsV1 shared, strings not interned).
  'kubecache-nointern': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'nointern' } },
  'kubecache-list-nointern': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'list-nointern' } },
  'kubecache-strip': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'strip' } },
  'kubecache-meta': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'meta' } },
  'kubecache-compact': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'compact' } },
  'kubecache-deltafifo': { file: 'kubecache.mjs', env: { BENCH_VARIANT: 'deltafifo' } },
  'client-node-2': { file: 'client-node.mjs', env: { BENCH_CLIENT_NODE: '2' } },
  ...(node20
    ? {
        'client-node-1.4': {
          file: 'client-node.mjs',
          env: { BENCH_CLIENT_NODE: '1' },
          execPath: node20,
        },
      }
    : {}),
  // Ceilings: node:http + JSON.parse + Map, no library. `minimal`: consistent LIST paged by 500
  // (paged on both servers); `minimal-rv0`: RV=0 LIST as client-go's first list asks for it (one
  // whole body on the watchCache server: Buffer → string → JSON.parse, which fails past V8's
  // string limit, ~90k pods); `minimal-watchlist`: sendInitialEvents stream, split + parse.
  minimal: { file: 'minimal.mjs', env: { BENCH_MINIMAL: 'paged' } },
  'minimal-rv0': { file: 'minimal.mjs', env: { BENCH_MINIMAL: 'rv0' } },
  'minimal-watchlist': { file: 'minimal.mjs', env: { BENCH_MINIMAL: 'watchlist' } },
  // client-go 0.32's SharedIndexInformer (a Go program, client-go/main.go, built by
  // prepareClientGo): defaults (JSON, RV=0 LIST), and with its WatchListClient feature gate on.
  'client-go': { go: true, env: { KUBE_FEATURE_WatchListClient: 'false' } },
  'client-go-watchlist': { go: true, env: { KUBE_FEATURE_WatchListClient: 'true' } },
};
/** Which kubecache contenders are compared with which ceiling/peer in the ratio lines. */
const ourContenders = ['kubecache', 'kubecache-list'];
const peers = [
  'client-go',
  'client-go-watchlist',
  'client-node-2',
  'client-node-1.4',
  'minimal',
  'minimal-rv0',
  'minimal-watchlist',
];

// ---------------------------------------------------------------------------------------------
// The client-go contender's Go binary

/** Debian's golang-k8s-client-go-dev (and the api/apimachinery packages) install here. */
const gocode = '/usr/share/gocode';
const goInstallHint = 'install with ../shared/tools/install-go-client-go.sh';
/** The first `go` on PATH, or undefined. */
const findGo = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, 'go'))
    .find((p) => existsSync(p));
/** Why the client-go contenders cannot run (one line), once known; or their binary. */
let clientGo = null;
/**
 * Builds client-go/main.go once per run (GOPATH mode, offline, against Debian's sources) into a
 * temporary directory. Resolves with `{ binary }` or `{ skipped: reason }`.
 */
function prepareClientGo() {
  clientGo ??= (async () => {
    const go = findGo();
    if (!go) return { skipped: `go not found; ${goInstallHint}` };
    if (!existsSync(join(gocode, 'src/k8s.io/client-go/tools/cache')))
      return { skipped: `client-go sources not found in ${gocode}/src/k8s.io; ${goInstallHint}` };
    const dir = mkdtempSync(join(tmpdir(), 'kubecache-bench-client-go-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const binary = join(dir, 'client-go-bench');
    const env = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${join(homedir(), 'go')}:${gocode}`,
      GOFLAGS: '',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
    };
    log(`client-go: building client-go/main.go with ${go} (GO111MODULE=off GOPATH=${env.GOPATH})`);
    const t0 = Date.now();
    const { code, stderr } = await new Promise((resolve) => {
      const child = spawn(go, ['build', '-o', binary, '.'], {
        cwd: join(here, 'client-go'),
        env,
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      child.on('error', (e) => resolve({ code: -1, stderr: String(e.message) }));
      child.on('exit', (c) => resolve({ code: c, stderr: err }));
    });
    if (code !== 0)
      return { skipped: `go build failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
    log(`client-go: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return { binary };
  })();
  return clientGo;
}
/** Skipped contenders and why, for the report. */
const skipped = new Map();
/** Report lines for the contenders skipped from a benchmark (`names` are the ones that run). */
const skippedLines = (names) =>
  (names.skipped ?? [])
    .map((x) => `- ${x}: skipped (${skipped.get(x)})`)
    .concat(names.skipped?.length ? [''] : []);
/** Drops the client-go contenders from `names` when they cannot run (one line on stderr). */
async function withClientGo(names) {
  if (!names.some((x) => contenders[x]?.go)) return names;
  const got = await prepareClientGo();
  if (!got.skipped) return names;
  if (!skipped.size) log(`client-go contender skipped: ${got.skipped}`);
  for (const x of names) if (contenders[x]?.go) skipped.set(x, got.skipped);
  const kept = names.filter((x) => !contenders[x]?.go);
  kept.skipped = names.filter((x) => contenders[x]?.go);
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * Starts a Node script `file` (here-relative) with an IPC channel, or with `binary` a native
 * program instead (it gets the same channel: NODE_CHANNEL_FD, newline-delimited JSON).
 */
function startProcess(
  file,
  { env = {}, execPath = process.execPath, cpu, maxHeapMb = 8192, binary } = {},
) {
  const prof =
    process.env.BENCH_CPU_PROF && file.startsWith('contenders')
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
  const nodeArgs = ['--expose-gc', `--max-old-space-size=${maxHeapMb}`, ...prof, join(here, file)];
  const [exe, exeArgs] = binary ? [binary, []] : [execPath, nodeArgs];
  const [cmd, argv] =
    taskset && cpu !== undefined ? [taskset, ['-c', String(cpu), exe, ...exeArgs]] : [exe, exeArgs];
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const waiters = [];
  const inbox = [];
  let exited = null;
  child.on('message', (msg) => {
    const i = waiters.findIndex((w) => w.match(msg));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else inbox.push(msg);
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    for (const w of waiters.splice(0))
      w.reject(new Error(`${file} exited (${code ?? signal}) while waiting`));
  });
  return {
    child,
    send: (msg) => child.send(msg),
    inbox,
    /** Resolves with the first message matching `match` (or rejects on exit/timeout). */
    waitFor(match, timeoutMs) {
      const i = inbox.findIndex(match);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      if (exited)
        return Promise.reject(
          new Error(`${file} already exited (${exited.code ?? exited.signal})`),
        );
      return new Promise((resolve, reject) => {
        const w = { match, resolve, reject };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        w.resolve = (m) => (clearTimeout(t), resolve(m));
        w.reject = (e) => (clearTimeout(t), reject(e));
        waiters.push(w);
      });
    },
    async kill() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
    async exit() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'exit' });
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}

let nextId = 1;
async function startServer() {
  const proc = startProcess('server.mjs', { cpu: 0, env: { BENCH_LIST_PAGING: listPaging } });
  const hello = await proc.waitFor((m) => m.type === 'listening', 60_000);
  // The mode must have reached the server: RV=0 lists are paged only with 'always'.
  const { rv0Paged, consistentPaged } = hello.observedPaging ?? {};
  if (
    hello.listPaging !== listPaging ||
    rv0Paged !== (listPaging === 'always') ||
    !consistentPaged
  ) {
    await proc.kill();
    throw new Error(
      `server list paging is not ${listPaging}: ${JSON.stringify({ mode: hello.listPaging, ...hello.observedPaging })}`,
    );
  }
  return {
    ...hello,
    async call(op, params = {}, timeoutMs = 600_000) {
      const id = nextId++;
      proc.send({ id, op, ...params });
      const reply = await proc.waitFor((m) => m.id === id, timeoutMs);
      if (!reply.ok) throw new Error(`server ${op}: ${reply.error}`);
      return reply.result;
    },
    close: () => proc.exit(),
  };
}

/** Starts a contender, waits for its initial sync; returns the process and the sync report. */
async function startContender(name, server, n) {
  const c = contenders[name];
  const binary = c.go ? (await prepareClientGo()).binary : undefined;
  const proc = startProcess(c.go ? name : join('contenders', c.file), {
    env: { ...c.env, BENCH_N: String(n), BENCH_KUBECONFIG: server.kubeconfigPath },
    execPath: c.execPath ?? process.execPath,
    cpu: 1,
    binary,
  });
  try {
    const msg = await Promise.race([
      proc.waitFor((m) => m.type === 'synced', cfg.timeoutMs),
      proc
        .waitFor((m) => m.type === 'error', cfg.timeoutMs + 1_000)
        .then((m) => {
          throw new Error(m.message);
        }),
    ]);
    return { proc, synced: msg };
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and reporting

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const summary = (xs) =>
  xs.length
    ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length }
    : null;
const fmt = (x, unit = '') =>
  x === undefined || x === null || Number.isNaN(x)
    ? 'n/a'
    : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}${unit}`;
const fmtSummary = (s, unit) =>
  s ? `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})` : 'n/a';
const MB = 1024 * 1024;

const pagingText = {
  watchCache:
    'watchCache (like kube-apiserver with its watch cache: resourceVersion=0 lists ignore `limit` and come as one streamed body; consistent lists are paged)',
  always: 'always (every list paged, like kube-apiserver with --watch-cache=false)',
}[listPaging];
const results = {
  machine: { node: process.version, quick, runs, date: new Date().toISOString() },
  // Every number below was measured against this server mode.
  server: { listPaging },
  benches: {},
};
const md = [];
const section = (title, intro) =>
  md.push(`\n## ${title}\n\n${intro} Server list paging: \`${listPaging}\`.\n`);
const table = (head, rows) => {
  md.push(
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  );
};
const ratio = (a, b) => (a && b ? (a.median / b.median).toFixed(2) : 'n/a');

// ---------------------------------------------------------------------------------------------
// B1 / B3 / B6: initial sync

async function initialSync(names, ns, label) {
  const out = {};
  for (const n of ns) {
    log(`${label}: seeding ${n} pods`);
    const server = await startServer();
    try {
      const seeded = await server.call('seed', { n });
      out[n] = { bytesPerObject: seeded.bytes / n, contenders: {} };
      for (let r = 0; r < runs; r++) {
        for (const name of names) {
          const slot = (out[n].contenders[name] ??= { runs: [], failures: [] });
          try {
            const { proc, synced } = await startContender(name, server, n);
            await proc.exit();
            slot.runs.push(synced);
            log(
              `${label} n=${n} ${name} run ${r + 1}: ${synced.syncMs.toFixed(0)} ms, peak RSS ${(synced.peakRssBytes / MB).toFixed(0)} MB`,
            );
          } catch (err) {
            slot.failures.push(String(err.message ?? err));
            log(`${label} n=${n} ${name} run ${r + 1} FAILED: ${err.message}`);
          }
        }
      }
    } finally {
      await server.close();
    }
  }
  return out;
}

const syncStats = (slot, key) => summary((slot?.runs ?? []).map((r) => r[key]));
/** The distinct sync paths the runs reported (e.g. `watchlist`, `list rv=0 unpaged`). */
const syncPaths = (slot) =>
  [...new Set((slot?.runs ?? []).map((r) => r.path ?? '?'))].join('; ') || 'n/a';

async function b1() {
  const names = await withClientGo(
    sel(
      [
        'kubecache',
        'kubecache-list',
        'kubecache-strip',
        'client-go',
        'client-go-watchlist',
        'client-node-2',
        ...(contenders['client-node-1.4'] ? ['client-node-1.4'] : []),
        'minimal',
        'minimal-rv0',
        'minimal-watchlist',
      ],
      'B1',
    ),
  );
  const data = await initialSync(names, cfg.b1, 'B1');
  results.benches.B1 = data;
  section(
    'B1 — initial sync',
    'Time until synced with every add handler called (ms), peak RSS (MB: the process maxRSS, baseline included), heap after GC (MB) and retained heap (heap after GC − heap before start, MB; client-go: the Go heap\'s live bytes, runtime.MemStats.HeapAlloc after two GCs) and retained ÷ the JSON bytes of the N pods; median (min–max) of the runs. "sync" is how the contender actually got its initial state (as it reported it). Ratios: kubecache ÷ peer, same run.',
  );
  md.push(...skippedLines(names));
  for (const [n, d] of Object.entries(data)) {
    md.push(`**N = ${n}** (${(d.bytesPerObject / 1024).toFixed(2)} KB per pod)\n`);
    const rows = names.map((name) => {
      const slot = d.contenders[name];
      const t = syncStats(slot, 'syncMs');
      const rss = syncStats(slot, 'peakRssBytes');
      const heap = syncStats(slot, 'heapAfterGcBytes');
      const retained = syncStats(slot, 'retainedHeapBytes');
      const fail = slot?.failures.length
        ? `${slot.failures.length} failed: ${slot.failures[0].slice(0, 100)}`
        : '';
      return [
        name,
        syncPaths(slot),
        fmtSummary(t, ' ms'),
        rss
          ? fmtSummary({ ...rss, median: rss.median / MB, min: rss.min / MB, max: rss.max / MB })
          : 'n/a',
        heap ? fmt(heap.median / MB) : 'n/a',
        retained ? fmt(retained.median / MB) : 'n/a',
        retained ? fmt(retained.median / (Number(n) * d.bytesPerObject)) : 'n/a',
        fail,
      ];
    });
    table(
      [
        'contender',
        'sync',
        'time',
        'peak RSS MB',
        'heap MB',
        'retained MB',
        'retained ÷ JSON',
        'failures',
      ],
      rows,
    );
    const lines = [];
    for (const ours of ourContenders) {
      const k = d.contenders[ours];
      if (!k?.runs.length) continue;
      for (const peer of peers) {
        const p = d.contenders[peer];
        if (!p) continue;
        lines.push(
          p.runs.length
            ? `- ${ours} ÷ ${peer}: time ${ratio(syncStats(k, 'syncMs'), syncStats(p, 'syncMs'))}, peak RSS ${ratio(syncStats(k, 'peakRssBytes'), syncStats(p, 'peakRssBytes'))}, retained heap ${ratio(syncStats(k, 'retainedHeapBytes'), syncStats(p, 'retainedHeapBytes'))}`
            : `- ${ours} ÷ ${peer}: n/a (${peer} failed)`,
        );
      }
    }
    md.push(...lines, '');
  }
}

async function b3() {
  const names = sel(
    ['kubecache', 'kubecache-strip', 'kubecache-compact', 'kubecache-meta', 'minimal'],
    'B3',
  );
  const data = await initialSync(names, [cfg.b3], 'B3');
  results.benches.B3 = data;
  section(
    'B3 — retained heap per cached object ÷ JSON bytes',
    `N = ${cfg.b3}; (heap after GC − heap before start) ÷ (N × JSON bytes per pod). Targets: default ≤ 2.1, stripped ≤ 1.0. kubecache-compact = stripped + the informer's createStringInterner transform (since the ListWatch interns strings by default, a second pass that finds little left).`,
  );
  const [n, d] = Object.entries(data)[0];
  table(
    ['contender', 'retained ÷ JSON bytes', 'retained bytes per object'],
    names.map((name) => {
      const s = syncStats(d.contenders[name], 'retainedHeapBytes');
      return [
        name,
        s ? fmt(s.median / (Number(n) * d.bytesPerObject)) : 'n/a',
        s ? fmt(s.median / Number(n)) : 'n/a',
      ];
    }),
  );
}

async function b6() {
  const names = sel(['kubecache', 'minimal'], 'B6');
  const saved = runs;
  const data = await initialSync(names, cfg.b6, 'B6');
  void saved;
  results.benches.B6 = data;
  section('B6 — scaling', 'Initial sync time and heap after GC per N (medians).');
  const ns = Object.keys(data).map(Number);
  table(
    ['N', ...names.map((x) => `${x} ms`), ...names.map((x) => `${x} heap MB`)],
    ns.map((n) => [
      String(n),
      ...names.map((x) => fmt(syncStats(data[n].contenders[x], 'syncMs')?.median)),
      ...names.map((x) =>
        fmt((syncStats(data[n].contenders[x], 'heapAfterGcBytes')?.median ?? NaN) / MB),
      ),
    ]),
  );
  const lo = ns.includes(10_000) ? 10_000 : ns[0];
  const hi = ns[ns.length - 1];
  const t = (x, n) => syncStats(data[n].contenders[x], 'syncMs')?.median;
  md.push(
    `time(${hi}) ÷ time(${lo}) for kubecache: ${fmt(t('kubecache', hi) / t('kubecache', lo))} (linear would be ${fmt(hi / lo)}; target ≤ 17.6 for 160k/10k)\n`,
  );
  if (write) {
    writeLinePlot(join(here, 'b6.png'), {
      series: names.map((x, i) => ({
        color: i === 0 ? [31, 119, 180] : [255, 127, 14],
        points: ns.map((n) => [n, t(x, n) ?? 0]),
      })),
    });
    md.push('![B6 scaling: x = N, y = sync ms; blue = kubecache, orange = minimal](b6.png)\n');
  }
}

// ---------------------------------------------------------------------------------------------
// B2: steady watch throughput

async function b2() {
  const names = sel(
    [
      'kubecache',
      'kubecache-strip',
      'kubecache-deltafifo',
      'client-node-2',
      ...(contenders['client-node-1.4'] ? ['client-node-1.4'] : []),
      'minimal',
    ],
    'B2',
  );
  const { n, events } = cfg.b2;
  const server = await startServer();
  const data = {};
  try {
    await server.call('seed', { n });
    for (let r = 0; r < runs; r++) {
      for (const name of names) {
        const slot = (data[name] ??= { runs: [], failures: [] });
        let proc;
        try {
          ({ proc } = await startContender(name, server, n));
          proc.send({ cmd: 'updates', count: events });
          await proc.waitFor((m) => m.type === 'ready', 10_000);
          await server.call('burst', { count: events });
          const done = await proc.waitFor((m) => m.type === 'updates-done', cfg.timeoutMs);
          slot.runs.push({
            eventsPerSec: (events / done.ms) * 1000,
            cpuUsPerEvent: (done.cpuMs * 1000) / events,
          });
          log(`B2 ${name} run ${r + 1}: ${((events / done.ms) * 1000).toFixed(0)} ev/s`);
        } catch (err) {
          slot.failures.push(String(err.message ?? err));
          log(`B2 ${name} FAILED: ${err.message}`);
        } finally {
          await proc?.exit();
        }
      }
    }
  } finally {
    await server.close();
  }
  results.benches.B2 = data;
  section(
    'B2 — steady watch throughput',
    `${n} cached, ${events} MODIFIED events through list-watch → queue → indexer → one no-op handler. Events/s and client CPU µs per event; target kubecache ≥ 0.9× minimal.`,
  );
  const s = (name, key) => summary((data[name]?.runs ?? []).map((x) => x[key]));
  table(
    ['contender', 'events/s', 'CPU µs/event', 'failures'],
    names.map((name) => [
      name,
      fmtSummary(s(name, 'eventsPerSec')),
      fmtSummary(s(name, 'cpuUsPerEvent')),
      String(data[name]?.failures.length ?? 0),
    ]),
  );
  for (const peer of ['minimal', 'client-node-2', 'client-node-1.4']) {
    if (data[peer])
      md.push(
        `- kubecache ÷ ${peer} events/s: ${ratio(s('kubecache', 'eventsPerSec'), s(peer, 'eventsPerSec'))}`,
      );
  }
  md.push('');
}

// ---------------------------------------------------------------------------------------------
// B4: relist after a 410

async function b4() {
  const names = await withClientGo(
    sel(
      [
        'kubecache',
        'kubecache-list',
        'client-go',
        'client-go-watchlist',
        'client-node-2',
        'minimal',
        'minimal-rv0',
        'minimal-watchlist',
      ],
      'B4',
    ),
  );
  const data = {};
  for (const n of cfg.b4) {
    const server = await startServer();
    data[n] = {};
    try {
      await server.call('seed', { n });
      for (let r = 0; r < Math.max(1, Math.min(runs, 3)); r++) {
        for (const name of names) {
          const slot = (data[n][name] ??= { runs: [], failures: [] });
          let proc;
          try {
            const started = await startContender(name, server, n);
            proc = started.proc;
            const { changed, deleted } = await server.call('relistPlan', {
              changedPct: 1,
              deletedPct: 0.5,
            });
            proc.send({
              cmd: 'relist',
              changed,
              deleted,
              timeoutMs: cfg.timeoutMs,
              quietMs: quick ? 300 : 1500,
            });
            await proc.waitFor((m) => m.type === 'ready', 10_000);
            await server.call('relistGo');
            const done = await proc.waitFor((m) => m.type === 'relist-done', cfg.timeoutMs + 5_000);
            slot.runs.push({
              ...done,
              expected: { changed, deleted },
              syncMs: started.synced.syncMs,
            });
            log(
              `B4 n=${n} ${name}: ${done.ms.toFixed(0)} ms, cpu ${done.cpuMs?.toFixed(0)} ms, updates ${done.counts.update}/${changed}, deletes ${done.counts.delete}/${deleted}, adds ${done.counts.add}`,
            );
          } catch (err) {
            slot.failures.push(String(err.message ?? err));
            log(`B4 n=${n} ${name} FAILED: ${err.message}`);
          } finally {
            await proc?.exit();
            await server.call('restore');
          }
        }
      }
    } finally {
      await server.close();
    }
  }
  results.benches.B4 = data;
  section(
    'B4 — relist after a 410',
    '1 % of pods changed and 0.5 % deleted while the watch was blind, then the watch gets ERROR 410. Time to settle, peak RSS during the relist ÷ RSS before it (target ≤ 1.5), and handler calls (expected: updates = changed, deletes = deleted, adds = 0). "relist" is how the contender reported it got the new state after the 410 (kubecache-list, like client-go, relists at its last resourceVersion, NotOlderThan, without `limit` once its first RV=0 list came back unpaged: one whole body on the watchCache server; kubecache re-streams with WatchList). client-node reports updates without the old object and may notify unchanged objects; client-go notifies every listed object that was cached as an update (its DeltaFIFO Replace), so its updates count about N.',
  );
  md.push(...skippedLines(names));
  for (const [n, d] of Object.entries(data)) {
    md.push(`**N = ${n}**\n`);
    table(
      [
        'contender',
        'relist',
        'time ms',
        'peak ÷ steady RSS',
        'updates (expected)',
        'deletes (expected)',
        'adds',
        'failures',
      ],
      names.map((name) => {
        const rs = d[name]?.runs ?? [];
        const last = rs[rs.length - 1];
        return [
          name,
          [...new Set(rs.map((x) => x.path ?? '?'))].join('; ') || 'n/a',
          fmtSummary(summary(rs.map((x) => x.ms))),
          fmtSummary(summary(rs.map((x) => x.peakRssBytes / x.steadyRssBytes))),
          last ? `${last.counts.update} (${last.expected.changed})` : 'n/a',
          last ? `${last.counts.delete} (${last.expected.deleted})` : 'n/a',
          last ? String(last.counts.add) : 'n/a',
          d[name]?.failures.length
            ? `${d[name].failures.length}: ${d[name].failures[0].slice(0, 80)}`
            : '0',
        ];
      }),
    );
    const t = (name) => summary((d[name]?.runs ?? []).map((x) => x.ms));
    if (d.kubecache && d['kubecache-list'])
      md.push(
        `- kubecache (WatchList) ÷ kubecache-list (LIST) relist time: ${ratio(t('kubecache'), t('kubecache-list'))}\n`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// B5: write → handler latency under churn

async function b5() {
  const names = sel(['kubecache', 'client-node-2', 'minimal'], 'B5');
  const { n, rates, durationMs } = cfg.b5;
  const server = await startServer();
  const data = {};
  try {
    await server.call('seed', { n });
    for (const rate of rates) {
      data[rate] = {};
      for (const name of names) {
        let proc;
        try {
          ({ proc } = await startContender(name, server, n));
          proc.send({ cmd: 'latency' });
          await proc.waitFor((m) => m.type === 'ready', 10_000);
          const sent = await server.call('churn', { rate, durationMs }, durationMs + 60_000);
          await new Promise((r) => setTimeout(r, 500));
          proc.send({ cmd: 'latency-report' });
          const { samples } = await proc.waitFor((m) => m.type === 'latency-done', 30_000);
          data[rate][name] = {
            p50: percentile(samples, 50),
            p99: percentile(samples, 99),
            max: Math.max(...samples),
            received: samples.length,
            sent: sent.events,
          };
          log(
            `B5 ${rate}/s ${name}: p50 ${fmt(data[rate][name].p50)} ms p99 ${fmt(data[rate][name].p99)} ms (${samples.length}/${sent.events})`,
          );
        } catch (err) {
          data[rate][name] = { failure: String(err.message ?? err) };
          log(`B5 ${rate}/s ${name} FAILED: ${err.message}`);
        } finally {
          await proc?.exit();
        }
      }
    }
  } finally {
    await server.close();
  }
  results.benches.B5 = data;
  section(
    'B5 — server write → handler latency under churn',
    `${n} cached; the server stamps each write; latency = handler time − stamp (ms), ${durationMs / 1000} s per rate. Targets at 1k ev/s: p50 ≤ 1 ms, p99 ≤ 10 ms.`,
  );
  const rows = [];
  for (const [rate, d] of Object.entries(data)) {
    for (const name of names) {
      const x = d[name];
      rows.push([
        `${rate}/s`,
        name,
        fmt(x?.p50),
        fmt(x?.p99),
        fmt(x?.max),
        x?.failure ? `failed: ${x.failure.slice(0, 60)}` : `${x?.received}/${x?.sent}`,
      ]);
    }
  }
  table(['rate', 'contender', 'p50 ms', 'p99 ms', 'max ms', 'received/sent'], rows);
}

// ---------------------------------------------------------------------------------------------
// B7: time from a fresh change to its reconcile behind N queued startup items, priority vs FIFO

async function b7() {
  const result = await runPriorityBench({ quick, runs, log });
  results.benches.B7 = result;
  md.push(
    `\n## B7 — priority queue vs FIFO: a fresh change behind queued startup items\n\n${priorityIntro(result)}\n`,
    priorityTable(result),
    '',
  );
}

// ---------------------------------------------------------------------------------------------

const benches = { B1: b1, B2: b2, B3: b3, B4: b4, B5: b5, B6: b6, B7: b7 };
md.push(
  `# kubecache benchmarks\n\n${quick ? 'Quick mode (tiny N, 1 run): checks the harness only; the numbers mean little.' : `${runs} runs per contender.`} Node ${process.version}${node20 ? ', client-node 1.4 under system Node 20' : ''}; server pinned to CPU 0 and clients to CPU 1 ${taskset ? 'with taskset' : '(taskset not found: unpinned)'}. ${new Date().toISOString()}.\n\n**Server list paging: ${pagingText}.** Every number in this report was measured against this mode (\`--list-paging\`; results.json \`server.listPaging\`).`,
);
const started = Date.now();
for (const b of only) {
  if (!benches[b]) throw new Error(`unknown benchmark ${b}`);
  log(`--- ${b}`);
  await benches[b]();
}
md.push(`\nTotal ${((Date.now() - started) / 1000).toFixed(0)} s.`);
const text = md.join('\n');
console.log(text);
console.log('\n```json\n' + JSON.stringify(results) + '\n```');
if (write) {
  writeFileSync(join(here, 'RESULTS.md'), text + '\n');
  writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  log('wrote tools/bench/RESULTS.md and results.json');
}
// Sanity check for the quick mode in CI: every contender that kubecache ships must have produced numbers.
const failures = [];
for (const [b, d] of Object.entries(results.benches)) {
  const walk = (o, path) => {
    if (!o || typeof o !== 'object') return;
    if (o.failures?.length && path.includes('kubecache'))
      failures.push(`${b} ${path}: ${o.failures[0]}`);
    if (o.failure && path.includes('kubecache')) failures.push(`${b} ${path}: ${o.failure}`);
    for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
  };
  walk(d, '');
}
if (failures.length) {
  console.error(`kubecache contenders failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
