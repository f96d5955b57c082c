// Index: prices the demo cart with the wasm core and shows every line.
const { loadCore } = require('../../lib/core.js');
const demo = require('../../lib/demo-cart.js');
const { yuan } = require('../../lib/format.js');

Page({
  data: { loading: true, error: '', version: '', lines: [], subtotal: '', payable: '' },

  async onLoad() {
    try {
      const core = await loadCore();
      const quote = core.quote(demo);
      const names = {};
      for (const p of demo.catalog.products) for (const s of p.skus) names[s.id] = p.name;
      this.setData({
        loading: false,
        version: core.version(),
        lines: quote.lines.map((l) => ({
          sku_id: l.sku_id, name: names[l.sku_id], quantity: l.quantity,
          unit_price: yuan(l.unit_price), payable: yuan(l.payable),
        })),
        subtotal: yuan(quote.subtotal),
        payable: yuan(quote.payable),
      });
    } catch (e) {
      this.setData({ loading: false, error: `${e.code || 'ERROR'}: ${e.message}` });
    }
  },
});
