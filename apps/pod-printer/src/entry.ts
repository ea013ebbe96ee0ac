// The pod-printer binary (dist/main.js): checks the runtime with a module that imports nothing,
// then loads the program. A static import of ./main.js would load @kubernetes/client-node (and
// crash in undici on Node 20) before the check could run.
import { runtimeProblem } from './runtime-check.js';

const command = [process.argv[1] ?? 'dist/main.js', ...process.argv.slice(2)].join(' ');
const problem = runtimeProblem(process.versions.node, command);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
} else {
  await import('./main.js');
}
