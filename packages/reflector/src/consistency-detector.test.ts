import { describe, expect, it } from 'vitest';
import { createListWatchFromFunctions } from '@kubecache/listwatch';
import {
  checkListConsistency,
  diffObjects,
  isConsistent,
  parseGoBool,
  watchListConsistencyCheckFromEnv,
} from './consistency-detector.js';

const pod = (uid: string, extra: Record<string, unknown> = {}) => ({
  metadata: { namespace: 'a', name: `n-${uid}`, uid, resourceVersion: '1' },
  ...extra,
});

describe('consistency detector', () => {
  it('reads the environment variable like Go strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of [undefined, '', '0', 'false', 'yes', 'on', 'tRuE'])
      expect(parseGoBool(f)).toBe(false);
    expect(watchListConsistencyCheckFromEnv({ KUBE_WATCHLIST_INCONSISTENCY_DETECTOR: '1' })).toBe(
      true,
    );
    expect(watchListConsistencyCheckFromEnv({})).toBe(false);
  });

  it('matches objects by uid, ignoring order, key order and the items’ kind/apiVersion', () => {
    const listed = [pod('b', { spec: { x: 1, y: [1, 2] } }), pod('a')];
    const streamed = [
      { kind: 'Pod', apiVersion: 'v1', ...pod('a') },
      { spec: { y: [1, 2], x: 1 }, metadata: pod('b').metadata },
    ];
    expect(isConsistent(diffObjects(listed, streamed))).toBe(true);
  });

  it('names what is missing, unexpected and different', () => {
    const d = diffObjects(
      [pod('a'), pod('b', { spec: { x: 1 } })],
      [pod('b', { spec: { x: 2 } }), pod('c')],
    );
    expect(d).toEqual({ missing: ['a'], unexpected: ['c'], different: ['b'] });
    expect(isConsistent(d)).toBe(false);
  });

  it('skips the check (returns an Error) when the LIST is not answered at the exact RV asked for', async () => {
    let calls = 0;
    const lw = createListWatchFromFunctions({
      list: (o) => {
        calls++;
        expect(o).toMatchObject({ resourceVersion: '9', resourceVersionMatch: 'Exact' });
        return Promise.resolve({ metadata: { resourceVersion: '7' }, items: [pod('a')] });
      },
      watch: () => Promise.reject(new Error('unused')),
    });
    const result = await checkListConsistency({
      lw,
      resourceVersion: '9',
      items: [pod('a')],
      attempts: 1,
      signal: new AbortController().signal,
    });
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/answered at RV 7, not at RV 9/);
    expect(calls).toBe(1);
  });
});
