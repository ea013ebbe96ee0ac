import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, isAbortError, type KubeList, type KubeObject } from '@kubecache/core';
import { makeConfigMap, startApiServer, type ApiServer } from '@kubecache/testing';
import { ApiStatusError, isExpired } from './errors.js';
import { createListWatch, createListWatchFromFunctions } from './listwatch.js';
import { listAllPages } from './pager.js';
import type { ListerWatcher, ListHooks, ListOptions } from './types.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const obj = (name: string): KubeObject => ({ metadata: { name } });
const expired = (): ApiStatusError =>
  new ApiStatusError({ kind: 'Status', code: 410, reason: 'Expired', message: 'continue expired' });

/**
 * A fake lister over `names`, paging by `limit` with continue tokens `c<offset>`, at list RV `rv`.
 * `failOn(options)` may return an error to throw instead.
 */
function fakeLister(
  names: string[],
  failOn: (o: ListOptions) => Error | undefined = () => undefined,
) {
  const calls: ListOptions[] = [];
  const lw = createListWatchFromFunctions<KubeObject>({
    list: (o) => {
      calls.push(o);
      const err = failOn(o);
      if (err) return Promise.reject(err);
      const start = o.continue ? Number(o.continue.slice(1)) : 0;
      const end = o.limit ? Math.min(names.length, start + o.limit) : names.length;
      const list: KubeList<KubeObject> = {
        kind: 'List',
        metadata: {
          resourceVersion: '100',
          ...(end < names.length
            ? { continue: `c${String(end)}`, remainingItemCount: names.length - end }
            : {}),
        },
        items: names.slice(start, end).map(obj),
      };
      return Promise.resolve(list);
    },
    watch: () => Promise.reject(new Error('not used')),
  });
  return { lw, calls };
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `o${String(i)}`);

