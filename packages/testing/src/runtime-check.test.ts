// `kubecache-test-apiserver` checks the Node version against the installed client-node before it
// loads client-node: on Node 20 with client-node 2.x, `--help` prints one line saying what it
// needs and how to run it, and exits 2 — not an undici stack. The Node rules are
// @kubecache/core/runtime-check's (unit-tested there); here the client-node version read, then the
// built binary (vitest.global-setup.ts builds it) under every Node of this machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { minNodeForClientNode2, nodeAtLeast } from '@kubecache/core/runtime-check';
import { installedClientNodeVersion } from './runtime-check.js';

const binJs = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('installedClientNodeVersion', () => {
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
