-- Refund payouts asked of WeChat Pay (POST /v3/refund/domestic/refunds):
-- one per refund, keyed like the refund; out_refund_no is derived from the
-- order and refund ids, so asking again for the same refund is the same
-- request to WeChat (it pays each out_refund_no once).
CREATE TABLE IF NOT EXISTS refund_payouts (
  order_id TEXT NOT NULL,
  refund_id TEXT NOT NULL,
  out_refund_no TEXT NOT NULL UNIQUE,
  amount INTEGER NOT NULL,
  provider_refund_id TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  PRIMARY KEY (order_id, refund_id)
);
