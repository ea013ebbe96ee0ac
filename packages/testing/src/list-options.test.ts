import { describe, expect, it } from 'vitest';
import { decodeContinue, encodeContinue, planList, type ListPlan } from './list-options.js';
import { isServerApiError } from './status.js';

const plan = (query: string, paging: 'watchCache' | 'always' = 'watchCache'): ListPlan =>
  planList(new URLSearchParams(query), paging);
const codeOf = (query: string): number | undefined => {
  try {
    plan(query);
  } catch (err) {
    if (isServerApiError(err)) return err.code;
    throw err;
  }
  return undefined;
};

describe('planList (kube-apiserver v1.32 cacher.go shouldDelegateList, etcd3 GetList)', () => {
  it('drops limit only for resourceVersion=0 in watchCache mode', () => {
    expect(plan('resourceVersion=0&limit=5')).toMatchObject({ at: 'latest', limit: 0 });
    expect(plan('resourceVersion=0&resourceVersionMatch=NotOlderThan&limit=5')).toMatchObject({
      at: 'latest',
      limit: 0,
    });
    expect(plan('resourceVersion=0&limit=5', 'always')).toMatchObject({ at: 'latest', limit: 5 });
    expect(plan('limit=5')).toMatchObject({ at: 'latest', notOlderThan: 0, limit: 5 });
    expect(plan('resourceVersion=7&resourceVersionMatch=NotOlderThan&limit=5')).toMatchObject({
      at: 'latest',
      notOlderThan: 7,
      limit: 5,
    });
    expect(plan('resourceVersion=7&resourceVersionMatch=Exact&limit=5')).toMatchObject({
      at: 7,
      limit: 5,
    });
  });

  it('serves a limited list with a bare resourceVersion exactly at it, and an unlimited one at the latest', () => {
    expect(plan('resourceVersion=7&limit=5')).toMatchObject({ at: 7, limit: 5 });
    expect(plan('resourceVersion=7')).toMatchObject({ at: 'latest', notOlderThan: 7, limit: 0 });
  });

  it('continues at the token revision with resourceVersion unset or 0 only', () => {
    const token = encodeContinue({ rv: 3, start: 'ns/a' });
    expect(decodeContinue(token)).toEqual({ rv: 3, start: 'ns/a' });
    expect(plan(`continue=${token}&limit=2`)).toMatchObject({
      at: 3,
      limit: 2,
      continueFrom: { rv: 3, start: 'ns/a' },
    });
    expect(plan(`continue=${token}&resourceVersion=0&limit=2`)).toMatchObject({ at: 3 });
    expect(codeOf(`continue=${token}&resourceVersion=3`)).toBe(400);
    expect(codeOf('continue=garbage')).toBe(400);
  });

  it('rejects forbidden resourceVersionMatch combinations with 422 and malformed versions with 400', () => {
    expect(codeOf('resourceVersionMatch=Exact')).toBe(422);
    expect(codeOf('resourceVersion=0&resourceVersionMatch=Exact')).toBe(422);
    expect(codeOf('resourceVersion=1&resourceVersionMatch=Latest')).toBe(422);
    expect(
      codeOf(
        `resourceVersion=1&resourceVersionMatch=NotOlderThan&continue=${encodeContinue({ rv: 1, start: '' })}`,
      ),
    ).toBe(422);
    expect(codeOf('resourceVersion=abc')).toBe(400);
    expect(codeOf('resourceVersion=-1')).toBe(400);
  });
});
