// 订单详情: one order with its status, store, pickup code and lines; pay or
// cancel while unpaid, confirm receipt once delivered.
const { shopPage } = require('../../lib/page.js');
const orders = require('../../lib/orders.js');

shopPage({
  data: { loading: true, order: null },
  onLoad(query) {
    this.orderId = query.id;
  },
  onShow() {
    return this.run(async () => this.setData({ loading: false, order: await orders.detail(this.orderId) }));
  },
  pay() {
    return this.run(async () => this.setData({ order: await orders.pay(this.orderId) }));
  },
  cancel() {
    return this.run(async () => this.setData({ order: await orders.cancel(this.orderId) }));
  },
  confirm() {
    return this.run(async () => this.setData({ order: await orders.confirm(this.orderId) }));
  },
});
