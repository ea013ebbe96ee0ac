// How informer reports print a duration: short enough to read in a log line.

/**
 * `420 ms` under a second, `4.2 s` under a minute, `312 s` beyond.
 *
 * @param ms - a duration in ms (negative values print as 0).
 */
export function formatDuration(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 1000) return `${String(Math.round(v))} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)} s`;
  return `${String(Math.round(v / 1000))} s`;
}
