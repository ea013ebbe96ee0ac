import { realClock, type Clock } from './clock.js';

/** Parameters of an exponential backoff with jitter (client-go `wait.Backoff` + reset). */
export interface BackoffOptions {
  /** First delay in ms. Default: 800. */
  initialMs?: number;
  /** Multiplier applied after each step. Default: 2. */
  factor?: number;
  /** Largest base delay in ms. Default: 30 000. */
  capMs?: number;
  /**
   * Random extra fraction: each delay is `base * (1 + random() * jitter)`. Default: 1.0, so the
   * steady state under a long outage is spread over [cap, 2 × cap).
   */
  jitter?: number;
  /** After this many ms without a backoff, the delay starts over at `initialMs`. Default: 120 000. */
  resetMs?: number;
}

/** client-go's reflector defaults: 800 ms ×2 up to 30 s, jitter 1.0, reset after 2 min. */
export const defaultBackoffOptions: Required<BackoffOptions> = {
  initialMs: 800,
  factor: 2,
  capMs: 30_000,
  jitter: 1.0,
  resetMs: 120_000,
};

/**
 * An exponential backoff manager (client-go `wait.NewExponentialBackoffManager`): each call to
 * {@link Backoff.next} returns the delay to wait before the next attempt. If the previous backoff
 * was longer than `resetMs` ago, the sequence starts over.
 */
export class Backoff {
  readonly options: Required<BackoffOptions>;
  readonly #clock: Clock;
  readonly #random: () => number;
  #base: number;
  #lastAt: number | undefined;

  constructor(options: BackoffOptions = {}, deps: { clock?: Clock; random?: () => number } = {}) {
    this.options = { ...defaultBackoffOptions, ...stripUndefined(options) };
    this.#clock = deps.clock ?? realClock;
    this.#random = deps.random ?? Math.random;
    this.#base = this.options.initialMs;
  }

  /** Returns the next delay in ms (jittered) and advances the sequence. */
  next(): number {
    const now = this.#clock.now();
    if (this.#lastAt !== undefined && now - this.#lastAt > this.options.resetMs)
      this.#base = this.options.initialMs;
    this.#lastAt = now;
    const base = this.#base;
    this.#base = Math.min(this.options.capMs, this.#base * this.options.factor);
    const jitter = this.options.jitter > 0 ? base * this.#random() * this.options.jitter : 0;
    return base + jitter;
  }

  /** Starts the sequence over at `initialMs`. */
  reset(): void {
    this.#base = this.options.initialMs;
    this.#lastAt = undefined;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
