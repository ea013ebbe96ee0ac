// Per-shard memory of a sharded controller (issue 25): the sample controller's built binary over
// the same Foos, run (a) unsharded, (b) as 1 shard, (c) as 3 shards, each shard its own process.
// For each process: its peak RSS (VmHWM of /proc/<pid>/status, read once every Foo is reconciled
// — assigned, its Deployment created — and the caches hold their share), its RSS then, and the
// Foos its cache holds (kubecache_shard_assigned_objects). The shard that leads the sharder also
// caches the metadata of every Foo and Deployment of the ring (the sharder's informers).
//
//   npm run build -w @kubecache/sample-controller
//   node tools/bench/sharding.mjs [--foos 3000]
//
// Linux only (/proc). The API server runs in this process (@kubecache/testing, built dist).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApiServer } from '@kubecache/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'apps/sample-controller/dist/main.js');
const { values } = parseArgs({ options: { foos: { type: 'string', default: '3000' } } });
const total = Number(values.foos);
const ring = 'foos';
const shardKey = `shard.kubecache.io/${ring}`;
const FOOS = 'foos.samplecontroller.k8s.io';
const DEPLOYMENTS = 'deployments.apps';

if (!existsSync(main)) {
  console.error(`${main} is missing: npm run build -w @kubecache/sample-controller`);
  process.exit(2);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** VmHWM and VmRSS of a process, in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

async function assigned(port, shard) {
  const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith('kubecache_shard_assigned_objects{') && l.includes(`shard="${shard}"`),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** One configuration: `shards` = [] for unsharded, else the shard ids (one process each). */
async function run(label, shards) {
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
  const dir = mkdtempSync(join(tmpdir(), 'bench-sharding-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, server.kubeConfigYaml(), { mode: 0o600 });
  const ids = shards.length === 0 ? [undefined] : shards;
  const started = performance.now();
  const procs = await Promise.all(
    ids.map(async (id) => {
      const port = await freePort();
      const args = [main, '--kubeconfig', kubeconfig, '--namespace', 'default', '--workers', '8'];
      args.push('--metrics-port', String(port), '--log-level', 'error');
      if (id !== undefined) {
        args.push('--shard-id', id, '--ring', ring, '--lease-namespace', 'default');
        args.push('--lease-duration-ms', '8000', '--renew-deadline-ms', '6000');
        args.push('--retry-period-ms', '1000');
      }
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      return { id, port, child, exited };
    }),
  );
  try {
    for (;;) {
      await sleep(500);
      if (procs.some((p) => p.child.exitCode !== null))
        throw new Error(`${label}: a process exited`);
      const foos = server.list(FOOS, { namespace: 'default' }).items;
      const deployments = new Set(
        server.list(DEPLOYMENTS, { namespace: 'default' }).items.map((d) => d.metadata.name),
      );
      const done = foos.every(
        (f) =>
          deployments.has(f.spec.deploymentName) &&
          (shards.length === 0 || shards.includes(f.metadata.labels?.[shardKey])),
      );
      if (!done) continue;
      if (shards.length > 0) {
        const counts = await Promise.all(procs.map((p) => assigned(p.port, p.id)));
        const sum = counts.reduce((a, b) => a + (b ?? 0), 0);
        if (sum !== total || counts.some((c) => c === undefined || c === 0)) continue;
      }
      break;
    }
    const convergedMs = performance.now() - started;
    await sleep(2000); // let the last writes' garbage settle into the peak (or not)
    const rows = [];
    for (const p of procs) {
      const m = memory(p.child.pid);
      const cached = p.id === undefined ? total : await assigned(p.port, p.id);
      rows.push({ config: label, shard: p.id ?? '—', cachedFoos: cached, ...m });
    }
    return { rows, convergedMs };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const [label, shards] of [
  ['unsharded', []],
  ['1 shard', ['s0']],
  ['3 shards', ['s0', 's1', 's2']],
]) {
  const { rows, convergedMs } = await run(label, shards);
  console.error(`${label}: converged in ${String(Math.round(convergedMs))} ms`);
  results.push(...rows);
}
console.log(
  `\n### Sharding: peak RSS per process, ${String(total)} Foos (+ ${String(total)} Deployments)\n`,
);
console.log('| configuration | shard | Foos cached | peak RSS (MiB) | RSS at the end (MiB) |');
console.log('| ------------- | ----- | ----------: | -------------: | -------------------: |');
for (const r of results) {
  console.log(
    `| ${r.config} | ${r.shard} | ${String(r.cachedFoos)} | ${r.peakMiB.toFixed(1)} | ${r.rssMiB.toFixed(1)} |`,
  );
}
