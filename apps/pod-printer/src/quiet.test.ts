// `npm run demo` builds quietly (scripts/quiet.mjs) before the demo starts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const quiet = fileURLToPath(new URL('../scripts/quiet.mjs', import.meta.url));
const rootPackage = fileURLToPath(new URL('../../../package.json', import.meta.url));
// A build that writes 245 lines and ends with `code`. It sets process.exitCode rather than calling
// process.exit(), which can drop stdout still queued for the pipe: a loaded CI machine once got
// 178 of the 245 lines that way (the test then blamed quiet.mjs).
const noisy = (code: number): string[] => [
  '-e',
  `for (let i = 0; i < 245; i++) console.log('build line ' + i); process.exitCode = ${code};`,
];

describe('the quiet build of npm run demo', () => {
  it('prints one line instead of the build log when the build succeeds', () => {
    const r = spawnSync(
      process.execPath,
      [quiet, 'built pod-printer', process.execPath, ...noisy(0)],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^built pod-printer in \d+\.\d s\n$/);
  });

  it('shows the whole log and the exit code when the build fails', () => {
    const r = spawnSync(process.execPath, [quiet, 'build', process.execPath, ...noisy(3)], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('build line 0\n');
    expect(r.stderr).toContain('build line 244\n');
    expect(r.stderr).toMatch(/build failed \(exit 3\)\n$/);
  });

  it('is what the root `npm run demo` builds with', () => {
    const scripts = (
      JSON.parse(readFileSync(rootPackage, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['demo']).toMatch(
      /^node apps\/pod-printer\/scripts\/quiet\.mjs '[^']+' nx run @kubecache\/pod-printer:build/,
    );
    expect(scripts['demo']).toMatch(/&& node apps\/pod-printer\/dist\/main\.js --demo$/);
  });
});
