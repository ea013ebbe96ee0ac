// Port of the Retry-After handling of k8s.io/client-go/rest (with_retry.go: IsNextRetry, checkWait,
// the retry cap; request.go: retryAfterSeconds and the maxRetries default of 10): a request answered
// 429, or any 5xx, with a `Retry-After` in seconds is sent again after that wait, up to maxRetries
// times; every retry is reported.
import type { IncomingMessage } from 'node:http';
import { sleep, type Clock, type Logger } from '@kubecache/core';
import { isApiStatusError, reasonForStatusCode, type ApiStatusError } from './errors.js';
import {
  errorFromResponse,
  parseRetryAfter,
  type Transport,
  type TransportRequest,
} from './http.js';

/** What a retry hook is told each time a request is about to be sent again. */
export interface RequestRetry {
  /** `list` (each page is its own request) or `watch`. */
  verb: 'list' | 'watch';
  /** Path and query of the request, e.g. `/api/v1/pods?limit=500`. */
  path: string;
  /** How many attempts failed so far (1 on the first retry). */
  attempt: number;
  /** The retry cap in force; after that many retries the error is thrown. */
  maxRetries: number;
  /** HTTP status of the answer that is retried (429 or 5xx). */
  code: number;
  /** Status reason of that answer, e.g. `TooManyRequests` (synthesised from the code if absent). */
  reason: string;
  /** Status message of that answer. */
  message: string;
  /** The `Retry-After` the server sent, in seconds. */
  retryAfterSeconds: number;
  /** How long the request waits before it is sent again, in ms (`retryAfterSeconds` × 1000). */
  delayMs: number;
  /** The answer as an error, as it would have been thrown without the retry. */
  error: ApiStatusError;
}

/** Options of {@link sendWithRetry}. */
export interface RetryOptions {
  /**
   * Retries after a Retry-After answer before its error is thrown. 0 disables retrying.
   * client-go's REST client uses 10.
   */
  maxRetries: number;
  /** Clock of the waits. */
  clock: Clock;
  /** Idle timeout while reading an error body, in ms (0 = none). */
  idleTimeoutMs: number;
  /** Called before each wait; an exception from it is ignored. */
  onRetry: ((retry: RequestRetry) => void) | undefined;
  /** Gets one `warn` line per retry. */
  logger: Logger;
  /** What the requests are for, in log lines (`pods/v1`). Default: none. */
  resource?: string;
}

/**
 * The seconds to wait before retrying an answer, or `undefined` when it must not be retried:
 * only 429 and 5xx answers with a `Retry-After` in whole seconds qualify (client-go `checkWait`).
 */
export function retryAfterWait(res: IncomingMessage): number | undefined {
  const code = res.statusCode ?? 0;
  if (code !== 429 && code < 500) return undefined;
  return parseRetryAfter(res.headers['retry-after']);
}

/**
 * Sends `request` and resolves with its 2xx response (headers read, body not yet). A 429 or 5xx
 * answer with a `Retry-After` header is reported (`onRetry`, then the logger), waited for
 * (`Retry-After` seconds on `options.clock`; aborting the request's signal ends the wait with
 * AbortedError) and sent again, up to `maxRetries` times. Any other non-2xx answer, or the last
 * one when the retries are used up, rejects with its {@link ApiStatusError} (its
 * `retryAfterSeconds` still set, so the caller can wait too). Transport errors reject as they are.
 */
// Differs from client-go: Go also retries a GET whose connection was reset (or hit EOF) before an
// answer came, as if told "Retry-After: 1"; here only a reused keep-alive socket that the server
// had closed is retried (once, at once, by the transport); other connection errors go to the
// caller, whose backoff (the reflector's) decides.
export async function sendWithRetry(
  transport: Transport,
  request: TransportRequest,
  options: RetryOptions,
): Promise<IncomingMessage> {
  const bodyOptions = {
    signal: request.signal,
    idleTimeoutMs: options.idleTimeoutMs,
    clock: options.clock,
    verb: request.verb,
  };
  for (let attempt = 1; ; attempt++) {
    const res = await transport.get(request);
    const code = res.statusCode ?? 0;
    if (code >= 200 && code <= 299) return res;
    const wait = retryAfterWait(res);
    const error = await errorFromResponse(res, bodyOptions);
    if (wait === undefined || attempt > options.maxRetries || !isApiStatusError(error)) throw error;
    const retry: RequestRetry = {
      verb: request.verb,
      path: request.path,
      attempt,
      maxRetries: options.maxRetries,
      code,
      reason: error.reason !== '' ? error.reason : reasonForStatusCode(code),
      message: error.message,
      retryAfterSeconds: wait,
      delayMs: wait * 1000,
      error,
    };
    report(retry, options);
    await sleep(
      retry.delayMs,
      request.signal !== undefined
        ? { clock: options.clock, signal: request.signal }
        : { clock: options.clock },
    );
  }
}

function report(retry: RequestRetry, options: RetryOptions): void {
  try {
    options.onRetry?.(retry);
  } catch {
    // A reporting hook must not turn a retry into a failure.
  }
  // One cause per verb, code and wait (core's default logger prints it once per 30 s, with a
  // repeat count); the attempt is a field, not part of the message.
  options.logger.warn(
    {
      component: 'listwatch',
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
      err: retry.error,
      attempt: retry.attempt,
      maxRetries: retry.maxRetries,
      retryInMs: retry.delayMs,
    },
    `${retry.verb} answered ${String(retry.code)} with Retry-After ${String(retry.retryAfterSeconds)} s, retrying`,
  );
}
