#!/usr/bin/env node
// Runs the TypeScript entry directly through tsx's loader: no build step between an edit and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../adapters/node/cli.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
if (code !== 0 || process.argv[2] !== 'sim') {
  // Timers are unref'd and servers closed: exit without waiting on stray keep-alive sockets.
  process.exit(code);
}
