#!/usr/bin/env node
// The compiled CLI lives in dist/ (npm run build:cli).
const { main } = require('../dist/src/cli/main.js');
main(process.argv.slice(2)).then(
  code => process.exit(code),
  error => {
    process.stderr.write(
      `switcheroo: internal error: ${error && error.stack ? error.stack : error}\n`
    );
    process.exit(3);
  }
);
