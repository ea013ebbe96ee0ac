import { describe, expect, it } from 'vitest';
import { ChangeHistory, type ChangeEvent } from './change-history.js';
import { Entry } from './entry.js';
import { isServerApiError } from './status.js';

const ev = (rv: number, resource = 'configmaps'): ChangeEvent => ({
  rv,
  resource,
  key: `ns/o${rv}`,
  type: 'ADDED',
  entry: new Entry({ metadata: { name: `o${rv}`, namespace: 'ns' } }),
  prev: undefined,
});
const rvs = (events: ChangeEvent[]): number[] => events.map((e) => e.rv);

describe('ChangeHistory', () => {
  it("answers a resource's changes after a revision, oldest first", () => {
    const h = new ChangeHistory(10);
    for (const e of [ev(2), ev(3, 'pods'), ev(4), ev(5)]) h.push(e);
    expect(rvs(h.after('configmaps', 0))).toEqual([2, 4, 5]);
    expect(rvs(h.after('configmaps', 3))).toEqual([4, 5]);
    expect(rvs(h.after('pods', 3))).toEqual([]);
  });

  it('drops the oldest beyond its size and compacts to it: older revisions answer 410', () => {
    const h = new ChangeHistory(2);
    for (const rv of [2, 3, 4]) h.push(ev(rv));
    expect(h.compactedRv).toBe(2);
    expect(rvs(h.after('configmaps', 2))).toEqual([3, 4]);
    let err: unknown;
    try {
      h.after('configmaps', 1);
    } catch (e) {
      err = e;
    }
    expect(isServerApiError(err) && err.code).toBe(410);
    expect((err as Error).message).toBe('too old resource version: 1 (2)');
  });

  it('compacts up to a revision, never backwards', () => {
    const h = new ChangeHistory(10);
    for (const rv of [2, 3, 4]) h.push(ev(rv));
    h.compact(3);
    expect(h.compactedRv).toBe(3);
    expect(rvs(h.after('configmaps', 3))).toEqual([4]);
    h.compact(2);
    expect(h.compactedRv).toBe(3);
  });

  it('keeps answering after many changes (the array is trimmed behind the head)', () => {
    const h = new ChangeHistory(100);
    for (let rv = 1; rv <= 20_000; rv++) h.push(ev(rv));
    expect(h.compactedRv).toBe(19_900);
    expect(rvs(h.after('configmaps', 19_997))).toEqual([19_998, 19_999, 20_000]);
  });
});
