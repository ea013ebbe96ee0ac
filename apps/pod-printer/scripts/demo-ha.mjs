#!/usr/bin/env node
// `npm run demo:ha`: pod-printer's leader election, shown and measured. Starts the in-process API
// server (@kubecache/testing) with realistic pods and slow churn, then two pod-printer replicas
// with --leader-elect sharing its kubeconfig. Once the leader prints, it is SIGKILLed (no lease
// release, like a crashed node); the standby takes over when the Lease expires, and the measured
// takeover time is printed. The killed replica is then started again and stands by. Ends by itself.
//
// Usage: node scripts/demo-ha.mjs [--pods N] [--lease-duration 4s --renew-deadline 3s --retry-period 1s]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makePod, startApiServer, startChurn } from '@kubecache/testing';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '20' },
    'lease-duration': { type: 'string', default: '4s' },
    'renew-deadline': { type: 'string', default: '3s' },
    'retry-period': { type: 'string', default: '1s' },
  },
});
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const say = (line) => process.stdout.write(`demo:ha  ${line}\n`);

const server = await startApiServer({ bookmarkIntervalMs: 10_000 });
const namespaces = ['default', 'shop', 'search'];
for (let i = 0; i < Number(values.pods); i++)
  server.create(
    'pods',
    makePod({ namespace: namespaces[i % namespaces.length], name: `app-${i}`, index: i }),
  );
const dir = mkdtempSync(join(tmpdir(), 'pod-printer-ha-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, server.kubeConfigYaml());
const churnStop = new AbortController();
const churn = startChurn(server, {
  ratePerSecond: 1,
  signal: churnStop.signal,
  namespaces,
  targetPods: Number(values.pods),
});
const timings = [
  '--lease-duration',
  values['lease-duration'],
  '--renew-deadline',
  values['renew-deadline'],
  '--retry-period',
  values['retry-period'],
];
say(`API server ${server.url}, ${values.pods} pods, 1 change/s; kubeconfig ${kubeconfig}`);
say(`two replicas: pod-printer --leader-elect ${timings.join(' ')}`);

/** Starts replica `name`; its stdout lines are shown prefixed, and kept for waiting on. */
function replica(name) {
  const child = spawn(
    process.execPath,
    [
      main,
      '--kubeconfig',
      kubeconfig,
      '-o',
      'lines',
      '--interval',
      '1h',
      '--leader-elect',
      '--lease-name',
      'pod-printer-demo',
      '--identity',
      name,
      ...timings,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const r = { name, child, lines: [], waiters: [] };
  let buf = '';
  child.stdout.on('data', (chunk) => {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      r.lines.push(line);
      process.stdout.write(`[${name}] ${line}\n`);
      for (const w of r.waiters.splice(0)) w();
    }
  });
  child.on('exit', () => {
    for (const w of r.waiters.splice(0)) w();
  });
  return r;
}

/** Resolves when replica `r` printed a line starting with `prefix` (after index `from`). */
async function waitFor(r, prefix, from = 0, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    if (r.lines.slice(from).some((l) => l.startsWith(prefix))) return;
    if (Date.now() - t0 > timeoutMs || r.child.exitCode !== null)
      throw new Error(`${r.name} did not print ${prefix} (exit ${r.child.exitCode})`);
    await new Promise((resolve) => {
      r.waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const replicas = [replica('replica-1')];
let code = 0;
try {
  await waitFor(replicas[0], 'LEADING');
  replicas.push(replica('replica-2'));
  await waitFor(replicas[1], 'STANDBY');
  await sleep(3000); // let the leader print some churn while replica-2 stands by
  const [leader, standby] = replicas;
  const from = standby.lines.length;
  say(`SIGKILL ${leader.name} (the leader; its Lease is not released)`);
  const killedAt = Date.now();
  leader.child.kill('SIGKILL');
  await waitFor(standby, 'LEADING', from);
  const takeoverMs = Date.now() - killedAt;
  say(
    `${standby.name} took over ${(takeoverMs / 1000).toFixed(1)} s after the SIGKILL ` +
      `(lease ${values['lease-duration']}, retry ${values['retry-period']}: expected ≤ lease + 2.2 × retry)`,
  );
  await sleep(2000);
  say(`restarting ${leader.name}: it stands by`);
  replicas[0] = replica(leader.name);
  await waitFor(replicas[0], 'STANDBY');
  await sleep(2000);
  process.stdout.write(`TAKEOVER_MS ${takeoverMs}\n`);
} catch (err) {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  code = 1;
} finally {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGTERM');
  await Promise.all(
    replicas.map((r) =>
      r.child.exitCode !== null ? undefined : new Promise((res) => r.child.on('exit', res)),
    ),
  );
  churnStop.abort();
  await churn;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
