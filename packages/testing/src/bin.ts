#!/usr/bin/env node
// The `kubecache-test-apiserver` binary: checks the Node version against the installed
// @kubernetes/client-node with modules that do not load it (@kubecache/core/runtime-check imports
// nothing), then loads the program. A static import of ./bin-main.js would load client-node (and
// crash in undici on Node 20) first.
import { checkRuntime, minNode } from '@kubecache/core/runtime-check';
import { installedClientNodeVersion } from './runtime-check.js';

const runnable = checkRuntime({
  program: 'kubecache-test-apiserver',
  clientNodeVersion: installedClientNodeVersion(import.meta.url),
  otherwise: `install @kubernetes/client-node@1.4 (runs on Node ≥ ${minNode})`,
});
if (runnable) await import('./bin-main.js');
