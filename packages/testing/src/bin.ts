#!/usr/bin/env node
// The `kubecache-test-apiserver` binary: checks the Node version against the installed
// @kubernetes/client-node with a module that does not load it, then loads the program. A static
// import of ./bin-main.js would load client-node (and crash in undici on Node 20) first.
import { installedClientNodeVersion, runtimeProblem } from './runtime-check.js';

const command = [process.argv[1] ?? 'kubecache-test-apiserver', ...process.argv.slice(2)].join(' ');
const problem = runtimeProblem(
  process.versions.node,
  installedClientNodeVersion(import.meta.url),
  command,
);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
} else {
  await import('./bin-main.js');
}
