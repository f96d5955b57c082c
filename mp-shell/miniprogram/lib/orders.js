// 订单 orders: the shopper's orders as the edge keeps them (GET /v1/orders,
// GET /v1/orders/:id), paying one, cancelling one, confirming receipt; the
// store that serves it and, once ready, its pickup code.
// The edge owns the order state machine: JS shows the status it is given and
// offers exactly the order's `actions` (core decides them for the shopper,
// now: docs/api.md); a refused transition comes back as the edge's error
// (409) and is shown. A page never decides that an order is paid: only
// WeChat's signed notification to the edge does (docs/api.md).
const platform = require('./platform.js');
const config = require('./config.js');
const api = require('./api.js');
const session = require('./session.js');
const catalog = require('./catalog.js');
const { yuan } = require('./format.js');

const MODE = { pickup: '到店自提 pickup', delivery: '即时配送 delivery', express: '快递 parcel' };

const STATUS = {
  pending_payment: '待付款 awaiting payment',
  paid: '已付款 paid',
  accepted: '备货中 preparing',
  ready: '待自提 ready for pickup',
  out_for_delivery: '配送中 out for delivery',
  delivered: '已送达 delivered',
  shipped: '已发货 shipped',
  completed: '已完成 completed',
  cancelled: '已取消 cancelled',
  refunded: '已退款 refunded',
};

function time(seconds) {
  if (!seconds) return '';
  const d = new Date((seconds + 8 * 3600) * 1000); // China time, UTC+8 all year
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

function orderView(labels, o) {
  return {
    id: o.id,
    status: o.status,
    statusText: STATUS[o.status] || o.status,
    cancellable: o.actions.includes('cancel'),
    canPay: o.actions.includes('pay'),
    canConfirm: o.actions.includes('complete'),
    fulfilment: o.fulfilment ? `${MODE[o.fulfilment.assignment.mode]} · ${o.fulfilment.assignment.store_id}` : '',
    pickupCode: o.pickup ? o.pickup.code : '',
    tracking: o.shipment ? `${o.shipment.carrier} ${o.shipment.tracking_no}` : '',
    payable: yuan(o.payable),
    createdAt: time(o.created_at),
    lines: o.lines.map((l) => ({
      sku_id: l.sku_id, name: (labels[l.sku_id] || { name: l.sku_id }).name, quantity: l.quantity, payable: yuan(l.payable),
    })),
  };
}

/** The edge's answer(s) as the page shows them, SKUs named from the cached catalog. */
async function shown(call) {
  const answer = await session.withLogin(call);
  const labels = catalog.skuLabels(await catalog.current());
  return Array.isArray(answer.orders) ? answer.orders.map((o) => orderView(labels, o)) : orderView(labels, answer);
}

const list = () => shown(() => api.get('/v1/orders'));
const detail = (id) => shown(() => api.get(`/v1/orders/${encodeURIComponent(id)}`));
const cancel = (id) => shown(() => api.post(`/v1/orders/${encodeURIComponent(id)}/cancel`, {}));
/** 确认收货: the shopper confirms a delivered or shipped order. */
const confirm = (id) => shown(() => api.post(`/v1/orders/${encodeURIComponent(id)}/complete`, {}));

const PAY_CHECKS = 6; // re-reads of the order while WeChat's notification is on its way
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 支付 pay an unpaid order: the edge's prepay (POST /v1/orders/:id/pay),
 * then the host's payment sheet (wx.requestPayment) with its parameters.
 * Where the host has no payment sheet (the H5 preview) or `config.paySandbox`
 * is set (DevTools against `make dev`), the edge's development sandbox pays
 * instead (POST /v1/orders/:id/pay/sandbox). Then the order is re-read until
 * the edge has it paid (a few tries) and resolves to it as shown; a closed
 * payment sheet rejects with code PAYMENT_CANCELLED and the order stays
 * unpaid, payable again.
 */
async function pay(id) {
  const path = `/v1/orders/${encodeURIComponent(id)}`;
  const host = platform.get();
  await session.withLogin(async () => {
    const params = await api.post(`${path}/pay`, {});
    if (host.requestPayment && !config.paySandbox) await host.requestPayment(params);
    else await api.post(`${path}/pay/sandbox`, {});
  });
  for (let check = 1; ; check++) {
    const order = await detail(id);
    if (!order.canPay || check === PAY_CHECKS) return order;
    await sleep(300 * check);
  }
}

module.exports = { list, detail, cancel, confirm, pay };
