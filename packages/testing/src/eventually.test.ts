import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('retries until the function stops throwing and returns its value', async () => {
    let calls = 0;
    const v = await eventually(
      () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    expect(v).toBe('done');
    expect(calls).toBe(3);
  });

  it('awaits async functions and rethrows the last failure after the timeout', async () => {
    const t0 = Date.now();
    await expect(
      eventually(
        async () => {
          await Promise.resolve();
          expect(1).toBe(2);
        },
        { timeoutMs: 50, intervalMs: 5 },
      ),
    ).rejects.toThrow(/still failing after 50 ms: expected 1 to be 2/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it('keeps a thrown non-Error as the cause of its error and names it in the message', async () => {
    let calls = 0;
    const err: unknown = await eventually(
      () => {
        calls++;
        throw `attempt ${calls}`; // eslint-disable-line @typescript-eslint/only-throw-error
      },
      { timeoutMs: 20, intervalMs: 1 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      `eventually: still failing after 20 ms: "attempt ${calls}"`,
    );
    expect((err as Error).cause).toBe(`attempt ${calls}`);
  });

  it('bounds the text of a thrown non-Error and survives one that cannot be printed', async () => {
    const long = await eventually(
      () => {
        throw { toString: () => 'x'.repeat(1000) }; // eslint-disable-line @typescript-eslint/only-throw-error
      },
      { timeoutMs: 5, intervalMs: 1 },
    ).catch((e: unknown) => e);
    expect((long as Error).message).toBe(
      `eventually: still failing after 5 ms: ${'x'.repeat(200)}…`,
    );
    const hostile = await eventually(
      () => {
        throw Object.create(null) as object; // eslint-disable-line @typescript-eslint/only-throw-error
      },
      { timeoutMs: 5, intervalMs: 1 },
    ).catch((e: unknown) => e);
    expect((hostile as Error).message).toBe(
      'eventually: still failing after 5 ms: [object Object]',
    );
  });
});

/** vitest's default test timeout (ms), which users' suites run under unless they set one. */
const vitestDefaultTestTimeoutMs = 5000;

describe('eventually under vitest defaults', () => {
  // A condition that never holds, waited for with eventually's default options after some work
  // (0.5 s, like starting an informer), in a vitest run with vitest's own defaults (a child
  // process: this suite sets a longer testTimeout).
  it(
    'fails with its own error and the last assertion, not "Test timed out"',
    { timeout: 120_000 },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'eventually-default-'));
      try {
        const source = pathToFileURL(fileURLToPath(new URL('./eventually.ts', import.meta.url)));
        writeFileSync(
          join(dir, 'never.test.ts'),
          [
            `import { expect, it } from 'vitest';`,
            `import { eventually } from ${JSON.stringify(source.href)};`,
            `it('never holds', async () => {`,
            `  await new Promise((resolve) => setTimeout(resolve, 500));`,
            `  await eventually(() => expect(1).toBe(2));`,
            `});`,
          ].join('\n'),
        );
        writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {};\n');
        const vitest = join(
          dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
          'vitest.mjs',
        );
        const report = join(dir, 'report.json');
        const env = Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')),
        );
        const r = spawnSync(
          process.execPath,
          [vitest, 'run', '--root', dir, '--reporter=json', `--outputFile=${report}`],
          { cwd: dir, env, encoding: 'utf8', timeout: 100_000 },
        );
        expect(r.status, r.stderr).toBe(1); // the test failed (and vitest ran)
        const json = JSON.parse(readFileSync(report, 'utf8')) as {
          testResults: { assertionResults: { status: string; failureMessages: string[] }[] }[];
        };
        const [result] = json.testResults.flatMap((f) => f.assertionResults);
        expect(result?.status).toBe('failed');
        const message = result?.failureMessages.join('\n') ?? '';
        expect(message).not.toMatch(/timed out/i);
        expect(message).toMatch(/eventually: still failing after \d+ ms: expected 1 to be 2/);
        const after = Number(/still failing after (\d+) ms/.exec(message)?.[1]);
        expect(after).toBeLessThan(vitestDefaultTestTimeoutMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
