// The built binary in --demo mode: it syncs the seeded Foos, refuses the hand-made Deployment,
// and exits 0 on SIGINT after draining.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('sample-controller --demo', () => {
  it('reconciles the demo Foos, warns about the Deployment it does not own, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [main, '--demo', '--log-level', 'info'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (err.includes('ErrResourceExists') && err.includes('Foo synced successfully')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(err).toContain('Foo synced successfully');
    expect(err).toContain('Resource \\"hand-made\\" already exists and is not managed by Foo');
    expect(code).toBe(0);
  });
});
