// 订单 orders: the shopper's orders as the edge keeps them (GET /v1/orders,
// GET /v1/orders/:id), and cancelling one (POST /v1/orders/:id/cancel).
// The edge owns the order state machine: JS shows the status it is given and
// offers "cancel" only where the edge's status allows it (pending_payment);
// a refused transition comes back as the edge's error (409) and is shown.
const api = require('./api.js');
const session = require('./session.js');
const { yuan } = require('./format.js');

const STATUS = {
  pending_payment: '待付款 awaiting payment',
  paid: '已付款 paid',
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

function orderView(o) {
  const quote = o.quote || {};
  return {
    id: o.id,
    status: o.status,
    statusText: STATUS[o.status] || o.status,
    cancellable: o.status === 'pending_payment',
    payable: yuan(o.payable !== undefined ? o.payable : quote.payable || 0),
    createdAt: time(o.created_at),
    lines: (o.lines || quote.lines || []).map((l) => ({
      sku_id: l.sku_id, quantity: l.quantity, payable: l.payable !== undefined ? yuan(l.payable) : '',
    })),
  };
}

async function list() {
  const answer = await session.withLogin(() => api.get('/v1/orders'));
  return (answer.orders || []).map(orderView);
}

async function detail(id) {
  const answer = await session.withLogin(() => api.get(`/v1/orders/${encodeURIComponent(id)}`));
  return orderView(answer.order || answer);
}

async function cancel(id) {
  const answer = await session.withLogin(() => api.post(`/v1/orders/${encodeURIComponent(id)}/cancel`, {}));
  return orderView(answer.order || answer);
}

module.exports = { list, detail, cancel, orderView };
