// Port of k8s.io/client-go/tools/pager/pager.go: list in pages, follow continue tokens, and fall
// back to one full list when a continue token expired mid-way.
import type { KubeList, KubeObject } from '@kubecache/core';
import { isExpired } from './errors.js';
import type { ListerWatcher, ListOptions } from './types.js';

/** Options of {@link listAllPages}. */
export interface PagerOptions {
  /** Items per page. Default 500 (client-go's default page size). */
  pageSize?: number;
  /** Called with each page's items as they arrive (to build a store page by page). */
  onPage?: (items: readonly unknown[]) => void;
}

/** Result of {@link listAllPages}. */
export interface PagedList<T> extends KubeList<T> {
  /** True when more than one page was needed (the server honoured `limit`). */
  paginated: boolean;
}

/**
 * Lists everything matching `options`, `pageSize` items at a time. If a continue token expires
 * (410 Expired) after the first page, the whole list is fetched again in one request at
 * `options.resourceVersion` (as client-go's pager does); an expiry on the first page is thrown.
 */
export async function listAllPages<T = KubeObject>(
  lw: ListerWatcher<T>,
  options: ListOptions,
  signal?: AbortSignal,
  pager: PagerOptions = {},
): Promise<PagedList<T>> {
  const pageSize = pager.pageSize ?? 500;
  const items: T[] = [];
  let cont = '';
  let pages = 0;
  let last: KubeList<T> | undefined;
  for (;;) {
    const opts: ListOptions = { ...options, limit: pageSize };
    if (cont) {
      opts.continue = cont;
      delete opts.resourceVersion;
      delete opts.resourceVersionMatch;
    }
    let page: KubeList<T>;
    try {
      page = await lw.list(opts, signal);
    } catch (err) {
      if (pages > 0 && isExpired(err)) {
        const full = await lw.list({ ...options, limit: 0 }, signal);
        pager.onPage?.(full.items);
        return { ...full, paginated: false };
      }
      throw err;
    }
    pages++;
    for (const it of page.items) items.push(it);
    pager.onPage?.(page.items);
    last = page;
    cont = page.metadata?.continue ?? '';
    if (!cont) break;
  }
  const meta = { ...(last.metadata ?? {}) };
  delete meta.continue;
  delete meta.remainingItemCount;
  return { ...last, metadata: meta, items, paginated: pages > 1 };
}
