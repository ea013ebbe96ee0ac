// The binary checks the Node version before it loads @kubernetes/client-node: on Node 20 (the
// system Node of the CI machines) `--help` prints one line saying what it needs and how to run
// it, and exits 2 — not an undici stack. Unit tests of the check, then the built binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mainJs } from './test-support/binary.js';
import { minNodeForClientNode2, nodeAtLeast, runtimeProblem } from './runtime-check.js';

describe('runtimeProblem', () => {
  it('compares major then minor', () => {
    expect(nodeAtLeast('20.20.2', '22.19')).toBe(false);
    expect(nodeAtLeast('22.18.9', '22.19')).toBe(false);
    expect(nodeAtLeast('22.19.0', '22.19')).toBe(true);
    expect(nodeAtLeast('v24.9.0', '22.19')).toBe(true);
    expect(nodeAtLeast('23.0.0', '22.19')).toBe(true);
  });

  it('names what it needs, the Node found and a command that runs it', () => {
    expect(runtimeProblem('20.20.2', 'dist/main.js --help')).toBe(
      'pod-printer needs Node ≥ 22.19 with @kubernetes/client-node 2.x (found 20.20.2): run it with Node 22.19 or later, e.g. `npx -p node@24 node dist/main.js --help`, or `npm run demo` in the kubecache repository (its scripts use Node 24 from node_modules)',
    );
    expect(runtimeProblem('22.19.0', 'dist/main.js')).toBeUndefined();
    expect(minNodeForClientNode2).toBe('22.19');
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
    const r = spawnSync(node, [mainJs, '--help'], { encoding: 'utf8', timeout: 30_000 });
    if (nodeAtLeast(version, minNodeForClientNode2)) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage: pod-printer/);
      return;
    }
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `pod-printer needs Node ≥ 22.19 with @kubernetes/client-node 2.x (found ${version}): run it with Node 22.19 or later, e.g. \`npx -p node@24 node ${mainJs} --help\`, or \`npm run demo\` in the kubecache repository (its scripts use Node 24 from node_modules)\n`,
    );
    expect(r.stderr).not.toMatch(/undici|\n\s+at /);
  });
});
