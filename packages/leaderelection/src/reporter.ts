// How the elector tells what goes wrong: through the Logger, one line per distinct cause, with
// repeats of the same cause summarised (client-go logs every failure through klog; a retry loop
// every 2 s would flood a log, and a silent one would hide an outage). With no logger given, the
// elector uses core's defaultLogger, which limits itself (one line per cause per 30 s, with a
// repeat count); the reporter's own limiting is for the loggers users pass (pino does not limit).
import type { Clock, Logger } from '@kubecache/core';

/** Log levels the reporter writes at. */
export type ReportLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes log lines; repeated ones are rate-limited. */
export interface Reporter {
  /**
   * Logs `msg` with `fields` (and `err` as the `err` field). A line whose level, message and
   * error message equal one written less than the window ago is counted instead of written; the
   * next one written carries `repeated: n`.
   */
  report(level: ReportLevel, msg: string, fields: Record<string, unknown>, err?: Error): void;
}

/** The window in which a repeated cause is counted rather than logged, in ms. */
export const repeatWindowMs = 30_000;

/**
 * Creates a {@link Reporter} over `logger`, timing the window with `clock`. With
 * `rateLimit: false` every line is passed on (for a logger that limits itself, like core's
 * `defaultLogger`).
 */
export function createReporter(
  logger: Logger,
  clock: Clock,
  options: { rateLimit?: boolean } = {},
): Reporter {
  const last = new Map<string, { at: number; repeated: number }>();
  if (options.rateLimit === false) {
    return {
      report(level, msg, fields, err) {
        logger[level](err === undefined ? fields : { ...fields, err }, msg);
      },
    };
  }
  return {
    report(level, msg, fields, err) {
      const key = `${level}\u0000${msg}\u0000${err?.name ?? ''}\u0000${err?.message ?? ''}`;
      const now = clock.now();
      const seen = last.get(key);
      if (seen !== undefined && now - seen.at < repeatWindowMs) {
        seen.repeated++;
        return;
      }
      if (last.size > 256) last.clear();
      last.set(key, { at: now, repeated: 0 });
      const line: Record<string, unknown> = { ...fields };
      if (err !== undefined) line.err = err;
      if (seen !== undefined && seen.repeated > 0) line.repeated = seen.repeated;
      logger[level](line, msg);
    },
  };
}
