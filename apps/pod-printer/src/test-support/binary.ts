// Helpers of the end-to-end tests: run the built binary (dist/main.js) against an in-process API
// server, collect its output, wait for conditions. Children are SIGKILLed after each test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { makePod, startApiServer, type ApiServer, type ApiServerOptions } from '@kubecache/testing';

export const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

const children: ChildProcess[] = [];
const servers: ApiServer[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await s.close();
});

/** A running pod-printer. */
export interface Run {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

/** Spawns `node dist/main.js ...args` with `env` added. */
export function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [mainJs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Starts a server (closed after the test) with `pods` pods in namespace `ns`. */
export async function startServer(
  pods = 3,
  options: ApiServerOptions = {},
): Promise<{ server: ApiServer; kubeconfig: string }> {
  const server = await startApiServer(options);
  servers.push(server);
  for (let i = 0; i < pods; i++)
    server.create('pods', makePod({ namespace: 'ns', name: `p${i}`, index: i, phase: 'Pending' }));
  return { server, kubeconfig: writeKubeconfig(server.kubeConfigYaml()) };
}

/** Writes a kubeconfig into a fresh temporary directory; returns its path. */
export function writeKubeconfig(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pod-printer-')), 'kubeconfig');
  writeFileSync(path, yaml);
  return path;
}

/** Polls `cond` every 20 ms; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The exit code, or a failure naming the output if the process is still running after `ms`. */
export async function exitCode(p: Run, ms = 10_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`still running after ${ms} ms; stdout: ${p.out()} stderr: ${p.err()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([p.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}
