#!/usr/bin/env node
import { runCli } from './cli/program.js';

// `linkwire` with no command runs the server; see `linkwire --help` and docs/cli.md.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
