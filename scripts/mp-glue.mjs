// Post-processes wasm-bindgen's `--target web` glue into a mini-program module.
//
//   node scripts/mp-glue.mjs IN.js OUT.js
//
// The result:
// - is CommonJS (`module.exports`), which every mini-program runtime loads;
// - loads the wasm by *package path* through the platform's API:
//   WXWebAssembly (WeChat), TTWebAssembly (Douyin), MYWebAssembly (Alipay),
//   or standard WebAssembly given bytes (H5, Node);
// - carries its own UTF-8 TextEncoder/TextDecoder (phones have neither) and
//   uses them instead of the globals;
// - contains no fetch, URL, import.meta, Request/Response or initSync.
// Every rewrite must match what it expects, else the build fails: a silent
// miss would ship a package that dies on the first phone.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/mp-glue.mjs IN.js OUT.js');
  process.exit(2);
}
let js = readFileSync(input, 'utf8');

function fail(message) {
  console.error(`mp-glue: ${message} (wasm-bindgen's glue changed? update scripts/mp-glue.mjs)`);
  process.exit(1);
}

/** Replace every match of `pattern`, requiring at least `min` of them. */
function rewrite(what, pattern, replacement, min = 1) {
  const found = js.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'));
  if ((found ? found.length : 0) < min) fail(`expected ${what}`);
  js = js.replace(pattern, replacement);
}

/** Replace the whole top-level function `name` (up to its closing brace at column 0). */
function replaceFunction(name, replacement) {
  const start = js.search(new RegExp(`^(async )?function ${name}\\(`, 'm'));
  if (start < 0) fail(`expected function ${name}`);
  const end = js.indexOf('\n}\n', start);
  if (end < 0) fail(`expected the end of function ${name}`);
  js = js.slice(0, start) + replacement + js.slice(end + 3);
}

const UTF8 = String.raw`
// UTF-8 codec used instead of TextEncoder/TextDecoder, which mini-program
// runtimes on phones do not have. Invalid input decodes to U+FFFD, as the
// WHATWG decoder does; lone surrogates encode as U+FFFD.
class MpTextEncoder {
  encode(str) {
    const out = new Uint8Array(str.length * 3);
    return out.subarray(0, this.encodeInto(str, out).written);
  }
  encodeInto(str, view) {
    let read = 0, written = 0;
    while (read < str.length) {
      let c = str.charCodeAt(read);
      let units = 1;
      if (c >= 0xd800 && c <= 0xdbff && read + 1 < str.length) {
        const d = str.charCodeAt(read + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); units = 2; }
        else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (written + size > view.length) break;
      if (size === 1) view[written++] = c;
      else if (size === 2) { view[written++] = 0xc0 | (c >> 6); view[written++] = 0x80 | (c & 63); }
      else if (size === 3) { view[written++] = 0xe0 | (c >> 12); view[written++] = 0x80 | ((c >> 6) & 63); view[written++] = 0x80 | (c & 63); }
      else { view[written++] = 0xf0 | (c >> 18); view[written++] = 0x80 | ((c >> 12) & 63); view[written++] = 0x80 | ((c >> 6) & 63); view[written++] = 0x80 | (c & 63); }
      read += units;
    }
    return { read, written };
  }
}
class MpTextDecoder {
  decode(bytes) {
    if (bytes === undefined) return '';
    const units = [];
    let out = '';
    const n = bytes.length;
    for (let i = 0; i < n;) {
      const b = bytes[i];
      let c = 0xfffd, size = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b <= 0xf4) {
        const need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
        const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
        const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
        let cp = b & (0x3f >> need), k = 1;
        for (; k <= need && i + k < n; k++) {
          const x = bytes[i + k];
          if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) break;
          cp = (cp << 6) | (x & 0x3f);
        }
        if (k > need) { c = cp; size = need + 1; } else size = k;
      }
      if (c > 0xffff) { c -= 0x10000; units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff)); }
      else units.push(c);
      i += size;
      if (units.length >= 4096) { out += String.fromCharCode.apply(null, units); units.length = 0; }
    }
    return out + String.fromCharCode.apply(null, units);
  }
}
`;

const LOADER = String.raw`
// The platform's wasm API: WeChat, Douyin, Alipay, then the standard one.
function __mp_wasm_api() {
  if (typeof WXWebAssembly !== 'undefined') return WXWebAssembly;
  if (typeof TTWebAssembly !== 'undefined') return TTWebAssembly;
  if (typeof MYWebAssembly !== 'undefined') return MYWebAssembly;
  if (typeof WebAssembly !== 'undefined') return WebAssembly;
  throw new Error('this runtime has no WebAssembly API');
}

// 'source' is a file path inside the mini-program package (WXWebAssembly only
// takes paths, e.g. '/wasm/commerce_wasm_bg.wasm.br') or, on H5/Node, bytes.
async function __wbg_load(source, imports) {
  const result = await __mp_wasm_api().instantiate(source, imports);
  return result && result.instance ? result : { instance: result, module: undefined };
}
`;

if (/^\s*import\s/m.test(js)) fail('no import statements in the glue');

rewrite('a TextDecoder constructor', /new TextDecoder\(/g, 'new MpTextDecoder(');
rewrite('a TextEncoder constructor', /new TextEncoder\(\)/g, 'new MpTextEncoder()');
replaceFunction('__wbg_load', LOADER.trim());
replaceFunction('initSync', '');
rewrite(
  'the fetch of a module path',
  /\n\s*if \(typeof module_or_path === 'string' \|\| \(typeof Request === 'function'[^\n]*\n\s*module_or_path = fetch\(module_or_path\);\n\s*\}\n/,
  '\n',
);
if (!/const \{ instance, module \} = await __wbg_load\(await module_or_path, imports\);/.test(js)) {
  fail('the __wbg_load call in __wbg_init');
}

const exported = [];
rewrite('exported functions', /^export function (\w+)/gm, (_, name) => {
  exported.push(name);
  return `function ${name}`;
});
rewrite('exported classes', /^export class (\w+)/gm, (_, name) => {
  exported.push(name);
  return `class ${name}`;
}, 0);
rewrite(
  'the default export',
  /^export \{ initSync, __wbg_init as default \};$/m,
  `module.exports = { init: __wbg_init, default: __wbg_init, ${exported.join(', ')} };`,
);
js = `/* commerce-wasm for mini-programs: generated by scripts/mp-glue.mjs from wasm-bindgen's glue. Do not edit. */\n${UTF8}\n${js}`;

const forbidden = [
  [/\bfetch\(/, 'fetch('],
  [/import\.meta/, 'import.meta'],
  [/\bnew URL\b|instanceof URL/, 'URL'],
  [/new TextEncoder\b|new TextDecoder\b/, 'TextEncoder/TextDecoder globals'],
  [/\bWebAssembly\.(Module|Instance|instantiateStreaming|compile)\b/, 'WebAssembly.Module/Instance/compile'],
  [/^export /m, 'ES module exports'],
];
for (const [pattern, what] of forbidden) {
  if (pattern.test(js)) fail(`the output still uses ${what}`);
}
writeFileSync(output, js);
console.log(`mp-glue: wrote ${output} (exports: ${exported.join(', ')})`);
