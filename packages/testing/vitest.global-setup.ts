// Builds the `kubecache-test-apiserver` binary (dist/bin.js and its chunk, as tsup.config.ts
// does) before the tests if it is missing or older than src/, for the test that runs it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const out = join(dir, 'dist', 'bin.js');
  const newestSrc = Math.max(
    ...readdirSync(join(dir, 'src')).map((f) => statSync(join(dir, 'src', f)).mtimeMs),
  );
  if (!existsSync(out) || statSync(out).mtimeMs < newestSrc) {
    const tsup = join(dir, '..', '..', 'node_modules', 'tsup', 'dist', 'cli-default.js');
    execFileSync(
      process.execPath,
      [
        tsup,
        '--no-config',
        'src/bin.ts',
        'src/bin-main.ts',
        '--format',
        'esm',
        '--target',
        'node20',
        '--platform',
        'node',
        '--sourcemap',
      ],
      { cwd: dir, stdio: 'inherit' },
    );
  }
}
