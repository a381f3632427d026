#!/usr/bin/env node
// sepflow executable: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via prepare).
import { main } from '../dist/src/cli/main.js';

// a reader that went away (`sepflow analyse f.pcap | head`) is not an error worth a stack trace: stop quietly,
// as other command-line tools do (status 141 = 128 + SIGPIPE, what a shell reports for them)
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}

const code = await main(process.argv);
// let pending stdout writes drain before exiting with the status
process.exitCode = code;
