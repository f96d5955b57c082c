-- Relational records of the edge (D1). The worker also applies this file on
-- its first request (every statement is IF NOT EXISTS), so `wrangler dev`
-- needs no separate migration step; `wrangler d1 migrations apply` works too.
-- Amounts are integer fen; times are unix seconds.

-- A shopper, found by WeChat openid. session_key never leaves this table.
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  openid TEXT NOT NULL UNIQUE,
  session_key TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
  created_at INTEGER NOT NULL
);

-- Coupons claimed into a wallet: one of each coupon per shopper.
CREATE TABLE IF NOT EXISTS coupon_wallet (
  user_id TEXT NOT NULL,
  coupon_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, coupon_id)
);

-- A coupon used by an order: the primary key makes a second use of the same
-- claimed coupon fail the checkout transaction. Deleted when the order is
-- cancelled (the coupon goes back to the wallet).
CREATE TABLE IF NOT EXISTS coupon_redemptions (
  user_id TEXT NOT NULL,
  coupon_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  redeemed_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, coupon_id)
);

-- Orders: the full record (core's Order, with the quote) as JSON in body;
-- status and version as columns for queries and compare-and-set.
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  payable INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_op TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, created_at);

-- Order lines with their allocated payable and what was refunded.
CREATE TABLE IF NOT EXISTS order_lines (
  order_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price INTEGER NOT NULL,
  payable INTEGER NOT NULL,
  refunded_quantity INTEGER NOT NULL DEFAULT 0,
  refunded_amount INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, sku_id)
);

-- Confirmed payments, one per provider transaction.
CREATE TABLE IF NOT EXISTS payments (
  transaction_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  paid_at INTEGER NOT NULL
);

-- Refunds decided (payout to the provider is a separate step).
CREATE TABLE IF NOT EXISTS refunds (
  refund_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (order_id, refund_id)
);

-- Checkout idempotency: the key, a hash of the body it came with, the order.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  user_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  order_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);

-- Points moves, once per order and kind (redeem, return).
CREATE TABLE IF NOT EXISTS points_ledger (
  order_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL,
  points INTEGER NOT NULL,
  PRIMARY KEY (order_id, kind)
);
