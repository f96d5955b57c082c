// A bundling-free CommonJS loader for the H5 preview: runs the mini-program's
// lib/ modules in the browser unchanged. Modules live in one flat folder
// (lib/), so './x.js' and 'x.js' name the same module.
//
// The page's Content-Security-Policy (_headers) allows scripts from its own
// origin only, without 'unsafe-eval', so a module's text cannot be run with
// new Function(). Instead load(base, names) imports each file as an ES module
// (a script from 'self'), dependencies first, with the CommonJS names its body
// uses (module, exports, require) set as globals while it runs: each import
// is awaited before the next one starts, so one module's globals never leak
// into another's body. lib/ bodies only declare things and require at the top
// (every dependency is evaluated before its dependants), so evaluating them
// all at load instead of on first require() changes nothing they do.
const cache = new Map();

function key(name) {
  return name.replace(/^\.\//, '');
}

export async function load(base, names) {
  const url = (name) => new URL(`${base}/${name}`, document.baseURI).href;
  // The order comes from the modules' own require() calls: read them first.
  const deps = new Map();
  await Promise.all(names.map(async (name) => {
    const res = await fetch(url(name));
    if (!res.ok) throw new Error(`cjs: ${base}/${name}: HTTP ${res.status}`);
    const text = await res.text();
    deps.set(name, [...text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => key(m[1])));
  }));
  const visiting = new Set();
  const evaluate = async (name) => {
    // An unknown name, or a cycle (or a require() in a comment), is left to
    // require(), which names the module that was not loaded.
    if (cache.has(name) || !deps.has(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const dep of deps.get(name)) await evaluate(dep);
    const module = { exports: {} };
    Object.assign(globalThis, { module, exports: module.exports, require });
    try {
      await import(url(name));
    } finally {
      delete globalThis.module;
      delete globalThis.exports;
      delete globalThis.require;
    }
    cache.set(name, module);
  };
  for (const name of names) await evaluate(name);
}

export function require(name) {
  const id = key(name);
  if (!cache.has(id)) throw new Error(`cjs: module ${id} was not loaded`);
  return cache.get(id).exports;
}
