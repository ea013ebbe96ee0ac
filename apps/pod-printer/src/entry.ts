// The pod-printer binary (dist/main.js): checks the runtime with a module that imports nothing
// (@kubecache/core/runtime-check, not core's index), then loads the program. A static import of
// ./main.js would load @kubernetes/client-node (and crash in undici on Node 20) before the check
// could run.
import { checkRuntime } from '@kubecache/core/runtime-check';

const runnable = checkRuntime({
  program: 'pod-printer',
  clientNodeVersion: '2.x', // its dependency; the app does not run with client-node 1.4
  otherwise:
    '`npm run demo` in the kubecache repository (its scripts use Node 24 from node_modules)',
});
if (runnable) await import('./main.js');
