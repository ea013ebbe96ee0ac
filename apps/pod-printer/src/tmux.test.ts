// Drives the live table in a real terminal (a detached tmux session) at 80×24 and 120×40 and reads
// what is on screen with `tmux capture-pane`, including after resizes. CI installs tmux (.ci/run);
// without tmux this test fails with instructions rather than being skipped.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makePod, startApiServer, type ApiServer } from '@kubecache/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const socket = `kubecache-pod-printer-${process.pid}`;
const tmux = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
let server: ApiServer | undefined;

afterEach(async () => {
  tmux('kill-server');
  await server?.close();
  server = undefined;
});

function requireTmux(): void {
  const v = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (v.status !== 0)
    throw new Error(
      'tmux is not installed; this test needs it to look at a real terminal screen: apt-get install -y tmux (.ci/run does this)',
    );
}

/** The visible screen, one string per row (trailing blanks trimmed). */
function screen(): string[] {
  const r = tmux('capture-pane', '-p', '-t', 'pp');
  return r.stdout.replace(/\n$/, '').split('\n');
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}; screen:\n${screen().join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const podLine = /^ns-\d\s+pod-\d{3}\s+\d\/\d\s+\w+/;

/** Whether the screen holds a whole frame for this size (checkScreen passes). */
function screenIs(columns: number, rows: number): boolean {
  try {
    checkScreen(screen(), columns, rows, 120);
    return true;
  } catch {
    return false;
  }
}

/** Checks one screenful: status and header on top, one line per pod, "+N more", nothing wider than the terminal. */
function checkScreen(lines: string[], columns: number, rows: number, pods: number): string[] {
  expect(lines.length).toBeLessThanOrEqual(rows);
  expect(lines[0], `screen:\n${lines.join('\n')}`).toBe(`pods: ${pods} (synced)`);
  expect(lines[1]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns);
  const podLines = lines.filter((l) => podLine.test(l));
  expect(podLines.length).toBeGreaterThan(rows / 2);
  const keys = podLines.map((l) => l.split(/\s+/).slice(0, 2).join('/'));
  expect(keys).toEqual([...keys].sort());
  expect(lines).toContain(`+${pods - podLines.length} more`);
  return podLines;
}

describe('the live table in a terminal', () => {
  it('fits 80×24 and 120×40 with the status line and header always on screen, and follows resizes', async () => {
    requireTmux();
    server = await startApiServer();
    for (let i = 0; i < 120; i++)
      server.create(
        'pods',
        makePod({ namespace: `ns-${i % 4}`, name: `pod-${String(i).padStart(3, '0')}`, index: i }),
      );
    const kc = join(mkdtempSync(join(tmpdir(), 'pod-printer-tmux-')), 'kubeconfig');
    writeFileSync(kc, server.kubeConfigYaml());
    const started = tmux(
      'new-session',
      '-d',
      '-s',
      'pp',
      '-x',
      '80',
      '-y',
      '24',
      `exec ${process.execPath} ${main} --kubeconfig ${kc}`,
    );
    expect(started.status, started.stderr).toBe(0);
    // Without clients tmux would snap the window back to its default size after resize-window.
    expect(tmux('set-option', '-t', 'pp', 'window-size', 'manual').status).toBe(0);

    await until(() => screen()[0] === 'pods: 120 (synced)', 'the synced table at 80×24');
    const small = checkScreen(screen(), 80, 24, 120);

    expect(tmux('resize-window', '-t', 'pp', '-x', '120', '-y', '40').status).toBe(0);
    await until(() => screenIs(120, 40), 'the redraw at 120×40');
    const large = checkScreen(screen(), 120, 40, 120);
    expect(screen()[1]).toMatch(/AGE\s+NODE$/);
    expect(large.length).toBeGreaterThan(small.length);

    expect(tmux('resize-window', '-t', 'pp', '-x', '80', '-y', '24').status).toBe(0);
    await until(() => screenIs(80, 24), 'the redraw back at 80×24');
    checkScreen(screen(), 80, 24, 120);

    server.patch('pods', 'ns-0', 'pod-000', { status: { phase: 'Failed' } });
    await until(
      () => screen().some((l) => l === 'MODIFIED ns-0/pod-000: phase Running→Failed'),
      'the event line under the table',
    );
    await until(() => /^ns-0\s+pod-000\s+\S+\s+Failed\s/.test(screen()[2]!), 'the row updated');

    tmux('send-keys', '-t', 'pp', 'C-c');
    await until(() => tmux('has-session', '-t', 'pp').status !== 0, 'exit on Ctrl-C', 3000);
  });
});
