import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CodeBlock } from './blocks.js';
import { runBlock, typeCheck } from './check.js';

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
});
