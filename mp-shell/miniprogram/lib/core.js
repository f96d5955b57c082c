// Loads the commerce-core wasm from the `core` subpackage, once.
//
// WeChat keeps the wasm in a subpackage (the main package stays small), so the
// glue is fetched with require.async; the glue then picks the platform's
// loader (WXWebAssembly, TTWebAssembly, ...) and instantiates the .wasm.br by
// its package path. Everything the pages compute goes through the returned
// module: version(), quote(req), call(op, req), callJson(op, text).
const GLUE = '../wasm/pkg/commerce_wasm.js';
const WASM_PATH = '/wasm/pkg/commerce_wasm_bg.wasm.br';

let ready = null;

function loadCore() {
  if (!ready) {
    const glue = typeof require.async === 'function' ? require.async(GLUE) : Promise.resolve(require(GLUE));
    ready = glue.then(async (core) => {
      await core.init({ module_or_path: WASM_PATH });
      return core;
    });
    ready.catch(() => { ready = null; }); // a failed load may be retried
  }
  return ready;
}

module.exports = { loadCore };
