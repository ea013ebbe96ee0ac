// `kubecache-test-apiserver`: runs @kubecache/testing's API server in its own process (see cli.ts
// for the options and the stdin control commands). Loaded by bin.ts once the runtime is checked.
import { cliUsage, isCliUsageError, parseCliArgs, runCli } from './cli.js';

try {
  const options = parseCliArgs(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${cliUsage}\n`);
  } else {
    const run = await runCli(options, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    const onSignal = (): void => void run.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await run.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // stdin may still hold the event loop (a TTY or an open pipe): the server is gone, so exit.
    process.exit(0);
  }
} catch (err) {
  if (isCliUsageError(err)) {
    process.stderr.write(`kubecache-test-apiserver: ${err.message}\n\n${cliUsage}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `kubecache-test-apiserver: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
