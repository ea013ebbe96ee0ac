import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { layoutTable, type TableView } from './table.js';

const namespaces = ['default', 'kube-system', 'shop', 'payments', 'search'];
const pods = (n: number): KubeObject[] =>
  Array.from({ length: n }, (_, i) =>
    makePod({ namespace: namespaces[i % 5]!, name: `app-${String(i).padStart(3, '0')}`, index: i }),
  ).reverse(); // the cache hands them out in no particular order
const view = (over: Partial<TableView>): TableView => ({
  pods: pods(300),
  synced: true,
  count: 300,
  recent: ['MODIFIED shop/app-002: phase Running→Failed', 'DELETED search/app-004'],
  error: '',
  columns: 80,
  rows: 24,
  now: Date.now(),
  ...over,
});

describe('the live table', () => {
  it('at 80×24: the status line and the header on top, one line per pod, "+N more", events, all inside the screen', () => {
    const lines = layoutTable(view({}));
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines[0]).toBe('pods: 300 (synced)');
    expect(lines[1]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const rows = lines.slice(2).filter((l) => /^\S+\s+app-\d{3}\s/.test(l));
    const more = lines.find((l) => /^\+\d+ more$/.test(l));
    expect(more).toBe(`+${300 - rows.length} more`);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const keys = rows.map((l) => l.split(/\s+/).slice(0, 2).join('/'));
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('default/app-000');
    expect(rows[0]).toMatch(/^default\s+app-000\s+2\/2\s+Running\s+0\s+\?\s+node-0$/);
    expect(lines.at(-1)).toBe('DELETED search/app-004');
  });

  it('at 120×40 it shows more pods, and everything fits a short list without "+N more"', () => {
    const big = layoutTable(view({ columns: 120, rows: 40 }));
    expect(big.length).toBeLessThanOrEqual(40);
    expect(big.filter((l) => / app-\d{3} /.test(l)).length).toBeGreaterThanOrEqual(30);
    const few = layoutTable(view({ pods: pods(3), count: 3, columns: 120, rows: 40 }));
    expect(few.some((l) => l.includes('more'))).toBe(false);
    expect(few.filter((l) => / app-\d{3} /.test(l))).toHaveLength(3);
  });

  it('drops NODE, then RESTARTS and AGE on a narrow terminal, and cuts what is still too long', () => {
    expect(layoutTable(view({ columns: 60 }))[1]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/,
    );
    expect(layoutTable(view({ columns: 50 }))[1]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+AGE$/,
    );
    const narrow = layoutTable(view({ columns: 42 }));
    expect(narrow[1]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS$/);
    for (const l of narrow) expect(l.length).toBeLessThanOrEqual(42);
    const tiny = layoutTable(view({ columns: 20, rows: 6 }));
    for (const l of tiny) expect(l.length).toBeLessThanOrEqual(20);
    expect(tiny.length).toBeLessThanOrEqual(6);
    expect(tiny[0]).toBe('pods: 300 (synced)');
  });

  it('says "syncing…" before the sync and shows the last error under the events', () => {
    const lines = layoutTable(
      view({ synced: false, count: 42, error: 'error: API server unreachable' }),
    );
    expect(lines[0]).toBe('syncing… 42 pods');
    expect(lines.at(-1)).toBe('error: API server unreachable');
  });
});
