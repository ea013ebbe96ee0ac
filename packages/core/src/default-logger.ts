// kubecache's default Logger. client-go logs through klog, which writes every warning and error to
// stderr unconditionally; a retrying reflector therefore prints one line per failed attempt.
// Here the same failures are printed, but one line per distinct cause per repeat window, so a
// server that is down for an hour costs a few dozen lines, not thousands.
import { realClock, type Clock } from './clock.js';
import { summarizeError, formatSummary, type ErrorSummary } from './describe-error.js';
import type { Logger } from './logger.js';
import { redact } from './redact.js';

/** The levels of a {@link Logger}, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of {@link createDefaultLogger}. */
export interface DefaultLoggerOptions {
  /** The least severe level printed. Default: `'warn'` (debug and info are dropped). */
  level?: LogLevel;
  /**
   * Within this many ms after a cause was printed, further lines with the same cause are
   * counted instead of printed; the first one after the window is printed with a
   * `(repeated K times)` suffix. `0` prints every line. Default: 30 000 (30 s).
   */
  repeatWindowMs?: number;
  /** How many distinct causes are remembered; the oldest is forgotten first. Default: 1000. */
  maxCauses?: number;
  /** The first word of every line. Default: `'kubecache'`. */
  prefix?: string;
  /**
   * Receives each line, newline included. Default: `process.stderr.write`. An exception from it
   * is swallowed: logging never breaks the caller.
   */
  write?: (line: string) => void;
  /** The clock of the repeat window. Default: the real clock. */
  clock?: Clock;
}

/** Default of {@link DefaultLoggerOptions.repeatWindowMs}: 30 s. */
export const defaultRepeatWindowMs = 30_000;

/** The longest line the default logger prints, in characters, before cutting it with `…`. */
export const maxLogLineLength = 2000;

interface Cause {
  /** When the cause was last printed (clock ms). */
  printedAt: number;
  /** Lines with this cause counted but not printed since then. */
  suppressed: number;
}

const reserved = new Set(['component', 'resource', 'err', 'error', 'msg']);

function writeToStderr(line: string): void {
  process.stderr.write(line);
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value instanceof Error) return JSON.stringify(formatSummary(summarizeError(value)));
  try {
    return JSON.stringify(value) ?? `[${typeof value}]`;
  } catch {
    return '[unserialisable]';
  }
}

/**
 * Creates a Logger that prints warnings and errors to stderr, one human-readable line each,
 * redacted, and rate-limited per cause.
 *
 * Line format (exactly; fields in brackets appear only when present):
 *
 * ```
 * <prefix> <level> <component>[ <resource>]: <msg>[: <error message>][ (<code> <reason>)][ <key>=<value>…][ (repeated K times)]
 * ```
 *
 * for example
 *
 * ```
 * kubecache warn reflector pods.v1: watch ended: too old resource version: 5 (1000) (410 Expired)
 * kubecache error informer pods.v1: event handler failed: boom handler=1
 * kubecache warn reflector pods.v1: list failed: fetch failed: connect ECONNREFUSED 127.0.0.1:6443 (ECONNREFUSED) retryInMs=1600 (repeated 37 times)
 * ```
 *
 * - The call shape is pino's: `logger.warn({ component, resource, err, ...fields }, msg)` or
 *   `logger.warn(msg)`. `component` (default `kubecache`) names the layer (reflector, informer,
 *   workqueue, listwatch, leaderelection, …), `resource` the GVR or queue name, `err` (or
 *   `error`) anything thrown, described by {@link describeError}. Other fields are printed as
 *   `key=value`, in insertion order (strings with spaces or quotes JSON-quoted, objects as JSON).
 * - The cause of a line is its level, component, resource, msg and the error's code and reason —
 *   not the error message nor the other fields, which often carry counters and resource versions.
 * - The first line of a cause is printed. Later ones within `repeatWindowMs` of the last printed
 *   one are counted; the next one after the window is printed with ` (repeated K times)`, K
 *   being the number of lines of that cause left out since the cause was last printed. Lines that
 *   are still counted when the failures stop are never printed (no timer runs for them).
 * - Every line is passed through {@link redact} and cut at {@link maxLogLineLength} characters.
 * - `debug` and `info` are dropped unless `level` says otherwise.
 *
 * @param options - level, repeat window, output and clock; see {@link DefaultLoggerOptions}.
 * @returns a pino-compatible {@link Logger}. Never throws from its methods.
 */
