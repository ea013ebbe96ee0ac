// The range of delays the rate limiters return and the delaying queue waits. client-go's delays
// are time.Duration (int64 nanoseconds): never NaN, never infinite, at most 2^63 − 1 ns, which
// golang.org/x/time/rate returns as InfDuration for a reservation that can never be served.

/**
 * The longest delay, in ms, any rate limiter of this package returns and the delaying queue
 * waits: Go's longest `time.Duration` (2^63 − 1 ns, about 292 years), what client-go's token
 * bucket answers for "never". Longer requested delays (`Infinity` included) are cut to it.
 */
export const longestDelayMs = (2 ** 63 - 1) / 1e6;

/**
 * `value` as a delay in ms within [0, `maxMs`]: a number above `maxMs` (`Infinity` included)
 * becomes `maxMs`; a negative number, `NaN` or anything that is not a number becomes 0 (client-go
 * adds an item with a delay ≤ 0 at once). Never throws.
 *
 * @param value - the delay asked for, in ms.
 * @param maxMs - the upper bound, in ms (≥ 0). Default: {@link longestDelayMs}.
 */
export function clampDelayMs(value: unknown, maxMs: number = longestDelayMs): number {
  if (typeof value !== 'number' || !(value > 0)) return 0;
  return value < maxMs ? value : maxMs;
}
