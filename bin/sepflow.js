#!/usr/bin/env node
// sepflow executable: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via prepare).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
// let pending stdout writes drain before exiting with the status
process.exitCode = code;
