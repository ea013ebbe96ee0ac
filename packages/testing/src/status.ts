// metav1.Status construction for the in-process API server (k8s.io/apimachinery/pkg/api/errors).
import { hasBrand, type Status, type StatusCause } from '@kubecache/core';

const apiErrorBrand = Symbol.for('@kubecache/testing/ServerApiError');

/**
 * An error the in-process API server answers with: `status` is the metav1.Status body and
 * `status.code` the HTTP status. The programmatic API (`server.create(…)`, …) throws it too.
 */
export class ServerApiError extends Error {
  override readonly name = 'ServerApiError';
  readonly [apiErrorBrand] = true;
  /** The Status object sent to clients. */
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'API error');
    this.status = status;
  }
  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }
}

/** Type guard for {@link ServerApiError}. */
export function isServerApiError(err: unknown): err is ServerApiError {
  return hasBrand(err, apiErrorBrand);
}

/** Builds a failure Status. */
export function failure(
  code: number,
  reason: string,
  message: string,
  details?: Status['details'],
): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  };
}

/** 404 NotFound for `resource` `name`. */
export function notFound(resource: string, name: string): ServerApiError {
  return new ServerApiError(
    failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }),
  );
}

/** 409 AlreadyExists. */
export function alreadyExists(resource: string, name: string): ServerApiError {
  return new ServerApiError(
    failure(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource }),
  );
}

/** 409 Conflict for a stale resourceVersion precondition. */
export function conflict(resource: string, name: string): ServerApiError {
  return new ServerApiError(
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, kind: resource },
    ),
  );
}

/** 409 Conflict for a failed delete precondition (uid or resourceVersion). */
export function preconditionFailed(resource: string, name: string, detail: string): ServerApiError {
  return new ServerApiError(
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": Precondition failed: ${detail}`,
      { name, kind: resource },
    ),
  );
}

/** 422 Invalid with field causes. */
export function invalid(resource: string, name: string, causes: StatusCause[]): ServerApiError {
  return new ServerApiError(
    failure(
      422,
      'Invalid',
      `${resource} "${name}" is invalid: ${causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join(', ')}`,
      { name, kind: resource, causes },
    ),
  );
}

/** 410 Expired (a continue token or resource version older than the compacted revision). */
export function expired(message: string): ServerApiError {
  return new ServerApiError(failure(410, 'Expired', message));
}

/** 504 Timeout with cause ResourceVersionTooLarge, as kube-apiserver sends for an RV from the future. */
export function tooLargeResourceVersion(requested: number, current: number): ServerApiError {
  return new ServerApiError(
    failure(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    }),
  );
}

/** 400 BadRequest. */
export function badRequest(message: string): ServerApiError {
  return new ServerApiError(failure(400, 'BadRequest', message));
}
