// kubecache's default Logger. client-go logs through klog, which writes every warning and error to
// stderr unconditionally, one line per failed attempt and without the stack of a Go error.
// Here the same failures are printed, with the stack of a failure that comes from code, and
// repeats of a cause are summarised once per window with the keys they were about, so a server
// that is down for an hour costs a few dozen lines, not thousands.
import { realClock } from './clock.js';
import { describeError, formatSummary } from './describe-error.js';
import { formatErrorStack, stackIsUseful } from './error-stack.js';
import { inspectValue, isErrorInstance, truncate } from './inspect-value.js';
import {
  LogRateLimiter,
  defaultKeyFields,
  readLogCall,
  type LogCall,
  type RateLimitEvent,
  type RateLimitOptions,
} from './log-rate-limit.js';
import type { Logger, LogLevel } from './logger.js';
import { redact } from './redact.js';
import { isKnownStatusReason } from './status-reason.js';

export type { LogLevel } from './logger.js';
export { defaultRepeatWindowMs } from './log-rate-limit.js';

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A {@link Logger} that holds back repeated lines and prints their summary on `flush()`. */
export interface RateLimitedLogger extends Logger {
  /**
   * Prints now the `(repeated N times …)` summary of every cause with lines held back, instead
   * of when its window ends. Also runs when the process exits. Never throws.
   */
  flush(): void;
}

/** Carried by the loggers that apply the repeat policy themselves (not wrapped again). */
export const rateLimitedBrand = Symbol.for('@kubecache/core/RateLimitedLogger');

/** Options of {@link createDefaultLogger}. */
export interface DefaultLoggerOptions extends RateLimitOptions {
  /** The least severe level printed. Default: `'warn'` (debug and info are dropped). */
  level?: LogLevel;
  /** The first word of every line. Default: `'kubecache'`. */
  prefix?: string;
  /**
   * Receives each line, newline included (a line with a stack is one call, its frames on the
   * following lines). Default: `process.stderr.write`. An exception from it is swallowed:
   * logging never breaks the caller.
   */
  write?: (line: string) => void;
  /**
   * When the first line of a cause is followed by the stack of its `err`: `'auto'` for failures
   * that come from code (see {@link stackIsUseful}: not an API, network or kubecache error),
   * `'always'` for any error with a stack, `'never'`. Default: `'auto'`.
   */
  stacks?: 'auto' | 'always' | 'never';
}

/** The longest line the default logger prints, in characters, before cutting it with `…`. */
export const maxLogLineLength = 2000;

/** The longest stack printed under a line, in characters. */
export const maxLogStackLength = 4000;

const reserved = new Set(['component', 'resource', 'err', 'error', 'msg']);

function writeToStderr(line: string): void {
  process.stderr.write(line);
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') {
    const v = truncate(value, maxLogLineLength);
    return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (isErrorInstance(value)) return JSON.stringify(describeError(value));
  return inspectValue(value, maxLogLineLength);
}

function keysSuffix(event: Extract<RateLimitEvent, { kind: 'summary' }>): string {
  const times = `repeated ${event.repeated} ${event.repeated === 1 ? 'time' : 'times'}`;
  if (event.keyCount === 0) return ` (${times})`;
  const plus = event.keyCountIsLowerBound ? '+' : '';
  const rest = event.keyCount - event.keys.length;
  const named = event.keys.join(', ');
  return ` (${times} for ${event.keyCount}${plus} ${event.keyCount === 1 && plus === '' ? 'key' : 'keys'}: ${named}${rest > 0 ? ` and ${rest}${plus} more` : ''})`;
}