export function createDefaultLogger(options: DefaultLoggerOptions = {}): Logger {
  const minRank = levelRank[options.level ?? 'warn'];
  const windowMs = options.repeatWindowMs ?? defaultRepeatWindowMs;
  const maxCauses = Math.max(1, options.maxCauses ?? 1000);
  const prefix = options.prefix ?? 'kubecache';
  const write = options.write ?? writeToStderr;
  const clock = options.clock ?? realClock;
  const causes = new Map<string, Cause>();

  function log(level: LogLevel, objOrMsg: object | string, msg?: string): void {
    if (levelRank[level] < minRank) return;
    try {
      const fields: Record<string, unknown> =
        typeof objOrMsg === 'string' ? {} : (objOrMsg as Record<string, unknown>);
      const text =
        typeof objOrMsg === 'string'
          ? objOrMsg
          : (msg ?? (typeof fields.msg === 'string' ? fields.msg : ''));
      const component =
        typeof fields.component === 'string' && fields.component !== ''
          ? fields.component
          : 'kubecache';
      const resource = typeof fields.resource === 'string' ? fields.resource : '';
      const errValue = fields.err ?? fields.error;
      const summary: ErrorSummary | undefined =
        errValue === undefined ? undefined : summarizeError(errValue);

      const key = [
        level,
        component,
        resource,
        text,
        summary?.code ?? '',
        summary?.reason ?? '',
      ].join('\u0000');
      const now = clock.now();
      const seen = causes.get(key);
      let repeated = 0;
      if (seen !== undefined) {
        if (now - seen.printedAt < windowMs) {
          seen.suppressed++;
          return;
        }
        repeated = seen.suppressed;
        causes.delete(key); // re-inserted below: the Map stays in least-recently-printed order
      }
      causes.set(key, { printedAt: now, suppressed: 0 });
      if (causes.size > maxCauses) {
        const oldest = causes.keys().next().value;
        if (oldest !== undefined) causes.delete(oldest);
      }

      // The header (component and resource) is not redacted: a resource named `secrets.v1`
      // followed by `: ` would otherwise read as a secret key and hide the message.
      const header = `${prefix} ${level} ${component}${resource === '' ? '' : ` ${resource}`}: `;
      let tail = text;
      if (summary !== undefined) tail += `${text === '' ? '' : ': '}${formatSummary(summary)}`;
      for (const [name, value] of Object.entries(fields)) {
        if (reserved.has(name)) continue;
        tail += ` ${name}=${fieldValue(value)}`;
      }
      if (repeated > 0) tail += ` (repeated ${repeated} ${repeated === 1 ? 'time' : 'times'})`;
      let line = (header + redact(tail)).replace(/[\r\n]+/g, ' ');
      if (line.length > maxLogLineLength) line = `${line.slice(0, maxLogLineLength - 1)}…`;
      write(`${line}\n`);
    } catch {
      // Logging must never break the caller.
    }
  }

  return {
    debug: (obj, msg) => log('debug', obj, msg),
    info: (obj, msg) => log('info', obj, msg),
    warn: (obj, msg) => log('warn', obj, msg),
    error: (obj, msg) => log('error', obj, msg),
  };
}

/**
 * The logger kubecache uses when none is given: {@link createDefaultLogger} with its defaults
 * (warnings and errors to stderr, one line per cause per 30 s, redacted). Pass `silentLogger` to
 * print nothing, or any pino logger to take over.
 */
export const defaultLogger: Logger = createDefaultLogger();
