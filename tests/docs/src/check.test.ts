import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CodeBlock } from './blocks.js';
import { runBlock, runVitestBlocks, typeCheck } from './check.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(root, 'tests', 'docs', 'node_modules', '.readme-blocks', 'self-test');
const block = (code: string, over: Partial<CodeBlock> = {}): CodeBlock => ({
  file: 'self-test/README.md',
  index: 1,
  line: 10,
  lang: 'ts',
  meta: [],
  code,
  ...over,
});

describe('the docs checker', () => {
  it('reports strict-mode errors at their README line, and @kubecache imports resolve to the built types', () => {
    const errors = typeCheck(root, dir, [
      block(
        "import { createStore } from '@kubecache/store';\nconst s = createStore();\nconst x: string = s.listKeys()[0];\n",
      ),
      block('const m: { a?: string } = { a: undefined };\n', { index: 2, line: 40 }),
    ]);
    expect(errors.get('self-test/README.md#1')?.map((e) => [e.line, e.code])).toEqual([[12, 2322]]); // noUncheckedIndexedAccess
    expect(errors.get('self-test/README.md#2')?.map((e) => [e.line, e.code])).toEqual([[40, 2375]]); // exactOptionalPropertyTypes
  });

  it('runs a block with the given environment and reports its exit code', async () => {
    const ok = await runBlock(dir, block('console.log(process.env.KUBECONFIG);\n'), {
      KUBECONFIG: '/x',
    });
    expect([ok.code, ok.stdout]).toEqual([0, '/x\n']);
    const bad = await runBlock(
      dir,
      block("throw new Error('boom');\n", { lang: 'mjs', index: 3 }),
      {},
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('boom');
  });

  it('runs ```ts vitest blocks as test files: counts passes, and fails a failed assertion (at its README line) and a leaked handle', async () => {
    const vitestDir = join(
      root,
      'tests',
      'docs',
      'node_modules',
      '.readme-blocks',
      'self-test-vitest',
    );
    const test = (body: string): string =>
      `import { expect, it } from 'vitest';\nimport { createServer } from 'node:net';\n${body}`;
    const run = await runVitestBlocks(vitestDir, [
      block(test("it('a', () => expect(1).toBe(1));\nit('b', () => expect(2).toBe(2));\n"), {
        index: 4,
      }),
      block(test("it('c', () => {\n  expect(1).toBe(2);\n});\n"), { index: 5, line: 100 }),
      block(test("it('d', () => {\n  createServer().listen(0);\n});\n"), { index: 6 }),
    ]);
    const [ok, failed, leaked] = run.files;
    expect(run.code).toBe(1);
    expect([ok?.passed, ok?.failures]).toEqual([2, []]);
    expect(failed?.passed).toBe(0);
    expect(failed?.failures.join('\n')).toMatch(
      /^c: failed [^]*expected 1 to be 2[^]*self-test\/README\.md:103/,
    );
    expect(leaked?.passed).toBe(1);
    expect(leaked?.failures.join('\n')).toContain(
      'handles left open after the tests (not closed in teardown): TCPServerWrap x1',
    );
  });
});