/**
 * Creates a Logger that prints warnings and errors to stderr, one human-readable line each (plus
 * the stack of the first failure of a cause that comes from code), redacted, and rate-limited
 * per cause, with the keys of the repeats named.
 *
 * Line format (exactly; fields in brackets appear only when present):
 *
 * ```
 * <prefix> <level> <component>[ <resource>]: <msg>[: <error message>][ (<code>[ <reason>])][ <key>=<value>…][ (repeated N times[ for M keys: <k1>, … <k5>[ and R more]])]
 * ```
 *
 * for example
 *
 * ```
 * kubecache warn controller foos: reconcile failed; will retry: Cannot read properties of undefined (reading 'replicas') key=default/a retries=0
 *   TypeError: Cannot read properties of undefined (reading 'replicas')
 *     at reconcile (/app/src/reconciler.ts:42:17)
 *     … 5 more frames (node_modules, node:internal or over 8)
 * kubecache warn controller foos: reconcile failed; will retry: Cannot read properties of undefined (reading 'replicas') retries=4 (repeated 57 times for 3 keys: default/a, default/b, default/c)
 * kubecache warn reflector pods.v1: list failed: fetch failed: connect ECONNREFUSED 127.0.0.1:6443 (ECONNREFUSED) retryInMs=1600 (repeated 37 times)
 * ```
 *
 * - The call shape is pino's: `logger.warn({ component, resource, err, key, ...fields }, msg)` or
 *   `logger.warn(msg)`. `component` (default `kubecache`) names the layer, `resource` the GVR or
 *   queue name, `err` (or `error`) anything thrown, described by {@link describeError} (its
 *   reason only when it is a Kubernetes Status reason apimachinery knows: `(403 Forbidden)`,
 *   not a `reason` field of another error class), `key`
 *   the object. Other fields are printed as `key=value`, in insertion order (strings with
 *   spaces or quotes JSON-quoted, objects as compact JSON).
 * - The cause of a line is its level, component, resource, msg and the error's class name,
 *   code, reason and message with its volatile parts (numbers, quoted names, ids, the key)
 *   normalised — or a string `cause` field — never the key fields (`keyFields`, default `key`).
 * - The first line of a cause is printed, followed, for a failure that comes from code (see
 *   `stacks`), by its stack and its `cause` chain's, indented, with frames of node_modules and
 *   node:internal counted rather than printed. Later lines of the cause within `repeatWindowMs`
 *   (30 s) are held back; when the window ends (a timer that never keeps the process alive) one
 *   line says how many there were and names their first 5 keys and the count of the others.
 *   A line after a quiet window is printed at once, without the stack.
 * - `flush()` prints the held-back summaries now; the logger also flushes when the process
 *   exits. Components call it (through `flushLogger`) when they stop.
 * - Every line (and stack) is passed through {@link redact}; the line is cut at
 *   {@link maxLogLineLength} characters, the stack at {@link maxLogStackLength}.
 * - `debug` and `info` are dropped unless `level` says otherwise.
 *
 * @param options - level, repeat window, keys, stacks, output and clock; see {@link DefaultLoggerOptions}.
 * @returns a pino-compatible {@link RateLimitedLogger}. Never throws from its methods, whatever
 * they are given (revoked Proxies, throwing getters, cycles, huge values).
 */
export function createDefaultLogger(options: DefaultLoggerOptions = {}): RateLimitedLogger {
  const minRank = levelRank[options.level ?? 'warn'] ?? levelRank.warn;
  const prefix = options.prefix ?? 'kubecache';
  const write = options.write ?? writeToStderr;
  const stacks = options.stacks ?? 'auto';
  const keyFields = options.keyFields ?? defaultKeyFields;
  const skipInSummary = new Set([...reserved, ...keyFields]);

  function render(call: LogCall, skip: ReadonlySet<string>, suffix: string): string {
    // The header (component and resource) is not redacted: a resource named `secrets.v1`
    // followed by `: ` would otherwise read as a secret key and hide the message.
    const component = call.component === '' ? 'kubecache' : call.component;
    const header = `${prefix} ${call.level} ${component}${call.resource === '' ? '' : ` ${call.resource}`}: `;
    let tail = call.text;
    if (call.summary !== undefined) {
      // Only an API Status reason is printed: an error class's own `reason` field (a
      // ControllerFailedError's `workers`) is not a reason of the request that failed.
      const s = call.summary;
      const summary = isKnownStatusReason(s.reason) ? s : { ...s, reason: '' };
      tail += `${call.text === '' ? '' : ': '}${formatSummary(summary)}`;
    }
    for (const [name, value] of Object.entries(call.fields ?? {})) {
      if (tail.length > 2 * maxLogLineLength) break;
      if (skip.has(name)) continue;
      tail += ` ${name}=${fieldValue(value)}`;
    }
    tail = truncate(tail, 2 * maxLogLineLength) + suffix;
    return truncate((header + redact(tail)).replace(/[\r\n]+/g, ' '), maxLogLineLength);
  }

  const limiter = new LogRateLimiter(
    (event) => {
      let out: string;
      if (event.kind === 'line') {
        out = render(event.call, reserved, '');
        const err = event.call.err;
        if (
          event.firstOfCause &&
          err !== undefined &&
          (stacks === 'always' || (stacks === 'auto' && stackIsUseful(err, event.call.summary)))
        ) {
          const stack = formatErrorStack(err, { maxLength: maxLogStackLength });
          if (stack !== '') out += `\n${stack}`;
        }
      } else {
        out = render(event.call, skipInSummary, keysSuffix(event));
      }
      write(`${out}\n`);
    },
    { ...options, clock: options.clock ?? realClock },
  );

  const log =
    (level: LogLevel) =>
    (objOrMsg: object | string, msg?: string): void => {
      if (levelRank[level] < minRank) return;
      limiter.submit(readLogCall(level, objOrMsg, msg, keyFields));
    };

  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    flush: () => limiter.flush(),
    [rateLimitedBrand]: true,
  } as RateLimitedLogger;
}

/**
 * The logger kubecache uses when none is given: {@link createDefaultLogger} with its defaults
 * (warnings and errors to stderr, stacks of failures that come from code, one line per cause
 * per 30 s then a summary naming the keys, redacted, flushed on exit). Pass `silentLogger` to
 * print nothing, or any pino logger to take over (wrap it with `createRateLimitedLogger`).
 */
export const defaultLogger: RateLimitedLogger = createDefaultLogger();
