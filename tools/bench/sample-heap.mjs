// Where the sample controller's memory goes (SHARDING.md, "Memory"): the built binary, unsharded,
// over N Foos against the @kubecache/testing API server in this process; once every Foo's
// Deployment exists it waits `--settle` ms, then asks the controller (heap-probe.mjs, SIGUSR2)
// for process.memoryUsage() after full GCs and its peak RSS (VmHWM); `--snapshot <prefix>` also
// writes a heap snapshot there (summarise with `--summary <file>`).
//
//   npm run build -w @kubecache/sample-controller
//   npm exec -- node tools/bench/sample-heap.mjs [--foos 1000] [--settle 3000] [--snapshot /tmp/sc]
//   npm exec -- node tools/bench/sample-heap.mjs --summary /tmp/sc-1.heapsnapshot
//
// Linux only (/proc).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'apps/sample-controller/dist/main.js');
const probe = join(root, 'tools/bench/heap-probe.mjs');
const { values } = parseArgs({
  options: {
    foos: { type: 'string', default: '1000' },
    settle: { type: 'string', default: '3000' },
    snapshot: { type: 'string' },
    summary: { type: 'string' },
    workers: { type: 'string', default: '8' },
    mid: { type: 'boolean', default: false },
  },
});
const MiB = (b) => (b / 1048576).toFixed(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (values.summary !== undefined) {
  summarise(values.summary);
  process.exit(0);
}

const { startApiServer } = await import('@kubecache/testing');
const total = Number(values.foos);
const FOOS = 'foos.samplecontroller.k8s.io';
const DEPLOYMENTS = 'deployments.apps';
if (!existsSync(main))
  throw new Error(`${main} is missing: npm run build -w @kubecache/sample-controller`);
const server = await startApiServer();
for (const r of [
  { group: 'samplecontroller.k8s.io', version: 'v1alpha1', resource: 'foos', kind: 'Foo' },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' },
]) {
  server.registerResource({ ...r, namespaced: true, statusSubresource: true });
}
for (let i = 0; i < total; i++) {
  server.create(FOOS, {
    apiVersion: 'samplecontroller.k8s.io/v1alpha1',
    kind: 'Foo',
    metadata: { name: `f${String(i)}`, namespace: 'default' },
    spec: { deploymentName: `d${String(i)}`, replicas: 1 },
  });
}
const dir = mkdtempSync(join(tmpdir(), 'bench-sample-heap-'));
const kubeconfig = join(dir, 'kubeconfig.yaml');
const out = join(dir, 'probe.jsonl');
writeFileSync(kubeconfig, server.kubeConfigYaml(), { mode: 0o600 });
const env = { ...process.env, HEAP_PROBE_OUT: out };
if (values.snapshot !== undefined) env.HEAP_PROBE_SNAPSHOT = values.snapshot;
const child = spawn(
  process.execPath,
  [
    ...(process.env.SAMPLE_HEAP_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    '--expose-gc',
    '--import',
    probe,
    main,
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    'default',
    '--workers',
    values.workers,
    '--log-level',
    'error',
  ],
  { stdio: ['ignore', 'inherit', 'inherit'], env },
);
const exited = new Promise((r) => child.on('exit', r));
const started = performance.now();
const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
const ask = async () => {
  const before = lines().length;
  child.kill('SIGUSR2');
  for (;;) {
    await sleep(200);
    const now = lines();
    if (now.length > before && now.at(-1) !== '') return JSON.parse(now.at(-1));
  }
};
try {
  await sleep(1500); // imports done
  const idle = await ask();
  let mid;
  for (;;) {
    await sleep(500);
    if (
      values.mid &&
      mid === undefined &&
      server.list(DEPLOYMENTS, { namespace: 'default' }).items.length >= total / 2
    ) {
      mid = await ask();
      console.log(
        `half the Deployments created, after GC: heapUsed ${MiB(mid.heapUsed)} heapTotal ${MiB(mid.heapTotal)} rss ${MiB(mid.rssNow)}${mid.snapshot ? ` | ${mid.snapshot}` : ''}`,
      );
    }
    if (child.exitCode !== null) throw new Error('controller exited');
    const deployments = new Set(
      server.list(DEPLOYMENTS, { namespace: 'default' }).items.map((d) => d.metadata.name),
    );
    if (
      server
        .list(FOOS, { namespace: 'default' })
        .items.every((f) => deployments.has(f.spec.deploymentName))
    )
      break;
  }
  const convergedMs = performance.now() - started;
  await sleep(Number(values.settle));
  const m = await ask();
  console.log(
    `foos=${String(total)} converged=${String(Math.round(convergedMs))}ms | before the informers synced (1.5 s): heapUsed ${MiB(idle.heapUsed)} rss ${MiB(idle.rssNow)} | converged + ${values.settle} ms, after GC: heapUsed ${MiB(m.heapUsed)} heapTotal ${MiB(m.heapTotal)} external ${MiB(m.external)} arrayBuffers ${MiB(m.arrayBuffers)} rss ${MiB(m.rssNow)} | peak RSS ${MiB(m.hwm)} MiB${m.snapshot ? ` | ${m.snapshot}` : ''}`,
  );
} finally {
  child.kill('SIGTERM');
  await exited;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Self size and count by constructor name of a .heapsnapshot, top 30. */
function summarise(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = f.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const by = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + iType]];
    const name =
      type === 'object' || type === 'closure' ? snap.strings[nodes[i + iName]] : `(${type})`;
    const e = by.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += nodes[i + iSize];
    by.set(name, e);
  }
  const rows = [...by].sort((a, b) => b[1].size - a[1].size).slice(0, 30);
  for (const [name, e] of rows)
    console.log(`${MiB(e.size).padStart(8)} MiB ${String(e.count).padStart(9)}  ${name}`);
}
