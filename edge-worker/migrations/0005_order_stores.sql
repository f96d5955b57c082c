-- The store that serves an order (orders placed with a fulfilment): a
-- store's queue (GET /v1/staff/orders) reads it; written in the checkout's
-- one transaction.
CREATE TABLE IF NOT EXISTS order_stores (
  order_id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS order_stores_by_store ON order_stores (store_id, created_at);
