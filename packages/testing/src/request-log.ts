// The request log of the in-process API server: one record per request with its verb, resource,
// query and answer, so tests can assert, e.g., that no relist happened.
import { resourceIdOf, type ResourceRef } from './resources.js';

/** Verbs recorded in the request log. */
export type RequestVerb =
  | 'list'
  | 'watch'
  | 'get'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'discovery';

/** One logged request. */
export interface RequestRecord {
  verb: RequestVerb;
  /** Resource id (`pods`, `widgets.example.com`), `''` for discovery. */
  resource: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (for watches: the status of the response head; 0 for a request stalled by `faults.stallNextRequests`). */
  status: number;
}

/** The request log. */
export interface RequestLog {
  /** Every request since start or the last `clear()`. */
  readonly entries: readonly RequestRecord[];
  /** Number of requests matching `filter`. */
  count(filter?: { verb?: RequestVerb; resource?: ResourceRef }): number;
  /** Forgets every record. */
  clear(): void;
}

/** A request log plus the hook the server appends to. */
export interface RecordingRequestLog extends RequestLog {
  /** Appends a record (the server keeps mutating it until the answer is sent). */
  push(record: RequestRecord): void;
}

/** Creates an empty request log. */
export function createRequestLog(): RecordingRequestLog {
  const log: RequestRecord[] = [];
  return {
    get entries() {
      return log;
    },
    count: (filter = {}) =>
      log.filter(
        (r) =>
          (filter.verb === undefined || r.verb === filter.verb) &&
          (filter.resource === undefined || r.resource === resourceIdOf(filter.resource)),
      ).length,
    clear: () => void log.splice(0),
    push: (record) => void log.push(record),
  };
}
