// Full requeues of the primary: every object in its cache enqueued again at the start of each
// worker term and every `syncPeriodMs` (± 10 % jitter) while the workers run (controller-runtime's
// `SyncPeriod`, pkg/cache; client-go's sample-controller resyncs its informers every 30 s), at
// `lowPriority` so that a fresh change still goes first.
import type { Clock, Logger } from '@kubecache/core';
import type { SharedIndexInformer } from '@kubecache/informer';
import { lowPriority } from '@kubecache/workqueue';
import { maxDelayMs } from './workers.js';

/**
 * The primary's full requeues.
 *
 * Contract:
 * - `enqueueAll()` enqueues every key in the primary's store, at `lowPriority` (-100), and says
 *   how many.
 * - `every()` calls `enqueueAll()` every `syncPeriodMs` (each wait drawn from 0.9× to 1.1×,
 *   at most `maxDelayMs`) until cancelled; with `syncPeriodMs` 0 or `Infinity` it does nothing.
 */
export interface PrimaryResync {
  /** Enqueues every primary in the cache at `lowPriority`; returns how many keys. */
  enqueueAll(): number;
  /** Starts the periodic resync; `cancel()` stops it. */
  every(): { cancel(): void };
}

/**
 * Creates the {@link PrimaryResync} of a controller.
 *
 * @param options.informer - the primary's informer (its store's keys are enqueued).
 * @param options.enqueue - how a key enters the controller's queue (through its debounce).
 * @param options.syncPeriodMs - the period, in ms; 0 or `Infinity` disables `every()`.
 * @param options.name - the controller's name, for the debug line of each resync.
 */
export function createPrimaryResync(options: {
  informer: SharedIndexInformer<unknown>;
  enqueue: (key: string, priority: number) => void;
  syncPeriodMs: number;
  clock: Clock;
  logger: Logger;
  name: string;
}): PrimaryResync {
  const { informer, enqueue, syncPeriodMs: period, clock, logger, name } = options;
  const enqueueAll = (): number => {
    const keys = informer.getStore().listKeys();
    for (const key of keys) enqueue(key, lowPriority);
    return keys.length;
  };
  return {
    enqueueAll,
    every() {
      if (period === 0 || !Number.isFinite(period)) return { cancel: () => undefined };
      let timer: { cancel(): void } | undefined;
      const schedule = (): void => {
        const ms = Math.min(period * (0.9 + 0.2 * Math.random()), maxDelayMs);
        timer = clock.setTimeout(() => {
          const n = enqueueAll();
          logger.debug(
            { component: 'controller', controller: name, objects: n },
            'periodic resync: every primary enqueued',
          );
          schedule();
        }, ms);
      };
      schedule();
      return { cancel: () => timer?.cancel() };
    },
  };
}
