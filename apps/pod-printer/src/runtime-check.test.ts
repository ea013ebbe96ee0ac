// The binary checks the Node version before it loads @kubernetes/client-node: on Node 20 (the
// system Node of the CI machines) `--help` prints one line saying what it needs and how to run
// it, and exits 2 — not an undici stack (the check is @kubecache/core/runtime-check, unit-tested
// there). The built binary under every Node of this machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mainJs } from './test-support/binary.js';
import { minNodeForClientNode2, nodeAtLeast } from '@kubecache/core/runtime-check';

/** The machine's own Node binaries (the CI machines have Node 20 there), and this Node. */
const nodes = ['/usr/bin/node', '/usr/local/bin/node', process.execPath].filter((p) =>
  existsSync(p),
);

describe('the built binary under every Node of this machine', () => {
  it.each(nodes)('%s --help: the usage on Node ≥ 22.19, else one line and exit 2', (node) => {
    const version = spawnSync(node, ['-p', 'process.versions.node'], {
      encoding: 'utf8',
    }).stdout.trim();
    const r = spawnSync(node, [mainJs, '--help'], { encoding: 'utf8', timeout: 30_000 });
    if (nodeAtLeast(version, minNodeForClientNode2)) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage: pod-printer/);
      return;
    }
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `pod-printer needs Node ≥ 22.19 with @kubernetes/client-node 2.x (found Node ${version}): run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${mainJs} --help\`, or \`npm run demo\` in the kubecache repository (its scripts use Node 24 from node_modules)\n`,
    );
    expect(r.stderr).not.toMatch(/undici|\n\s+at /);
  });
});
