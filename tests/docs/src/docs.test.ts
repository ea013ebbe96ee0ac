// The READMEs' code compiles, and the runnable blocks run. See README.md of this folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';
import { allBlocks, blockId, isRunnable, isTypeScript, isVitestSuite } from './blocks.js';
import { formatErrors, runBlock, runVitestBlocks, typeCheck, type BlockError } from './check.js';
import { knownFailures } from './known-failures.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(root, 'tests', 'docs', 'node_modules', '.readme-blocks', 'readmes');
const blocks = allBlocks(root);
let errors: Map<string, BlockError[]>;

beforeAll(() => {
  errors = typeCheck(root, dir, blocks.filter(isTypeScript));
});

describe('README code blocks', () => {
  it('are found in the root README and the package and app READMEs', () => {
    const files = new Set(blocks.map((b) => b.file));
    for (const f of [
      'README.md',
      'packages/store/README.md',
      'packages/reflector/README.md',
      'apps/pod-printer/README.md',
    ])
      expect(files).toContain(f);
    expect(blocks.filter(isTypeScript).length).toBeGreaterThanOrEqual(10);
  });

  it('type-check under strict settings against the built packages (except the listed known failures)', () => {
    const unexpected = [...errors].filter(([id]) => !knownFailures.has(id)).flatMap(([, e]) => e);
    expect(formatErrors(unexpected)).toBe('');
  });

  it('listed as known failures still fail with the recorded error (delete the entry of a fixed block)', () => {
    const stale: string[] = [];
    for (const [id, known] of knownFailures) {
      if (!blocks.some((b) => blockId(b) === id)) stale.push(`${id}: no such block any more`);
      else {
        const first = errors.get(id)?.[0];
        const shown = first ? `TS${first.code} ${first.message}` : 'compiles';
        if (!shown.includes(known.error))
          stale.push(`${id}: expected "${known.error}", got "${shown}"`);
      }
    }
    expect(stale).toEqual([]);
  });
});

describe('runnable README blocks (```ts runnable, ```js, ```mjs)', () => {
  let server: ApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    server = await startApiServer();
    for (let i = 0; i < 5; i++)
      server.create('pods', makePod({ namespace: 'default', name: `web-${i}`, index: i }));
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'docs-test-')), 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeConfigYaml());
  });
  afterAll(async () => {
    await server.close();
  });

  it('run to exit 0 with KUBECONFIG pointing at the in-process API server', async () => {
    const runnable = blocks.filter(isRunnable);
    expect(runnable.length).toBeGreaterThan(0);
    const failed: string[] = [];
    for (const b of runnable) {
      const r = await runBlock(dir, b, { KUBECONFIG: kubeconfig });
      if (r.code !== 0)
        failed.push(
          `${blockId(b)} (line ${b.line}): ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}\n${r.stderr.trim()}`,
        );
    }
    expect(failed.join('\n\n')).toBe('');
  });
});

describe('vitest README blocks (```ts vitest)', () => {
  it('include the "Testing a controller" guide of @kubecache/testing', () => {
    const guide = blocks.filter((b) => b.file === 'packages/testing/README.md' && isVitestSuite(b));
    expect(guide.length).toBeGreaterThanOrEqual(1);
  });

  it('run as vitest test files against the built packages: every test passes, no handle left open', async () => {
    const suites = blocks.filter(isVitestSuite);
    const run = await runVitestBlocks(
      join(root, 'tests', 'docs', 'node_modules', '.readme-blocks', 'vitest'),
      suites,
    );
    const report = run.files.map((f) =>
      f.failures.length > 0 || f.passed === 0
        ? `${blockId(f.block)} (line ${f.block.line}): ${f.passed} passed\n${f.failures.join('\n')}`
        : '',
    );
    expect(
      report.filter(Boolean).join('\n\n') ||
        (run.code === 0
          ? ''
          : `vitest exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stderr}`),
    ).toBe('');
  });
});
