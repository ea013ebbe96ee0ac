// The sample controller's exit codes (README "Exit codes"). A Deployment restarts the pod on any
// code but 0; the codes say why, for whoever reads `kubectl describe pod`.

/** Stopped on SIGTERM/SIGINT, every reconcile in flight finished before the deadline. */
export const exitClean = 0;
/**
 * The controller failed (`ControllerFailedError`: its workers died, an informer stopped, a
 * reconcile wedged), or an unexpected error: one line naming the cause, with the stack. As
 * controller-runtime's manager stops when a runnable fails, and its main exits 1.
 */
export const exitFailed = 1;
/** A usage error, or a kubeconfig that cannot be loaded. */
export const exitUsage = 2;
/**
 * Stopped on SIGTERM/SIGINT, but reconciles were still running at the deadline
 * (`--shutdown-timeout-ms`): their requests were aborted and they were left; or the shutdown
 * itself did not finish within the deadline plus a second.
 */
export const exitForced = 3;
/** A second SIGTERM/SIGINT while stopping: left at once. */
export const exitSecondSignal = 130;
