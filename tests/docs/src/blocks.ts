// Code blocks of the READMEs: which files, which blocks, and what kind (type-checked, runnable).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root (e.g. `packages/store/README.md`). */
  file: string;
  /** 1-based number of the block among the file's checked blocks (`ts`, `typescript`, `js`, `mjs`). */
  index: number;
  /** 1-based line of the first code line in the Markdown file. */
  line: number;
  /** The fence's language: `ts`, `typescript`, `js` or `mjs`. */
  lang: 'ts' | 'typescript' | 'js' | 'mjs';
  /** Words after the language on the fence line, e.g. `['runnable']`. */
  meta: string[];
  code: string;
}

const CHECKED = new Set(['ts', 'typescript', 'js', 'mjs']);

/**
 * The `ts`/`typescript`/`js`/`mjs` blocks of a Markdown text, in order. Fences may be indented
 * (inside list items); the indentation of the fence is removed from the code lines.
 */
export function extractBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '```', lang = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (
        l.trim().startsWith(fence[0]!.repeat(fence.length)) &&
        l.trim().replace(/[`~]/g, '') === ''
      )
        break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    if (CHECKED.has(lang)) {
      blocks.push({
        file,
        index: blocks.length + 1,
        line: i + 2,
        lang: lang as CodeBlock['lang'],
        meta: rest.split(/\s+/).filter(Boolean),
        code: `${body.join('\n')}\n`,
      });
    }
    i = j;
  }
  return blocks;
}

/** Whether a block is run (and not only type-checked): `ts runnable`, or any `js`/`mjs` block. */
export function isRunnable(block: CodeBlock): boolean {
  return block.lang === 'js' || block.lang === 'mjs' || block.meta.includes('runnable');
}

/**
 * Whether a block is a vitest test file: ` ```ts vitest `. It is type-checked like every `ts`
 * block and run, as written, as one test file of a vitest run (see `runVitestBlocks`).
 */
export function isVitestSuite(block: CodeBlock): boolean {
  return isTypeScript(block) && block.meta.includes('vitest');
}

/** Whether a block is type-checked: every `ts`/`typescript` block. */
export function isTypeScript(block: CodeBlock): boolean {
  return block.lang === 'ts' || block.lang === 'typescript';
}

/** The README.md files the docs test covers: the root's, and those of packages/* and apps/*. */
export function readmeFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  for (const dir of ['packages', 'apps']) {
    if (!existsSync(join(root, dir))) continue;
    for (const d of readdirSync(join(root, dir)).sort()) {
      const f = join(root, dir, d, 'README.md');
      if (existsSync(f)) files.push(f);
    }
  }
  return files.filter((f) => existsSync(f)).map((f) => relative(root, f));
}

/** Every checked block of every covered README. */
export function allBlocks(root: string): CodeBlock[] {
  return readmeFiles(root).flatMap((f) => extractBlocks(f, readFileSync(join(root, f), 'utf8')));
}

/** A stable id for messages and file names: `packages/store/README.md#2`. */
export function blockId(block: CodeBlock): string {
  return `${block.file}#${block.index}`;
}
