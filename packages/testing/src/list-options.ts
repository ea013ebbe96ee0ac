// Which revision a LIST is answered at, and whether `limit` is honoured: the delegation rules of
// kube-apiserver's watch cache. A real server answers some lists from its watch cache (which, for
// resourceVersion="0", ignores `limit` and returns everything in one body) and the others from
// etcd (which pages). Followed (read, not copied):
// - k8s.io/apiserver v1.32 pkg/storage/cacher/cacher.go, shouldDelegateList and Cacher.GetList:
//   continue tokens, an unsupported match (Exact) and `limit` with a resourceVersion other than "0"
//   go to etcd; everything else — resourceVersion="0" with or without limit, and unlimited
//   NotOlderThan or consistent (unset) reads since ConsistentListFromCache (beta, on by default
//   since v1.31) — is served whole from the cache.
// - k8s.io/apiserver master (v1.34+) pkg/storage/cacher/delegator.go + cacher.go computeListLimit:
//   the cache can page from snapshots now, but still ignores `limit` when resourceVersion is "0".
// - k8s.io/apiserver pkg/storage/etcd3/store.go GetList: a continue token may come with
//   resourceVersion unset or "0" only (400 otherwise); a paginated list with a resourceVersion and
//   no match is served at exactly that revision (the legacy exact match).
// - k8s.io/apimachinery pkg/apis/meta/internalversion/validation ValidateListOptions, answered as
//   422 Invalid on kind ListOptions.meta.k8s.io by pkg/endpoints/handlers/get.go.
// In both releases the observable answer is the same: only resourceVersion="0" drops `limit`.
import { badRequest, failure, ServerApiError } from './status.js';

/**
 * How the server pages lists.
 * - `'watchCache'` (default): like kube-apiserver with its watch cache (the default): a list with
 *   `resourceVersion=0` ignores `limit` and comes whole, without a `continue` token; consistent
 *   reads (resourceVersion unset), NotOlderThan and Exact lists honour `limit`.
 * - `'always'`: every list honours `limit`, as kube-apiserver with `--watch-cache=false` does.
 */
export type ListPaging = 'watchCache' | 'always';

/** Where a list starts when it continues a paginated one. */
export interface ContinueFrom {
  /** The revision of the first page. */
  rv: number;
  /** The key of the last object already sent. */
  start: string;
}

/** The plan for answering one list request. */
export interface ListPlan {
  /** `'latest'`: the current revision; a number: exactly that revision (410 when compacted). */
  at: number | 'latest';
  /** For `'latest'`: the smallest revision acceptable (504 ResourceVersionTooLarge when newer than now). */
  notOlderThan: number;
  /** Page size; 0 for everything. */
  limit: number;
  /** Set when the request continues a paginated list. */
  continueFrom: ContinueFrom | undefined;
}

/** Parses a `resourceVersion` query parameter; undefined when unset or empty, 400 when malformed. */
export function parseResourceVersion(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(`invalid resource version: ${JSON.stringify(value)}`);
  return n;
}

/** Encodes a continue token (opaque to clients). */
export function encodeContinue(from: ContinueFrom): string {
  return Buffer.from(
    JSON.stringify({ v: 'kubecache/testing', rv: from.rv, start: from.start }),
  ).toString('base64url');
}

/** Decodes a continue token; 400 when malformed. */
export function decodeContinue(token: string): ContinueFrom {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      rv?: unknown;
      start?: unknown;
    };
    if (typeof t.rv === 'number' && typeof t.start === 'string')
      return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: malformed token');
}

/** 422 Invalid on ListOptions.meta.k8s.io with `resourceVersionMatch` causes, as kube-apiserver answers. */
function invalidListOptions(causes: { reason: string; detail: string }[]): ServerApiError {
  const messages = causes.map((c) => `resourceVersionMatch: ${c.detail}`);
  return new ServerApiError(
    failure(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${messages.join(', ')}`, {
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      name: '',
      causes: causes.map((c) => ({
        reason: c.reason,
        field: 'resourceVersionMatch',
        message: c.detail,
      })),
    }),
  );
}

/**
 * Validates the list query and decides the revision and page size, following kube-apiserver
 * (see the file header for the sources).
 */
export function planList(q: URLSearchParams, paging: ListPaging): ListPlan {
  const rvText = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const token = q.get('continue') ?? '';
  const rawLimit = Number(q.get('limit') ?? '0');
  const limit = Number.isInteger(rawLimit) && rawLimit > 0 ? rawLimit : 0;

  if (match !== '') {
    const causes: { reason: string; detail: string }[] = [];
    if (rvText === '')
      causes.push({
        reason: 'FieldValueForbidden',
        detail: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      });
    if (token !== '')
      causes.push({
        reason: 'FieldValueForbidden',
        detail: 'Forbidden: resourceVersionMatch is forbidden when continue is provided',
      });
    if (match !== 'Exact' && match !== 'NotOlderThan')
      causes.push({
        reason: 'FieldValueNotSupported',
        detail: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
      });
    if (match === 'Exact' && rvText === '0')
      causes.push({
        reason: 'FieldValueForbidden',
        detail: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      });
    if (causes.length > 0) throw invalidListOptions(causes);
  }
  const rv = parseResourceVersion(rvText);

  if (token !== '') {
    // Continuations are served from storage at the first page's revision.
    if (rvText !== '' && rvText !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
    const from = decodeContinue(token);
    return { at: from.rv, notOlderThan: 0, limit, continueFrom: from };
  }
  if (match === 'Exact') return { at: rv!, notOlderThan: 0, limit, continueFrom: undefined };
  if (rvText === '0') {
    // The watch cache answers resourceVersion="0" whole: `limit` is ignored.
    return {
      at: 'latest',
      notOlderThan: 0,
      limit: paging === 'watchCache' ? 0 : limit,
      continueFrom: undefined,
    };
  }
  if (rv !== undefined && match === '' && limit > 0) {
    // A paginated list at a resourceVersion without a match: storage serves exactly that revision.
    return { at: rv, notOlderThan: 0, limit, continueFrom: undefined };
  }
  // Consistent reads (unset) and NotOlderThan: the latest revision, paged when limited.
  return { at: 'latest', notOlderThan: rv ?? 0, limit, continueFrom: undefined };
}
