#!/usr/bin/env node
// Runs a command with its output held back: on success prints one line ("<label> in 4.2 s"), on
// failure prints everything the command wrote and exits with its code. `npm run demo` builds
// through this so the demo starts on a clean screen instead of after ~245 lines of build log.
//
// Usage: node scripts/quiet.mjs <label> <command> [args...]
import { spawn } from 'node:child_process';

const [label, command, ...args] = process.argv.slice(2);
if (!label || !command) {
  process.stderr.write('usage: quiet.mjs <label> <command> [args...]\n');
  process.exit(2);
}
const t0 = Date.now();
const chunks = [];
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (c) => chunks.push(c));
child.stderr.on('data', (c) => chunks.push(c));
child.on('error', (err) => {
  process.stderr.write(`${label}: cannot run ${command}: ${err.message}\n`);
  process.exit(127);
});
child.on('close', (code, signal) => {
  if (code === 0) {
    process.stderr.write(`${label} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return;
  }
  process.stderr.write(Buffer.concat(chunks));
  process.stderr.write(`${label} failed (${signal ?? `exit ${code}`})\n`);
  process.exit(code ?? 1);
});
