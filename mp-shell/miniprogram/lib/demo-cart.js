// A small demo cart, priced by the core on the index page until the shop
// pages load the real catalog from the edge.
module.exports = {
  catalog: {
    products: [
      { id: 'p-tea', name: '茉莉花茶 Jasmine tea', shop_id: 's1', category_id: 'drinks',
        skus: [{ id: 'tea-500ml', spec: { size: '500ml' }, list_price: 1800, stock: 20 }] },
      { id: 'p-bun', name: '鲜肉包 Pork bun', shop_id: 's1', category_id: 'food',
        skus: [{ id: 'bun', list_price: 350, stock: 100 }] },
    ],
  },
  lines: [{ sku_id: 'tea-500ml', quantity: 2 }, { sku_id: 'bun', quantity: 3 }],
};
