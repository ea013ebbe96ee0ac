// kubecache's own: the one-line description of a failure that every package logs. Go's klog
// prints `err.Error()`, whose apimachinery StatusError text already carries the server message;
// in TypeScript the code, reason and message sit on different error shapes (kubecache's
// ApiStatusError, client-node's ApiException with a JSON body, Node system errors, fetch's
// TypeError with a cause), so they are gathered here, duck-typed, without importing any of them.
import { inspectValue, isErrorInstance, safeGet, truncate } from './inspect-value.js';
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

/** The longest `name`, string `code` and `reason` {@link summarizeError} keeps, in characters. */
export const maxErrorFieldLength = 64;

/**
 * The longest text {@link describeError} returns, in characters: the message plus the
 * `(<code> <reason>)` tag.
 */
export const maxDescribedLength = maxErrorMessageLength + 2 * maxErrorFieldLength + 4;

/** How many errors of a `cause` chain are read. */
export const maxCauseDepth = 4;

// Text longer than this is cut before it is redacted and flattened, so a megabyte message costs
// no more than a short one (redaction is textual and would otherwise scan all of it).
const maxScannedLength = 4 * maxErrorMessageLength;
// A Status body longer than this is not parsed.
const maxParsedBodyLength = 1 << 20;

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

function shortString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' ? truncate(value, max) : undefined;
}

/** A Kubernetes Status in a client-node `ApiException.body` (a JSON string or a parsed object). */
function statusFromBody(body: unknown): Bag | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    if (body.length > maxParsedBodyLength || !body.trimStart().startsWith('{')) return undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isBag(parsed) && safeGet(parsed, 'kind') === 'Status' ? parsed : undefined;
}

function codeOf(e: Bag, status: Bag | undefined): number | string | undefined {
  const statusCode = status === undefined ? undefined : safeGet(status, 'code');
  if (typeof statusCode === 'number' && statusCode > 0 && Number.isFinite(statusCode)) {
    return statusCode;
  }
  const code = safeGet(e, 'code') ?? safeGet(e, 'statusCode');
  if (typeof code === 'number' && code > 0 && Number.isFinite(code)) return code;
  if (typeof code === 'string' && code !== '') return truncate(code, maxErrorFieldLength);
  return undefined;
}

function oneLine(text: string): string {
  return truncate(
    truncate(text, maxScannedLength)
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim(),
    maxErrorMessageLength,
  );
}

/** True for an Error, or an object with a string `message` or `stack` (an error from another realm). */
function isErrorLike(value: unknown): boolean {
  return (
    isErrorInstance(value) ||
    typeof safeGet(value, 'message') === 'string' ||
    typeof safeGet(value, 'stack') === 'string'
  );
}

const indescribable: ErrorSummary = {
  name: 'Error',
  code: undefined,
  reason: '',
  message: '[error that cannot be described]',
};

function summarize(err: unknown): ErrorSummary {
  if (!isBag(err)) {
    const text = inspectValue(err, maxScannedLength);
    return { name: 'Error', code: undefined, reason: '', message: oneLine(redact(text)) };
  }
  const rawName = shortString(safeGet(err, 'name'), maxErrorFieldLength);
  const name = rawName !== undefined && rawName !== '' ? rawName : 'Error';
  let code: number | string | undefined;
  let reason = '';
  const messages: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  for (let depth = 0; depth < maxCauseDepth && isBag(current) && !seen.has(current); depth++) {
    const e = current;
    seen.add(e);
    const status = safeGet(e, 'kind') === 'Status' ? e : statusFromBody(safeGet(e, 'body'));
    code ??= codeOf(e, status);
    if (reason === '') {
      const r =
        (status === undefined ? undefined : safeGet(status, 'reason')) ?? safeGet(e, 'reason');
      if (typeof r === 'string') reason = truncate(r, maxErrorFieldLength);
    }
    const statusMessage = status === undefined ? undefined : safeGet(status, 'message');
    const message =
      typeof statusMessage === 'string' && statusMessage !== ''
        ? statusMessage
        : (shortString(safeGet(e, 'message'), maxScannedLength) ?? '');
    const cut = truncate(message, maxScannedLength);
    // A cause whose text is already part of the outer message adds nothing.
    if (cut !== '' && !messages.some((m) => m.includes(cut))) messages.push(cut);
    current = safeGet(e, 'cause');
  }
  let joined: string;
  if (messages.length > 0) joined = messages.join(': ');
  else if (isErrorLike(err)) joined = name;
  else joined = inspectValue(err, maxScannedLength); // a plain object thrown: show what it holds
  return { name, code, reason, message: oneLine(redact(truncate(joined, maxScannedLength))) };
}

/**
 * Gathers the code, reason and message of anything thrown, following its `cause` chain (up to
 * four levels; cycles stop it). Understands kubecache's `ApiStatusError` (`code`, `reason`,
 * Status `message`), client-node's `ApiException` (`code` and a JSON Status `body`), a plain
 * Kubernetes `Status` object, Node system errors (`code: 'ECONNREFUSED'`) and `fetch` failures
 * (`TypeError: fetch failed` whose `cause` is the socket error). Non-errors are described by
 * {@link inspectValue}: `null`, `Symbol(x)`, `{"retry":false}`, and
 * `[object that cannot be inspected]` for a revoked Proxy.
 *
 * Total: getters and Proxy traps that throw are read as absent, `toString` and friends are never
 * called, and every part is bounded (`name`, string `code` and `reason` to
 * {@link maxErrorFieldLength} characters, `message` to {@link maxErrorMessageLength}). The
 * message is redacted with {@link redact} and flattened to one line.
 *
 * @param err - anything thrown or rejected with.
 * @returns the summary; never throws.
 */
export function summarizeError(err: unknown): ErrorSummary {
  try {
    return summarize(err);
  } catch {
    return indescribable;
  }
}

/**
 * Describes an error in one redacted line for logs: `<message> (<code> <reason>)`, for example
 * `too old resource version: 5 (1000) (410 Expired)`, `pods is forbidden: User "x" cannot list
 * resource "pods" (403 Forbidden)`, `fetch failed: connect ECONNREFUSED 127.0.0.1:6443
 * (ECONNREFUSED)`; the parenthesis is left out when there is neither code nor reason.
 *
 * @param err - anything thrown or rejected with, hostile values included (see
 * {@link summarizeError}).
 * @returns one line of at most {@link maxDescribedLength} characters; never throws.
 */
export function describeError(err: unknown): string {
  return formatSummary(summarizeError(err));
}

/** `<message> (<code> <reason>)` of a summary; see {@link describeError}. Never throws. */
export function formatSummary(summary: ErrorSummary): string {
  const code =
    summary.code === undefined ? '' : truncate(String(summary.code), maxErrorFieldLength);
  const tag = [code, truncate(summary.reason, maxErrorFieldLength)]
    .filter((part) => part !== '')
    .join(' ');
  const message = truncate(summary.message, maxErrorMessageLength);
  return tag === '' ? message : `${message} (${tag})`;
}
