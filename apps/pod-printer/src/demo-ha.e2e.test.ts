// `npm run demo:ha` (scripts/demo-ha.mjs): two --leader-elect replicas on the in-process server;
// the leader is SIGKILLed, the standby takes over, the takeover time is printed, the restarted
// replica stands by, and everything ends by itself with exit 0.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/demo-ha.mjs', import.meta.url));

describe('npm run demo:ha', () => {
  it('shows a SIGKILLed leader replaced by the standby and prints the measured takeover time', async () => {
    const child = spawn(process.execPath, [script, '--pods', '5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('[replica-1] LEADING replica-1');
    expect(out).toContain('[replica-2] STANDBY replica-2: replica-1 leads');
    expect(out).toContain('demo:ha  SIGKILL replica-1');
    expect(out).toMatch(/demo:ha {2}replica-2 took over \d+\.\d s after the SIGKILL/);
    expect(out).toContain('[replica-1] STANDBY replica-1: replica-2 leads');
    const takeoverMs = Number(/^TAKEOVER_MS (\d+)$/m.exec(out)?.[1]);
    // lease 4 s + retry period 1 s + slack (acquire jitter up to 1.2 retry periods, load), as ha.e2e
    expect(takeoverMs).toBeGreaterThan(0);
    expect(takeoverMs).toBeLessThan(4000 + 1000 + 3000);
  }, 60_000);
});
