// 结算: the best coupons pre-selected by the core, the coupon picker with
// why each is or is not usable, pickup at the chosen store (到店自提), points,
// the full breakdown, 凑单 hints, and
// placing the order (lib/checkout.js), then paying it at once (lib/orders.js):
// a closed payment sheet leaves it on the order page, unpaid and payable.
const { shopPage } = require('../../lib/page.js');
const checkout = require('../../lib/checkout.js');
const orders = require('../../lib/orders.js');

shopPage({
  data: { loading: true, priced: null, couponIds: null, usePoints: false, pickup: false, notice: '' },
  onShow() {
    return this.price();
  },
  price() {
    return this.run(async () => {
      const priced = await checkout.price({ couponIds: this.data.couponIds, usePoints: this.data.usePoints, pickup: this.data.pickup });
      this.priced = priced;
      this.setData({ loading: false, priced });
    });
  },
  toggleCoupon(e) {
    const id = e.currentTarget.dataset.id;
    const current = this.data.priced.appliedIds;
    const couponIds = current.includes(id) ? current.filter((c) => c !== id) : [...current, id];
    this.setData({ couponIds });
    return this.price();
  },
  claim(e) {
    return this.run(async () => {
      await checkout.claim(e.currentTarget.dataset.id);
      await this.price();
    });
  },
  bestCoupons() {
    this.setData({ couponIds: null });
    return this.price();
  },
  togglePickup() {
    this.setData({ pickup: !this.data.pickup });
    return this.price();
  },
  togglePoints() {
    this.setData({ usePoints: !this.data.usePoints });
    return this.price();
  },
  submit() {
    // A second tap while the order is on its way is ignored; a tap after a
    // lost answer retries the same attempt (lib/checkout.js keeps its key).
    if (this.submitting) return undefined;
    this.submitting = true;
    return this.run(async () => {
      const result = await checkout.submit(this.priced);
      if (result.priceChanged) {
        // The edge's quote replaces the page's: confirming places the order at that price.
        this.priced = { ...this.priced, ...result.priceChanged };
        this.setData({ notice: '价格已变动，请确认新价格 The price changed: please check the new total', priced: this.priced });
        return;
      }
      const id = result.order.id;
      try {
        await orders.pay(id);
      } finally {
        wx.redirectTo({ url: `/pages/order/order?id=${encodeURIComponent(id)}` });
      }
    }).finally(() => { this.submitting = false; });
  },
});
