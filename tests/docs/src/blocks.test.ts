import { describe, expect, it } from 'vitest';
import { extractBlocks, isRunnable, isTypeScript } from './blocks.js';

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
  '````mjs',
  '```',
  '````',
].join('\n');

describe('README block extraction', () => {
  it('finds ts, typescript, js and mjs blocks, indented ones too, with their line and meta', () => {
    const blocks = extractBlocks('README.md', md);
    expect(blocks.map((b) => [b.index, b.line, b.lang, b.meta, b.code])).toEqual([
      [1, 6, 'ts', [], "import { a } from 'a';\n"],
      [2, 11, 'ts', ['runnable'], 'console.log(1);\n'],
      [3, 14, 'mjs', [], '```\n'],
    ]);
    expect(blocks.map(isRunnable)).toEqual([false, true, true]);
    expect(blocks.map(isTypeScript)).toEqual([true, true, false]);
  });
});
