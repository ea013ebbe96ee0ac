// Runs the two seed examples (examples/toy.mjs, examples/trial.mjs) against the in-process server.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
// @ts-expect-error -- plain JavaScript example without type declarations
import { runToy } from '../examples/toy.mjs';
// @ts-expect-error -- plain JavaScript example without type declarations
import { runTrial } from '../examples/trial.mjs';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
});

const until = async (cond: () => boolean): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 8000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('seed examples', () => {
  it('toy: prints the pod keys periodically, with creates and deletes appearing and disappearing', async () => {
    server = await startApiServer();
    server.create('pods', makePod({ namespace: 'default', name: 'first' }));
    const lines: string[] = [];
    const ac = new AbortController();
    const done = (runToy as (o: object) => Promise<unknown>)({
      kubeConfig: server.kubeConfig,
      signal: ac.signal,
      intervalMs: 20,
      print: (l: string) => lines.push(l),
    });
    await until(() => lines.includes('pods: default/first'));
    server.create('pods', makePod({ namespace: 'default', name: 'second' }));
    await until(() => lines.includes('pods: default/first default/second'));
    server.delete('pods', 'default', 'first');
    await until(() => lines.at(-1) === 'pods: default/second');
    ac.abort();
    await done;
  });

  it('trial: a Reflector feeding a DeltaFIFO prints "Type: <delta> Name: <pod>" for each delta', async () => {
    server = await startApiServer();
    server.create('pods', makePod({ namespace: 'default', name: 'a' }));
    const lines: string[] = [];
    const ac = new AbortController();
    const done = (runTrial as (o: object) => Promise<unknown>)({
      kubeConfig: server.kubeConfig,
      signal: ac.signal,
      print: (l: string) => lines.push(l),
    });
    await until(() => lines.includes('Type: Replaced Name: a'));
    server.create('pods', makePod({ namespace: 'default', name: 'b' }));
    server.patch('pods', 'default', 'b', { status: { phase: 'Succeeded' } });
    server.delete('pods', 'default', 'a');
    await until(() => lines.includes('Type: Deleted Name: a'));
    expect(lines).toEqual([
      'Type: Replaced Name: a',
      'Type: Added Name: b',
      'Type: Updated Name: b',
      'Type: Deleted Name: a',
    ]);
    ac.abort();
    await done;
  });
});

describe('the examples in the published package', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    files: string[];
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  // What `npm i @kubecache/reflector @kubernetes/client-node` gives; the trial also needs the
  // DeltaFIFO, which its header and the README say to install.
  const installed = new Set([
    '@kubecache/reflector',
    ...Object.keys(pkg.dependencies),
    ...Object.keys(pkg.peerDependencies),
  ]);
  const extra: Record<string, string[]> = { 'trial.mjs': ['@kubecache/deltafifo'] };

  it('ship in the tarball the README links them from', () => {
    expect(pkg.files).toContain('examples');
  });

  for (const file of ['toy.mjs', 'trial.mjs']) {
    it(`${file} imports only packages by name (no relative paths), all installed with the reflector`, () => {
      const source = readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8');
      const specifiers = [...source.matchAll(/^import [^;]*? from '([^']+)';/gms)].map(
        (m) => m[1]!,
      );
      expect(specifiers.length).toBeGreaterThan(0);
      for (const spec of specifiers) {
        expect(spec.startsWith('.') || spec.startsWith('/')).toBe(false);
        expect([...installed, ...(extra[file] ?? [])]).toContain(spec);
      }
      if (extra[file]) expect(source).toContain(`npm i ${extra[file].join(' ')}`);
    });
  }
});
