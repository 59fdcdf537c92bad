#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// The run is over: a request to an engine that stopped answering must not keep the process alive.
setTimeout(() => process.exit(code), 2000).unref();
