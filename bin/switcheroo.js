#!/usr/bin/env node
// The compiled CLI lives in dist/ (npm run build:cli).
const { main } = require('../dist/src/cli/main.js');
// exitCode, not exit(): a large report piped to another process must be written out first.
main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(
      `switcheroo: internal error: ${error && error.stack ? error.stack : error}\n`
    );
    process.exitCode = 3;
  }
);
