// A bundling-free CommonJS loader for the H5 preview: runs the mini-program's
// lib/ modules in the browser unchanged. load(names) fetches each module's
// text once; require(name) evaluates it on first use with its own
// module/exports, exactly as the mini-program runtime does. Modules live in
// one flat folder (lib/), so './x.js' and 'x.js' name the same module.
const sources = new Map();
const cache = new Map();

function key(name) {
  return name.replace(/^\.\//, '');
}

export async function load(base, names) {
  await Promise.all(names.map(async (name) => {
    const res = await fetch(`${base}/${name}`);
    if (!res.ok) throw new Error(`cjs: ${base}/${name}: HTTP ${res.status}`);
    sources.set(name, await res.text());
  }));
}

export function require(name) {
  const id = key(name);
  if (cache.has(id)) return cache.get(id).exports;
  if (!sources.has(id)) throw new Error(`cjs: module ${id} was not loaded`);
  const module = { exports: {} };
  cache.set(id, module);
  // eslint-disable-next-line no-new-func
  new Function('module', 'exports', 'require', `${sources.get(id)}\n//# sourceURL=lib/${id}`)(module, module.exports, require);
  return module.exports;
}
