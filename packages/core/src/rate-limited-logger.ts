// kubecache's own: the default logger's repeat policy put in front of a logger the user passes
// (pino, a pino child, anything pino-shaped). pino prints every call; a reconcile failing for a
// few keys every 5 ms would write thousands of JSON lines a minute.
import { describeError } from './describe-error.js';
import { rateLimitedBrand, type RateLimitedLogger } from './default-logger.js';
import {
  LogRateLimiter,
  defaultKeyFields,
  readLogCall,
  type LogCall,
  type RateLimitOptions,
} from './log-rate-limit.js';
import { silentLogger, type Logger, type LogLevel } from './logger.js';
import { inspectValue, uninspectable } from './inspect-value.js';

/** Options of {@link createRateLimitedLogger}: the window, keys and clock of the repeat policy. */
export type RateLimitedLoggerOptions = RateLimitOptions;

function isRateLimited(logger: Logger): boolean {
  try {
    return (logger as unknown as Record<symbol, unknown>)[rateLimitedBrand] === true;
  } catch {
    return false;
  }
}

/**
 * The call's fields with the error described instead of the Error itself (pino prints no stack
 * then), and any other value a serializer could choke on (one whose inspection throws) as text.
 */
function withoutStack(call: LogCall, drop: ReadonlySet<string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(call.fields ?? {})) {
    if (drop.has(name)) continue;
    if (name === 'err' || name === 'error') fields[name] = describeError(value);
    else if (typeof value === 'object' && value !== null) {
      const text = inspectValue(value);
      fields[name] = text === uninspectable ? text : value;
    } else fields[name] = value;
  }
  return fields;
}

/**
 * Applies kubecache's repeat policy (the one of {@link createDefaultLogger}) to any pino-shaped
 * logger: the first call of a cause is passed on unchanged (pino prints its `err` with the
 * stack); later calls of that cause within the window (30 s) are held back, and when it ends one
 * call is made with the fields of the last one held back, `err` described as one line
 * (no stack), the key fields replaced by `repeated` (how many calls were held back), `keys` (the
 * first 5 keys they named) and `keyCount` (how many distinct keys; a string ending in `+` past
 * 1000). A call after a quiet window is passed on at once, `err` described as one line.
 * `flush()` makes the held-back summary calls now, then calls the target's own `flush()` (pino
 * writes its buffer); it also runs when the process exits.
 *
 * What a cause is: see {@link createDefaultLogger} (level, component, resource, msg and the
 * error's class, code, reason and normalised message, or a string `cause` field; never the key).
 * Levels are not filtered here: the target does that.
 *
 * kubecache's components wrap the `logger` option with this (`createRateLimitedLogger(
 * options.logger ?? defaultLogger)`); a logger that already applies the policy (the default
 * logger, a logger this function made) and `silentLogger` are returned as they are.
 *
 * @param logger - the logger to call: pino, a pino child, or anything with pino's four methods.
 * @param options - window, key fields, named keys, clock; see {@link RateLimitOptions}.
 * @returns a {@link RateLimitedLogger} in front of `logger`. Its methods never throw: an
 * exception from `logger` is swallowed.
 */
export function createRateLimitedLogger(
  logger: Logger,
  options: RateLimitedLoggerOptions = {},
): RateLimitedLogger {
  if (isRateLimited(logger)) return logger as RateLimitedLogger;
  if (logger === silentLogger) {
    return {
      ...silentLogger,
      flush: () => undefined,
      [rateLimitedBrand]: true,
    } as RateLimitedLogger;
  }
  const keyFields = options.keyFields ?? defaultKeyFields;
  const noKeys = new Set(keyFields);
  const none = new Set<string>();

  function call(level: LogLevel, fields: object | undefined, msg: string | undefined): boolean {
    try {
      if (fields === undefined) logger[level](msg ?? '');
      else if (msg === undefined) logger[level](fields);
      else logger[level](fields, msg);
      return true;
    } catch {
      return false; // a user's logger that throws must not break the caller
    }
  }

  const limiter = new LogRateLimiter((event) => {
    const c = event.call;
    if (event.kind === 'line') {
      if (c.fields === undefined) call(c.level, undefined, c.text);
      else if (!call(c.level, event.firstOfCause ? c.fields : withoutStack(c, none), c.msg)) {
        // The target could not take the fields (pino's serializer on a revoked Proxy throws):
        // once more with the error described as text.
        if (event.firstOfCause) call(c.level, withoutStack(c, none), c.msg);
      }
      return;
    }
    const fields = withoutStack(c, noKeys);
    fields.repeated = event.repeated;
    if (event.keyCount > 0) {
      fields.keys = event.keys;
      fields.keyCount = event.keyCountIsLowerBound ? `${event.keyCount}+` : event.keyCount;
    }
    call(c.level, fields, c.fields === undefined ? c.text : c.msg);
  }, options);

  const log =
    (level: LogLevel) =>
    (objOrMsg: object | string, msg?: string): void => {
      limiter.submit(readLogCall(level, objOrMsg, msg, keyFields));
    };

  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    flush: () => {
      limiter.flush();
      try {
        if (typeof logger.flush === 'function') logger.flush();
      } catch {
        // Logging must never break the caller.
      }
    },
    [rateLimitedBrand]: true,
  } as RateLimitedLogger;
}
