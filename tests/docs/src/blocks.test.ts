import { describe, expect, it } from 'vitest';
import { extractBlocks, isRunnable, isTypeScript, isVitestSuite } from './blocks.js';

const md = [
  '# Title',
  '```sh',
  'npm i x',
  '```',
  '```ts',
  "import { a } from 'a';",
  '```',
  '- a list item:',
  '',
  '  ```ts runnable',
  '  console.log(1);',
  '  ```',
  '```ts vitest',
  "it('x', () => {});",
  '```',
  '````mjs',
  '```',
  '````',
].join('\n');

describe('README block extraction', () => {
  it('finds ts (vitest too), typescript, js and mjs blocks, indented ones too, with their line and meta', () => {
    const blocks = extractBlocks('README.md', md);
    expect(blocks.map((b) => [b.index, b.line, b.lang, b.meta, b.code])).toEqual([
      [1, 6, 'ts', [], "import { a } from 'a';\n"],
      [2, 11, 'ts', ['runnable'], 'console.log(1);\n'],
      [3, 14, 'ts', ['vitest'], "it('x', () => {});\n"],
      [4, 17, 'mjs', [], '```\n'],
    ]);
    expect(blocks.map(isRunnable)).toEqual([false, true, false, true]);
    expect(blocks.map(isTypeScript)).toEqual([true, true, true, false]);
    expect(blocks.map(isVitestSuite)).toEqual([false, false, true, false]);
  });
});
