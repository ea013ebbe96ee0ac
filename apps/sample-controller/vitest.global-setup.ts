// Builds the app once before the end-to-end tests if dist/ is missing or older than src/.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const out = join(dir, 'dist', 'main.js');
  const newestSrc = Math.max(
    ...readdirSync(join(dir, 'src')).map((f) => statSync(join(dir, 'src', f)).mtimeMs),
  );
  if (!existsSync(out) || statSync(out).mtimeMs < newestSrc) {
    execFileSync(
      process.execPath,
      [join(dir, '..', '..', 'node_modules', 'tsup', 'dist', 'cli-default.js')],
      { cwd: dir, stdio: 'inherit' },
    );
  }
}
