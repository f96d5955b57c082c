-- Payments that arrived for an order that could not take them (timed out or
-- cancelled first, or already paid by another transaction): kept so the
-- merchant refunds them; never lost, recorded once per transaction.
CREATE TABLE IF NOT EXISTS unmatched_payments (
  transaction_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  amount INTEGER NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
