// 商品: categories and products with spec selection and activity prices
// (lib/catalog.js); adding to the cart goes through lib/cart.js.
const { shopPage } = require('../../lib/page.js');
const catalog = require('../../lib/catalog.js');
const cart = require('../../lib/cart.js');
const { countdown } = require('../../lib/format.js');

shopPage({
  data: { loading: true, categories: [], current: 0, picked: {}, source: '', notice: '', toast: '', clock: {} },
  onShow() {
    this.timer = setInterval(() => this.tick(), 1000);
    return this.load();
  },
  onHide() {
    clearInterval(this.timer);
  },
  onUnload() {
    clearInterval(this.timer);
  },
  load() {
    return this.run(async () => this.show(await catalog.view((next) => this.show(next))));
  },
  /** The phone's copy first, then the edge's: the shopper's picked specs stay picked. */
  show({ categories, source, notice }) {
    const picked = {};
    for (const c of categories) {
      for (const p of c.products) {
        const before = this.data.picked[p.id];
        picked[p.id] = (before && p.skus.find((s) => s.id === before.id)) || p.skus[0];
      }
    }
    const current = Math.min(this.data.current, Math.max(categories.length - 1, 0));
    this.setData({ loading: false, categories, current, source, notice, picked });
    this.tick();
  },
  tick() {
    const clock = {};
    const now = Date.now() / 1000;
    for (const sku of Object.values(this.data.picked)) if (sku && sku.endsAt) clock[sku.id] = countdown(sku.endsAt - now);
    this.setData({ clock });
  },
  showCategory(e) {
    this.setData({ current: Number(e.currentTarget.dataset.index) });
  },
  pickSpec(e) {
    const { product, name, value } = e.currentTarget.dataset;
    const p = this.data.categories[this.data.current].products.find((x) => x.id === product);
    const sku = catalog.skuFor(p, { ...this.data.picked[product].spec, [name]: value }) || catalog.skuFor(p, { [name]: value });
    if (sku) this.setData({ [`picked.${product}`]: sku });
  },
  add(e) {
    const sku = this.data.picked[e.currentTarget.dataset.product];
    return this.run(async () => {
      await cart.add(sku.id, 1);
      this.setData({ toast: `已加入购物车 added ${sku.specText || ''}` });
    });
  },
});
