// Placeholder replaced below.
import type { SharderOptions } from './sharder-options.js';

/** Runs the ring's sharder (implementation in progress). */
export async function runSharder(options: SharderOptions): Promise<void> {
  await Promise.resolve(options);
  throw new Error('not implemented yet');
}
