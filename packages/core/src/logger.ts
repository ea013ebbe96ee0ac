/**
 * A structured logger with pino's call shape, so `pino()` (or any pino child) can be passed as is:
 * `logger.info({ resource: 'pods' }, 'listed')` or `logger.info('listed')`.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

const noop = (): void => undefined;

/**
 * A logger that discards everything. Pass it as the `logger` option to opt out of kubecache's
 * default logging (`defaultLogger`, warnings and errors to stderr).
 */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
