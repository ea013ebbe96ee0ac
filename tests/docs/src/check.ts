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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/** What a ` ```ts vitest ` block did as a test file. */
export interface VitestFileResult {
  block: CodeBlock;
  /** Tests that passed. */
  passed: number;
  /**
   * `name: message` per failed test, and the file's own failures (an import that throws, a hook
   * that fails, handles left open: see {@link runVitestBlocks}); README lines instead of the
   * temp file's.
   */
  failures: string[];
}

/** The result of {@link runVitestBlocks}. */
export interface VitestRun {
  /** vitest's exit code (`null` if killed). */
  code: number | null;
  timedOut: boolean;
  /** One entry per block, in order; a block vitest did not report has `passed: 0` and a failure. */
  files: VitestFileResult[];
  stdout: string;
  stderr: string;
}

// Loaded before each block's test file: after the file's own hooks (vitest runs `afterAll` hooks
// in reverse order of registration), every handle that was not there before its tests — a
// server, a socket, a timer — must be gone within 2 s, or the file fails.
const leakCheck = `import { afterAll, beforeAll } from 'vitest';
const count = (list) => list.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map());
let before = new Map();
beforeAll(() => { before = count(process.getActiveResourcesInfo()); });
afterAll(async () => {
  const deadline = Date.now() + 2000;
  for (;;) {
    const now = count(process.getActiveResourcesInfo());
    const left = [...now].filter(([t, n]) => n > (before.get(t) ?? 0)).map(([t, n]) => \`\${t} x\${n - (before.get(t) ?? 0)}\`);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(\`handles left open after the tests (not closed in teardown): \${left.join(', ')}\`);
    await new Promise((r) => setTimeout(r, 20));
  }
});
`;

/**
 * Runs ` ```ts vitest ` blocks, each as written in its README, as the test files of ONE vitest
 * run in `dir` (recreated), with vitest's defaults (no aliases: `@kubecache/*` resolve through
 * node_modules to the built packages, as in a user's project) plus a setup file that fails a file
 * whose tests leave handles open. vitest is run by the Node running this (`process.execPath`),
 * without the calling vitest's `VITEST*` environment; killed after `timeoutMs`.
 */
export async function runVitestBlocks(
  dir: string,
  blocks: readonly CodeBlock[],
  timeoutMs = 120_000,
): Promise<VitestRun> {
  rmSync(dir, { recursive: true, force: true });
  makeDir(dir);
  const files = blocks.map((b) => ({ block: b, name: `${fileName(b)}.test.ts` }));
  for (const f of files) writeFileSync(join(dir, f.name), f.block.code);
  writeFileSync(join(dir, 'leak-check.mjs'), leakCheck);
  const config = { test: { include: files.map((f) => f.name), setupFiles: ['./leak-check.mjs'] } };
  writeFileSync(join(dir, 'vitest.config.mjs'), `export default ${JSON.stringify(config)};\n`);
  const report = join(dir, 'report.json');
  const vitest = join(
    dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
    'vitest.mjs',
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')),
  );
  const args = [vitest, 'run', '--root', dir, '--reporter=json', `--outputFile=${report}`];
  const run = await new Promise<Omit<VitestRun, 'files'>>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env,
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
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
  const json = existsSync(report)
    ? (JSON.parse(readFileSync(report, 'utf8')) as JsonReport)
    : undefined;
  return {
    ...run,
    files: files.map(({ block, name }) => {
      const toReadme = (text: string): string =>
        text
          .replaceAll(
            new RegExp(`[^\\s(]*${name.replace(/[.]/g, '\\.')}:(\\d+)(:\\d+)?`, 'g'),
            (_, line: string) => `${block.file}:${block.line + Number(line) - 1}`,
          )
          .split('\n')
          .filter((l) => !/^\s+at .*(\/node_modules\/|<anonymous>)/.test(l)) // vitest's own frames
          .join('\n');
      const result = json?.testResults.find((r) => r.name.endsWith(`/${name}`));
      if (result === undefined)
        return { block, passed: 0, failures: [`${name}: not reported by vitest`] };
      const failures = result.assertionResults
        .filter((a) => a.status !== 'passed')
        .map((a) => `${a.fullName}: ${a.status} ${toReadme(a.failureMessages.join('\n'))}`)
        // vitest's JSON report gives a timeout only the stack of its placeholder error
        .map((f) =>
          f.replace(/Error: STACK_TRACE_ERROR/g, 'timed out (vitest testTimeout/hookTimeout)'),
        );
      if (result.status !== 'passed' && result.message) failures.push(toReadme(result.message));
      if (result.status !== 'passed' && failures.length === 0)
        failures.push(`file ${result.status}`);
      const passed = result.assertionResults.filter((a) => a.status === 'passed').length;
      return { block, passed, failures };
    }),
  };
}

/** The part of vitest's JSON reporter output read here. */
interface JsonReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}
