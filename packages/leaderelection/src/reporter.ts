// How the elector tells what goes wrong: through the Logger, one line per distinct cause, with
// repeats of the same cause summarised (client-go logs every failure through klog; a retry loop
// every 2 s would flood a log, and a silent one would hide an outage).
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

/** Creates a {@link Reporter} over `logger`, timing the window with `clock`. */
export function createReporter(logger: Logger, clock: Clock): Reporter {
  const last = new Map<string, { at: number; repeated: number }>();
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

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * The default logger: `warn` and `error` lines to stderr as
 * `kubecache/leaderelection WARN <msg> key=value …`; `debug` and `info` are dropped.
 */
export function createStderrLogger(
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const line = (level: string) => (obj: object | string, msg?: string) => {
    const fields = typeof obj === 'string' ? {} : (obj as Record<string, unknown>);
    const text = typeof obj === 'string' ? obj : (msg ?? '');
    const rest = Object.entries(fields)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    write(`kubecache/leaderelection ${level} ${text}${rest === '' ? '' : ` ${rest}`}\n`);
  };
  const drop = (): void => undefined;
  return { debug: drop, info: drop, warn: line('WARN'), error: line('ERROR') };
}
