// The `leaderElection` option of a controller: its workers run only in this replica's terms as
// leader (controller-runtime's manager `LeaderElection`, pkg/manager/internal.go
// startLeaderElection; client-go's tools/leaderelection `RunOrDie`), while the caches stay warm
// on every replica.
import type { Clock, Logger } from '@kubecache/core';
import { createLeaderElector } from '@kubecache/leaderelection';
import type { ControllerLeaderElection } from './controller-options.js';
import { attempt, safeLog } from './safe.js';
import type { Supervisor } from './supervision.js';

/**
 * Runs the controller's workers in the terms of `election` until `signal` aborts.
 *
 * Contract:
 * - Each term this replica wins runs `options.term(termSignal)`; the term's end (leadership
 *   lost) aborts `termSignal`. `onLeadingChange(true/false)` is called as terms start and end;
 *   what it throws is logged (`onLeadingChange threw; ignored`), never the term's failure.
 * - On a failure of the controller (`supervisor.signal`) inside a term, the term rejects first
 *   (the elector ends it and releases the lease), then the elector's run is stopped, so that this
 *   replica does not campaign again; outside a term the elector's run is stopped at once.
 * - An elector error after the controller failed is swallowed (the caller throws the failure).
 *
 * @param options.isLeading - whether a term's workers are running right now.
 * @returns the reconciles abandoned at shutdown by the last term (0 if none ran).
 * @throws what the elector's run rejects with when the controller did not fail.
 */
export async function runElected(options: {
  election: ControllerLeaderElection;
  signal: AbortSignal;
  supervisor: Supervisor;
  term: (term: AbortSignal) => Promise<number>;
  isLeading: () => boolean;
  clock: Clock;
  logger: Logger;
  name: string;
}): Promise<number> {
  const { election, signal, supervisor, clock, logger, name } = options;
  const { onLeadingChange, ...electorOptions } = election;
  const stopElector = new AbortController();
  const stop = (): void => stopElector.abort(signal.reason);
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  // A failure outside a term stops the elector at once; inside one, the term's rejection goes
  // first, so that the elector sees its work fail (and releases) before its run is stopped.
  const onFailed = (): void => {
    if (!options.isLeading()) stopElector.abort(supervisor.failure);
  };
  supervisor.signal.addEventListener('abort', onFailed, { once: true });
  const leadingChanged = (leading: boolean): void => {
    if (onLeadingChange === undefined) return;
    const err = attempt(() => onLeadingChange(leading));
    if (err !== undefined) {
      safeLog(
        logger,
        'error',
        { component: 'controller', resource: name, err },
        'onLeadingChange threw; ignored',
      );
    }
  };
  let abandoned = 0;
  const elector = createLeaderElector({
    ...electorOptions,
    clock,
    logger,
    onStartedLeading: async (term) => {
      leadingChanged(true);
      try {
        abandoned = await options.term(term);
      } catch (err) {
        setTimeout(() => stopElector.abort(supervisor.failure), 0);
        throw err;
      }
    },
    onStoppedLeading: () => leadingChanged(false),
  });
  try {
    await elector.run(stopElector.signal);
  } catch (err) {
    if (supervisor.failure === undefined) throw err;
  } finally {
    signal.removeEventListener('abort', stop);
    supervisor.signal.removeEventListener('abort', onFailed);
  }
  return abandoned;
}
