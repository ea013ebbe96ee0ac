// How the elector tells what goes wrong: through the Logger, with the fields every line carries
// (component, resource, identity) and the error as `err`. Repeats of a cause are not limited
// here: the elector wraps its logger (the user's, or core's defaultLogger) with core's
// createRateLimitedLogger, which prints a cause's first line with its stack, then one summary
// per 30 s, and flushes when the elector stops.
import type { Logger } from '@kubecache/core';

/** Log levels the reporter writes at. */
export type ReportLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes log lines. */
export interface Reporter {
  /** Logs `msg` with `fields` (and `err` as the `err` field). Never throws. */
  report(level: ReportLevel, msg: string, fields: Record<string, unknown>, err?: Error): void;
}

/**
 * Creates a {@link Reporter} over `logger` (a logger that applies core's repeat policy: see
 * `createRateLimitedLogger`). Every call is passed on; an exception from the logger is swallowed.
 */
export function createReporter(logger: Logger): Reporter {
  return {
    report(level, msg, fields, err) {
      try {
        logger[level](err === undefined ? fields : { ...fields, err }, msg);
      } catch {
        // Logging must never break the election.
      }
    },
  };
}
