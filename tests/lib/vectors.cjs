// Loads the shared vectors and checks one runtime's answers against them.
//
// A runtime's answer is the *response text*: the JSON of the ok result or
// of {"error":{code,message}}. It must (1) mean what the vector's `expect`
// says and (2) be byte-identical to the native reference text, when one was
// written by `PARITY_REFERENCE=... cargo test --test vectors`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const VECTOR_DIR = path.join(__dirname, '..', 'vectors');

function loadVectors() {
  return fs
    .readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(fs.readFileSync(path.join(VECTOR_DIR, f), 'utf8')) }));
}

/**
 * The native reference texts, or null when `PARITY_REFERENCE` is unset (a
 * stage run by hand: answers are then checked for meaning only, and this
 * says so). Set but missing is an error, never a silent skip of the
 * byte-for-byte comparison: the native stage must have written it.
 */
function loadReference() {
  const file = process.env.PARITY_REFERENCE;
  if (!file) {
    console.log('note: PARITY_REFERENCE unset: checking meaning only, not bytes against native');
    return null;
  }
  if (!fs.existsSync(file)) {
    throw new Error(`PARITY_REFERENCE=${file} does not exist: the native stage (cargo test --test vectors) writes it`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The JSON path of the first difference between a and b, or null. */
function firstDifference(a, b, at = '$') {
  if (Object.is(a, b)) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${at}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`);
    if (d) return d;
  }
  return null;
}

/** The vector's expectation as a response body. */
function expectedBody(vector) {
  return 'ok' in vector.expect ? vector.expect.ok : { error: vector.expect.error };
}

/**
 * Check `text` (a runtime's response text for `vector`). Returns a list of
 * problems (empty when it passes). `options.errorsByCode` compares errors by
 * code only (for paths whose wording differs, e.g. the object API, whose decode
 * errors carry no line/column).
 */
function checkResponse(vector, text, reference, options = {}) {
  let actual;
  try {
    actual = JSON.parse(text);
  } catch (e) {
    return [`response is not JSON: ${text.slice(0, 200)}`];
  }
  const expected = expectedBody(vector);
  const problems = [];
  if (options.errorsByCode && expected.error) {
    if (!actual.error || actual.error.code !== expected.error.code) {
      problems.push(`expected error ${expected.error.code}, got ${text.slice(0, 300)}`);
    }
    return problems;
  }
  const diff = firstDifference(expected, actual);
  if (diff) problems.push(`differs from expect at ${diff}`);
  if (reference && !options.semanticOnly) {
    const ref = reference[vector.name];
    if (ref === undefined) problems.push('no native reference text');
    else if (ref !== text) {
      let i = 0;
      while (i < ref.length && ref[i] === text[i]) i++;
      problems.push(`not byte-identical to native at offset ${i}:\n    native: …${ref.slice(Math.max(0, i - 40), i + 60)}\n    here:   …${text.slice(Math.max(0, i - 40), i + 60)}`);
    }
  }
  return problems;
}

/** Print one line per failure and the runtime's summary line; return the counts. */
function report(runtime, results) {
  let passed = 0;
  let failed = 0;
  for (const { name, problems } of results) {
    if (problems.length === 0) passed++;
    else {
      failed++;
      console.log(`FAIL ${runtime} ${name}\n  ${problems.join('\n  ')}`);
    }
  }
  console.log(`${runtime}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

module.exports = { loadVectors, loadReference, checkResponse, report, firstDifference };
