// kubecache's own: the one-line description of a failure that every package logs. Go's klog
// prints `err.Error()`, whose apimachinery StatusError text already carries the server message;
// in TypeScript the code, reason and message sit on different error shapes (kubecache's
// ApiStatusError, client-node's ApiException with a JSON body, Node system errors, fetch's
// TypeError with a cause), so they are gathered here, duck-typed, without importing any of them.
import { redact } from './redact.js';

/** The facts of an error that a log line and a rate-limit key need. */
export interface ErrorSummary {
  /** The error's `name` (`ApiStatusError`, `TypeError`, …); `'Error'` for non-errors. */
  readonly name: string;
  /**
   * The HTTP status code (number: `403`, `410`, `429`, …) or the system error code (string:
   * `ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, …) of the error or of the first error in its
   * `cause` chain that has one; `undefined` if none has.
   */
  readonly code: number | string | undefined;
  /** The Kubernetes Status `reason` (`Expired`, `Forbidden`, `TooManyRequests`, …); `''` if none. */
  readonly reason: string;
  /**
   * The server's message (the Status `message`) or else the error message, followed by the
   * messages of its causes when they add something; one line, redacted, at most
   * {@link maxErrorMessageLength} characters.
   */
  readonly message: string;
}

/** The longest error message {@link summarizeError} keeps, in characters (the rest becomes `…`). */
export const maxErrorMessageLength = 512;

const maxCauseDepth = 4;

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

/** A Kubernetes Status in a client-node `ApiException.body` (a JSON string or a parsed object). */
function statusFromBody(body: unknown): Bag | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    if (!body.trimStart().startsWith('{')) return undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isBag(parsed) && parsed.kind === 'Status' ? parsed : undefined;
}

function codeOf(e: Bag, status: Bag | undefined): number | string | undefined {
  if (status && typeof status.code === 'number' && status.code > 0) return status.code;
  const code = e.code ?? e.statusCode;
  if (typeof code === 'number' && code > 0) return code;
  if (typeof code === 'string' && code !== '') return code;
  return undefined;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > maxErrorMessageLength
    ? `${flat.slice(0, maxErrorMessageLength - 1)}…`
    : flat;
}

/**
 * Gathers the code, reason and message of anything thrown, following its `cause` chain (up to
 * four levels). Understands kubecache's `ApiStatusError` (`code`, `reason`, Status `message`),
 * client-node's `ApiException` (`code` and a JSON Status `body`), a plain Kubernetes `Status`
 * object, Node system errors (`code: 'ECONNREFUSED'`) and `fetch` failures (`TypeError: fetch
 * failed` whose `cause` is the socket error). Anything else is described by `String(value)`.
 *
 * The message is redacted with {@link redact} and flattened to one line.
 *
 * @param err - anything thrown or rejected with.
 * @returns the summary; never throws.
 */
export function summarizeError(err: unknown): ErrorSummary {
  if (!isBag(err)) {
    return { name: 'Error', code: undefined, reason: '', message: oneLine(redact(String(err))) };
  }
  const name = typeof err.name === 'string' && err.name !== '' ? err.name : 'Error';
  let code: number | string | undefined;
  let reason = '';
  const messages: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < maxCauseDepth && isBag(current); depth++) {
    const e = current;
    const status = e.kind === 'Status' ? e : statusFromBody(e.body);
    code ??= codeOf(e, status);
    if (reason === '') {
      const r = status?.reason ?? e.reason;
      if (typeof r === 'string') reason = r;
    }
    const statusMessage = status?.message;
    const message =
      typeof statusMessage === 'string' && statusMessage !== ''
        ? statusMessage
        : typeof e.message === 'string'
          ? e.message
          : '';
    // A cause whose text is already part of the outer message adds nothing.
    if (message !== '' && !messages.some((m) => m.includes(message))) messages.push(message);
    current = e.cause;
  }
  const joined = messages.length > 0 ? messages.join(': ') : name;
  return { name, code, reason, message: oneLine(redact(joined)) };
}

/**
 * Describes an error in one redacted line for logs: `<message> (<code> <reason>)`, for example
 * `too old resource version: 5 (1000) (410 Expired)`, `pods is forbidden: User "x" cannot list
 * resource "pods" (403 Forbidden)`, `fetch failed: connect ECONNREFUSED 127.0.0.1:6443
 * (ECONNREFUSED)`; the parenthesis is left out when there is neither code nor reason.
 *
 * @param err - anything thrown or rejected with.
 * @returns one line of at most ~540 characters; never throws.
 */
export function describeError(err: unknown): string {
  return formatSummary(summarizeError(err));
}

/** `<message> (<code> <reason>)` of a summary; see {@link describeError}. */
export function formatSummary(summary: ErrorSummary): string {
  const tag = [summary.code === undefined ? '' : String(summary.code), summary.reason]
    .filter((part) => part !== '')
    .join(' ');
  return tag === '' ? summary.message : `${summary.message} (${tag})`;
}