describe('listAllPages', () => {
  it('follows continue tokens with 500 items per page by default, dropping the RV after the first page', async () => {
    const { lw, calls } = fakeLister(names(1200));
    const pages: number[] = [];
    const list = await listAllPages(
      lw,
      { resourceVersion: '0', resourceVersionMatch: 'NotOlderThan', labelSelector: 'a=b' },
      undefined,
      {
        onPage: (items) => pages.push(items.length),
      },
    );
    expect(list.items.map((o) => o.metadata?.name)).toEqual(names(1200));
    expect(list.paginated).toBe(true);
    expect(list.metadata).toEqual({ resourceVersion: '100' });
    expect(pages).toEqual([500, 500, 200]);
    expect(calls).toEqual([
      {
        resourceVersion: '0',
        resourceVersionMatch: 'NotOlderThan',
        labelSelector: 'a=b',
        limit: 500,
      },
      { labelSelector: 'a=b', limit: 500, continue: 'c500' },
      { labelSelector: 'a=b', limit: 500, continue: 'c1000' },
    ]);
  });

  it('uses options.limit over pageSize, and returns a single page as it came', async () => {
    const { lw, calls } = fakeLister(names(3));
    const list = await listAllPages(lw, { limit: 10 }, undefined, { pageSize: 2 });
    expect(calls).toEqual([{ limit: 10 }]);
    expect(list.paginated).toBe(false);
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(3);
  });

  it('falls back to one full list at the requested resource version when a continue token expires', async () => {
    const { lw, calls } = fakeLister(names(5), (o) =>
      o.continue === 'c4' ? expired() : undefined,
    );
    const pages: number[] = [];
    const list = await listAllPages(
      lw,
      { resourceVersion: '7', resourceVersionMatch: 'NotOlderThan' },
      undefined,
      {
        pageSize: 2,
        onPage: (items) => pages.push(items.length),
      },
    );
    expect(list.items).toHaveLength(5);
    expect(list.paginated).toBe(true);
    expect(calls.at(-1)).toEqual({ resourceVersion: '7', resourceVersionMatch: 'NotOlderThan' });
    expect(pages).toEqual([2, 2, 5]);
  });

  it('maps every item as its page arrives (before onPage), also in a single page and the fallback list', async () => {
    const tag = (o: KubeObject): KubeObject => ({ metadata: { name: `${o.metadata?.name}!` } });
    const seen: string[][] = [];
    const onPage = (items: readonly KubeObject[]): number =>
      seen.push(items.map((o) => o.metadata?.name ?? '?'));
    const paged = await listAllPages(fakeLister(names(5)).lw, {}, undefined, {
      pageSize: 2,
      mapItem: tag,
      onPage,
    });
    expect(paged.items.map((o) => o.metadata?.name)).toEqual(names(5).map((n) => `${n}!`));
    expect(seen.flat().every((n) => n.endsWith('!'))).toBe(true);
    const single = await listAllPages(fakeLister(names(2)).lw, {}, undefined, {
      pageSize: 10,
      mapItem: tag,
    });
    expect(single.items.map((o) => o.metadata?.name)).toEqual(names(2).map((n) => `${n}!`));
    const { lw } = fakeLister(names(5), (o) => (o.continue === 'c4' ? expired() : undefined));
    const fallback = await listAllPages(lw, { resourceVersion: '7' }, undefined, {
      pageSize: 2,
      mapItem: tag,
    });
    expect(fallback.items.map((o) => o.metadata?.name)).toEqual(names(5).map((n) => `${n}!`));
  });

  it('passes mapItem to a lister that supportsListHooks (it maps while decoding) and maps nothing twice', async () => {
    const { lw: inner } = fakeLister(names(5), (o) =>
      o.continue === 'c4' ? expired() : undefined,
    );
    const hooked: (ListHooks<KubeObject> | undefined)[] = [];
    const lw: ListerWatcher<KubeObject> = {
      ...inner,
      supportsListHooks: true,
      list: async (o, signal, hooks) => {
        hooked.push(hooks);
        const page = await inner.list(o, signal);
        const map = hooks?.mapItem;
        return map ? { ...page, items: page.items.map((i) => map(i)) } : page;
      },
    };
    let calls = 0;
    const tag = (o: KubeObject): KubeObject => {
      calls++;
      return { metadata: { name: `${o.metadata?.name ?? ''}!` } };
    };
    const list = await listAllPages(lw, { resourceVersion: '7' }, undefined, {
      pageSize: 2,
      mapItem: tag,
    });
    // Pages o0-o1 and o2-o3, then the expired token → fallback full list of all 5.
    expect(list.items.map((o) => o.metadata?.name)).toEqual(names(5).map((n) => `${n}!`));
    expect(calls).toBe(4 + 5);
    expect(hooked.map((h) => h?.mapItem)).toEqual([tag, tag, tag, tag]);
  });

  it('falls back to a full list also when the expired continue token is answered 410 Gone, or 410 without a reason', async () => {
    for (const reason of ['Gone', undefined]) {
      const gone = new ApiStatusError({
        kind: 'Status',
        code: 410,
        ...(reason !== undefined ? { reason } : {}),
        message: 'the continue token is too old',
      });
      const { lw, calls } = fakeLister(names(5), (o) => (o.continue === 'c2' ? gone : undefined));
      const list = await listAllPages(lw, { resourceVersion: '7' }, undefined, { pageSize: 2 });
      expect(list.items.map((o) => o.metadata?.name)).toEqual(names(5));
      expect(calls.at(-1)).toEqual({ resourceVersion: '7' });
    }
  });

  it('throws an expiry on the first page, and with fullListIfExpired false', async () => {
    const first = fakeLister(names(5), (o) => (o.continue ? undefined : expired()));
    const err1 = await listAllPages(first.lw, { resourceVersion: '3' }, undefined, {
      pageSize: 2,
    }).catch((e: unknown) => e);
    expect(isExpired(err1)).toBe(true);
    expect(first.calls).toHaveLength(1);
    const later = fakeLister(names(5), (o) => (o.continue ? expired() : undefined));
    const err2 = await listAllPages(later.lw, {}, undefined, {
      pageSize: 2,
      fullListIfExpired: false,
    }).catch((e: unknown) => e);
    expect(isExpired(err2)).toBe(true);
    expect(later.calls).toHaveLength(2);
  });

  it('stops between pages when the signal is aborted', async () => {
    const ac = new AbortController();
    const { lw, calls } = fakeLister(names(10));
    const err = await listAllPages(lw, {}, ac.signal, {
      pageSize: 2,
      onPage: () => ac.abort(),
    }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(err).toBeInstanceOf(AbortedError);
    expect(calls).toHaveLength(1);
  });

  it('pages through the in-process API server and falls back to a full list after compaction', async () => {
    const s: ApiServer = await startApiServer();
    cleanups.push(() => s.close());
    for (let i = 0; i < 6; i++)
      s.create('configmaps', makeConfigMap({ namespace: 'ns', name: `c${String(i)}` }));
    const lw = createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'configmaps' });
    cleanups.push(() => lw.close());
    const paged = await listAllPages(lw, {}, undefined, { pageSize: 4 });
    expect(paged.items).toHaveLength(6);
    expect(paged.metadata?.resourceVersion).toBe(s.resourceVersion());
    s.requests.clear();
    let first = true;
    const all = await listAllPages(lw, {}, undefined, {
      pageSize: 2,
      onPage: () => {
        if (first) {
          first = false;
          s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'late' }));
          s.compact();
        }
      },
    });
    expect(all.items).toHaveLength(7);
    expect(all.paginated).toBe(true);
    expect(s.requests.count({ verb: 'list' })).toBe(3);
    expect(s.requests.entries.at(-1)?.query['limit']).toBeUndefined();
  });
});
