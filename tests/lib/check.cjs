// A minimal test runner with the project's summary line: register checks
// with test(name, fn), then run(label) prints FAIL lines and
// "<label>: N passed, N failed" and sets the exit code.
'use strict';
const tests = [];

function test(name, fn) {
  tests.push({ name, fn });
}

async function run(label) {
  let passed = 0;
  let failed = 0;
  for (const { name, fn } of tests) {
    try {
      await fn();
      passed++;
    } catch (e) {
      failed++;
      console.log(`FAIL ${label} ${name}\n  ${(e && e.stack) || e}`);
    }
  }
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

module.exports = { test, run };
