// `kubecache-test-apiserver` checks the Node version against the installed client-node before it
// loads client-node: on Node 20 with client-node 2.x, `--help` prints one line saying what it
// needs and how to run it, and exits 2 — not an undici stack. Unit tests of the check, then the
// built binary (vitest.global-setup.ts builds it) under every Node of this machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  installedClientNodeVersion,
  minNodeForClientNode2,
  nodeAtLeast,
  runtimeProblem,
} from './runtime-check.js';

const binJs = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('runtimeProblem', () => {
  it('compares major then minor', () => {
    expect(nodeAtLeast('20.20.2', '22.19')).toBe(false);
    expect(nodeAtLeast('22.18.9', '22.19')).toBe(false);
    expect(nodeAtLeast('22.19.0', '22.19')).toBe(true);
    expect(nodeAtLeast('v24.9.0', '20.19')).toBe(true);
    expect(nodeAtLeast('20.18.3', '20.19')).toBe(false);
  });

  it('client-node 2.x needs Node ≥ 22.19; 1.4 runs on Node ≥ 20.19', () => {
    expect(runtimeProblem('20.20.2', '2.0.1', 'kubecache-test-apiserver --help')).toBe(
      'kubecache-test-apiserver needs Node ≥ 22.19 with @kubernetes/client-node 2.0.1 (found Node 20.20.2): run it with Node 22.19 or later, e.g. `npx -p node@24 node kubecache-test-apiserver --help`, or install @kubernetes/client-node@1.4 (runs on Node ≥ 20.19)',
    );
    expect(runtimeProblem('22.19.0', '2.0.1', 'x')).toBeUndefined();
    expect(runtimeProblem('20.20.2', '1.4.0', 'x')).toBeUndefined();
    expect(runtimeProblem('20.18.0', '1.4.0', 'x')).toBe(
      'kubecache-test-apiserver needs Node ≥ 20.19 (found 20.18.0): run it with Node 22.19 or later, e.g. `npx -p node@24 node x`',
    );
    // No client-node found: its import then fails with Node's own message.
    expect(runtimeProblem('20.20.2', undefined, 'x')).toBeUndefined();
  });

  it('reads the installed client-node version without loading it', () => {
    expect(installedClientNodeVersion(import.meta.url)).toMatch(/^2\./);
    expect(installedClientNodeVersion('file:///nonexistent/x.js')).toBeUndefined();
  });
});

/** The machine's own Node binaries (the CI machines have Node 20 there), and this Node. */
const nodes = ['/usr/bin/node', '/usr/local/bin/node', process.execPath].filter((p) =>
  existsSync(p),
);

describe('the built binary under every Node of this machine', () => {
  it.each(nodes)('%s --help: the usage on Node ≥ 22.19, else one line and exit 2', (node) => {
    const version = spawnSync(node, ['-p', 'process.versions.node'], {
      encoding: 'utf8',
    }).stdout.trim();
    const r = spawnSync(node, [binJs, '--help'], { encoding: 'utf8', timeout: 30_000 });
    if (nodeAtLeast(version, minNodeForClientNode2)) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage: kubecache-test-apiserver/);
      return;
    }
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `kubecache-test-apiserver needs Node ≥ 22.19 with @kubernetes/client-node ${String(installedClientNodeVersion(import.meta.url))} (found Node ${version}): run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${binJs} --help\`, or install @kubernetes/client-node@1.4 (runs on Node ≥ 20.19)\n`,
    );
    expect(r.stderr).not.toMatch(/undici|\n\s+at /);
  });
});
