// Type-checks README blocks the way a user's project would see them, and runs the runnable ones.
//
// Every block becomes a module file under tests/docs/node_modules/.readme-blocks/ (ignored by git,
// ESLint and Prettier; a package.json there says "type": "module"), so `@kubecache/*` resolves
// through node_modules to the packages' package.json `exports` and built `dist/*.d.ts` — what a consumer
// gets from npm, not the sources. All blocks go into ONE TypeScript program (fast: the libraries'
// types are loaded once), with the repository's tsconfig.base.json settings (strict,
// noUncheckedIndexedAccess, exactOptionalPropertyTypes, module nodenext) minus the unused-locals
// checks (a snippet may show a value without using it).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { blockId, type CodeBlock } from './blocks.js';

/** One compiler error, located in the README. */
export interface BlockError {
  block: CodeBlock;
  /** 1-based line in the README. */
  line: number;
  code: number;
  message: string;
}

const fileName = (b: CodeBlock): string =>
  `${b.file.replace(/\/?README\.md$/, '').replace(/[^\w]+/g, '-') || 'root'}-${b.index}`;

/** The compiler options: tsconfig.base.json's, for type-checking only. */
export function compilerOptions(root: string): ts.CompilerOptions {
  const path = join(root, 'tsconfig.base.json');
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const json = read.config as { compilerOptions?: object };
  const { options, errors } = ts.convertCompilerOptionsFromJson(json.compilerOptions ?? {}, root);
  if (errors.length > 0)
    throw new Error(
      errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'),
    );
  return {
    ...options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/**
 * Type-checks `blocks` in one program, in `dir` (recreated). Returns the errors per block id
 * (blocks without errors are absent).
 */
export function typeCheck(
  root: string,
  dir: string,
  blocks: readonly CodeBlock[],
): Map<string, BlockError[]> {
  rmSync(dir, { recursive: true, force: true });
  makeDir(dir);
  const byFile = new Map<string, CodeBlock>();
  for (const b of blocks) {
    const f = join(dir, `${fileName(b)}.ts`);
    // `export {}` makes every block a module (its own scope; top-level await allowed).
    writeFileSync(f, `${b.code}export {};\n`);
    byFile.set(f, b);
  }
  const program = ts.createProgram([...byFile.keys()], compilerOptions(root));
  const errors = new Map<string, BlockError[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const block = d.file ? byFile.get(d.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!block) {
      // A global problem (options, a broken .d.ts): blame every block, loudly.
      for (const b of blocks) push(errors, { block: b, line: b.line, code: d.code, message });
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    push(errors, { block, line: block.line + line, code: d.code, message });
  }
  return errors;
}

/** Creates `dir` as an ES module scope (a README's imports and top-level await work as in a user's ESM project). */
function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
}

function push(map: Map<string, BlockError[]>, e: BlockError): void {
  const id = blockId(e.block);
  map.set(id, [...(map.get(id) ?? []), e]);
}

/** The result of running a block. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a block with Node in `dir` (TypeScript is transpiled first), with `env` added to the
 * environment (e.g. KUBECONFIG). Killed after `timeoutMs`.
 */
export async function runBlock(
  dir: string,
  block: CodeBlock,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<RunResult> {
  makeDir(dir);
  const js =
    block.lang === 'ts' || block.lang === 'typescript'
      ? ts.transpileModule(`${block.code}export {};\n`, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
        }).outputText
      : block.code;
  const file = join(dir, `${fileName(block)}.run.mjs`);
  writeFileSync(file, js);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** `file:line TS1234 message` lines for a report. */
export function formatErrors(errors: readonly BlockError[]): string {
  return errors.map((e) => `${e.block.file}:${e.line} TS${e.code} ${e.message}`).join('\n');
}
