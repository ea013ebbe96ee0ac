/** The levels of a {@link Logger}, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured logger with pino's call shape, so `pino()` (or any pino child) can be passed as is:
 * `logger.info({ resource: 'pods' }, 'listed')` or `logger.info('listed')`.
 *
 * `flush()` is optional: kubecache's own loggers (`createDefaultLogger`,
 * `createRateLimitedLogger`) print the repeat counts they hold back when it is called; pino's
 * `flush()` writes its buffer. Call it through {@link flushLogger}.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  flush?(): void;
}

const noop = (): void => undefined;

/**
 * A logger that discards everything. Pass it as the `logger` option to opt out of kubecache's
 * default logging (`defaultLogger`, warnings and errors to stderr).
 */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Calls `logger.flush()` if the logger has one: a rate-limited logger then prints the
 * `(repeated N times …)` lines it still holds. Components call it when they stop.
 *
 * @param logger - any {@link Logger}.
 * @returns nothing; never throws (an exception from `flush` is swallowed).
 */
export function flushLogger(logger: Logger): void {
  try {
    if (typeof logger.flush === 'function') logger.flush();
  } catch {
    // Logging must never break the caller.
  }
}
