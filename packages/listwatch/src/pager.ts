// Port of k8s.io/client-go/tools/pager/pager.go (ListPager.List): list in pages of `limit` items,
// follow continue tokens, and when a continue token expires fall back to one full list at the
// resource version first asked for.
import { throwIfAborted, type KubeList, type KubeObject } from '@kubecache/core';
import { isExpired } from './errors.js';
import type { ListerWatcher, ListHooks, ListOptions } from './types.js';

/** Options of {@link listAllPages}. */
export interface PagerOptions<T = KubeObject> {
  /**
   * Items per page when `options.limit` is unset. Default: 500 (client-go's reflector page size;
   * the bare pager of client-go defaults to 10 000).
   */
  pageSize?: number;
  /**
   * Fall back to one unpaged list at the requested resource version when a continue token
   * expires (410 Expired) on page 2 or later. Default: true.
   */
  fullListIfExpired?: boolean;
  /** Called with each page's items as they arrive (also with the fallback list's items). */
  onPage?: (items: readonly T[]) => void;
  /**
   * Applied to each item before `onPage` (also to the fallback list): the result is kept instead
   * of the item. Lets a caller swap in an instance it already holds. With a lister that
   * `supportsListHooks` (createListWatch) it runs as each item is decoded, so the fresh copy is
   * garbage at once even in a single 100 000-item page; otherwise as each page arrives. It may
   * see items of a page that then fails: it must not change anything the caller cannot drop.
   */
  mapItem?: (item: T) => T;
}

/** Result of {@link listAllPages}: one list with every item. */
export interface PagedList<T> extends KubeList<T> {
  /**
   * True when the server split the answer into pages (a continue token was followed), also if
   * the fallback full list was used afterwards (client-go's `paginatedResult`).
   */
  paginated: boolean;
}

/**
 * Lists everything matching `options` in pages (client-go `ListPager.List`).
 *
 * - The limit is `options.limit` if set, else `pageSize`. Later pages send only the continue token
 *   (a resource version is not allowed together with `continue`).
 * - The result carries the first page's `metadata` (its resourceVersion is the snapshot all pages
 *   were read at) without `continue` / `remainingItemCount`, and all items in order.
 * - An expired continue token on page 2+ triggers one full list at the requested
 *   `resourceVersion` / `resourceVersionMatch` (unless `fullListIfExpired` is false); an expiry
 *   on the first page, and every other error, is thrown as is.
 * - Aborting `signal` rejects with the lister's abort error; no request is sent after it.
 */
export async function listAllPages<T = KubeObject>(
  lw: ListerWatcher<T>,
  options: ListOptions,
  signal?: AbortSignal,
  pager: PagerOptions<T> = {},
): Promise<PagedList<T>> {
  // Differs from client-go: pager.New defaults to 10 000 items per page; 500 is what the
  // reflector uses, and the only size this library's callers want.
  const limit =
    options.limit !== undefined && options.limit > 0 ? options.limit : (pager.pageSize ?? 500);
  const fullListIfExpired = pager.fullListIfExpired ?? true;
  let request: ListOptions = { ...options, limit };
  let first: KubeList<T> | undefined;
  const items: T[] = [];
  let paginated = false;
  // A lister that decodes item by item maps each item as it arrives; otherwise the whole page is
  // mapped once it is here.
  const mapItem = pager.mapItem;
  const inLister = lw.supportsListHooks === true && mapItem !== undefined;
  const hooks: ListHooks<T> | undefined = inLister ? { mapItem } : undefined;
  const mapPage = inLister ? undefined : mapItem;
  for (;;) {
    throwIfAborted(signal);
    let page: KubeList<T>;
    try {
      page = await lw.list(request, signal, hooks);
    } catch (err) {
      const isContinuation = request.continue !== undefined && request.continue !== '';
      if (!isExpired(err) || !fullListIfExpired || !isContinuation) throw err;
      // The snapshot the pages were read from is compacted away: read everything at once.
      const full: ListOptions = { ...options };
      delete full.limit;
      delete full.continue;
      const list = await lw.list(full, signal, hooks);
      mapItems(list.items, mapPage);
      pager.onPage?.(list.items);
      return { ...list, paginated };
    }
    mapItems(page.items, mapPage);
    pager.onPage?.(page.items);
    const token = page.metadata?.continue;
    if (first === undefined && (token === undefined || token === '')) {
      return { ...page, paginated };
    }
    first ??= page;
    for (const item of page.items) items.push(item);
    if (token === undefined || token === '') break;
    request = { ...options, limit, continue: token };
    delete request.resourceVersion;
    delete request.resourceVersionMatch;
    paginated = true;
  }
  const metadata = { ...first.metadata };
  delete metadata.continue;
  delete metadata.remainingItemCount;
  return { ...first, metadata, items, paginated };
}

/** Replaces each item of a freshly decoded page by `mapItem(item)`, in place. */
function mapItems<T>(items: T[], mapItem: ((item: T) => T) | undefined): void {
  if (mapItem === undefined) return;
  for (let i = 0; i < items.length; i++) items[i] = mapItem(items[i]!);
}
