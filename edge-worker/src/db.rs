//! D1: users, the coupon wallet and redemptions, orders and lines, payments,
//! refunds, idempotency keys and the points ledger (`migrations/`).
//!
//! Invariants:
//! - a checkout is one D1 batch (one transaction) whose first statement
//!   inserts the order only if its id and key are new, no chosen coupon is
//!   redeemed yet and the points suffice; every other statement of the
//!   batch is guarded on the `last_op` that insert wrote, so the lines, the
//!   key, the redemptions and the points land exactly when the order does.
//!   What refused a checkout is found by cause (a read), never by parsing
//!   an error message;
//! - every later change of an order is a compare-and-set on `version`, and
//!   its side effects (lines, payment, refund, coupons and points given back)
//!   are guarded by the `last_op` the same batch wrote, so they happen
//!   exactly when the order change does;
//! - a stored record core cannot read is a logged error for that record,
//!   never a wrong value; `session_key` is written here and read by nobody.

use crate::error::{Error, Result};
use crate::live::Live;
use crate::services::{KeyUse, NewOrder, OrderStore, Shopper, Written};
use commerce_core::edge_api::{OrderCursor, RefundPayout, UnmatchedPayment};
use commerce_core::orders::{Order, OrderStatus, Transition};
use commerce_core::pricing::{Customer, MAX_POINTS};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::cell::Cell;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

/// Every migration, in order (each statement is idempotent).
const SCHEMA: &str = concat!(
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_unmatched_payments.sql"),
    include_str!("../migrations/0003_members.sql"),
    include_str!("../migrations/0004_refund_payouts.sql"),
    include_str!("../migrations/0005_order_stores.sql"),
);

thread_local! {
    static SCHEMA_READY: Cell<bool> = const { Cell::new(false) };
}

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn int(n: i64) -> JsValue {
    // D1 takes JavaScript numbers; every stored integer is below 2^53.
    JsValue::from_f64(n as f64)
}

fn version(v: u64) -> JsValue {
    int(i64::try_from(v).unwrap_or(i64::MAX))
}

/// The database.
pub struct Db(pub D1Database);

impl Db {
    /// The database, with the schema applied once per isolate.
    pub async fn open(env: &Env) -> Result<Db> {
        let db = env.d1("DB")?;
        if !SCHEMA_READY.with(Cell::get) {
            let code: String = SCHEMA
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            let statements: Vec<D1PreparedStatement> = code
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(|s| db.prepare(s))
                .collect();
            db.batch(statements).await?;
            SCHEMA_READY.with(|r| r.set(true));
        }
        Ok(Db(db))
    }

    fn statement(&self, sql: &str, values: &[JsValue]) -> Result<D1PreparedStatement> {
        Ok(self.0.prepare(sql).bind(values)?)
    }

    async fn run(&self, sql: &str, values: &[JsValue]) -> Result<u64> {
        let result = self.statement(sql, values)?.run().await?;
        Ok(changes(&result))
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, values: &[JsValue]) -> Result<Option<T>> {
        Ok(self.statement(sql, values)?.first(None).await?)
    }

    async fn all<T: DeserializeOwned>(&self, sql: &str, values: &[JsValue]) -> Result<Vec<T>> {
        Ok(self.statement(sql, values)?.all().await?.results()?)
    }

    /// Create the user of `openid` or refresh their `session_key`.
    pub async fn upsert_user(
        &self,
        user_id: &str,
        openid: &str,
        session_key: &str,
        now: i64,
    ) -> Result<()> {
        self.run(
            "INSERT INTO users (id, openid, session_key, points, created_at) VALUES (?1, ?2, ?3, 0, ?4) \
             ON CONFLICT (openid) DO UPDATE SET session_key = excluded.session_key",
            &[text(user_id), text(openid), text(session_key), int(now)],
        )
        .await?;
        Ok(())
    }

    /// Set a user's points balance (checked against [`MAX_POINTS`] by the caller).
    pub async fn set_points(&self, user_id: &str, points: i64) -> Result<()> {
        self.run(
            "UPDATE users SET points = ?2 WHERE id = ?1",
            &[text(user_id), int(points)],
        )
        .await?;
        Ok(())
    }

    /// Give a shopper a member tier (`None`: no longer a member).
    pub async fn set_member_tier(&self, user_id: &str, tier: Option<&str>, now: i64) -> Result<()> {
        match tier {
            Some(tier) => {
                self.run(
                    "INSERT INTO members (user_id, tier, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (user_id) DO UPDATE SET tier = ?2, updated_at = ?3",
                    &[text(user_id), text(tier), int(now)],
                )
                .await?
            }
            None => {
                self.run("DELETE FROM members WHERE user_id = ?1", &[text(user_id)])
                    .await?
            }
        };
        Ok(())
    }

    /// Claim a coupon; `false` if the wallet already had it.
    pub async fn claim_coupon(&self, user_id: &str, coupon_id: &str, now: i64) -> Result<bool> {
        let changed = self
            .run(
                "INSERT OR IGNORE INTO coupon_wallet (user_id, coupon_id, claimed_at) VALUES (?1, ?2, ?3)",
                &[text(user_id), text(coupon_id), int(now)],
            )
            .await?;
        Ok(changed > 0)
    }

    /// A user's orders, newest first, after `after` (if given).
    pub async fn orders_of(
        &self,
        user_id: &str,
        limit: i64,
        after: Option<&OrderCursor>,
    ) -> Result<Vec<Order>> {
        let (at, id) = after.map_or((i64::MAX, ""), |c| (c.created_at, c.order_id.as_str()));
        let rows: Vec<BodyRow> = self
            .all(
                "SELECT id, body FROM orders WHERE user_id = ?1 AND (created_at < ?2 OR (created_at = ?2 AND id < ?3)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?4",
                &[text(user_id), int(at), text(id), int(limit)],
            )
            .await?;
        // An order that cannot be read is logged and left out of the list
        // (GET /v1/orders/:id names it), so the rest stay reachable.
        Ok(rows
            .into_iter()
            .filter_map(|row| row.order().ok())
            .collect())
    }

    /// A store's queue: its orders in `statuses`, oldest first.
    pub async fn store_queue(
        &self,
        store_id: &str,
        statuses: &[OrderStatus],
        limit: i64,
    ) -> Result<Vec<Order>> {
        let names: Vec<&str> = statuses.iter().map(|s| s.name()).collect();
        let rows: Vec<BodyRow> = self
            .all(
                "SELECT o.id, o.body FROM order_stores s JOIN orders o ON o.id = s.order_id \
                 WHERE s.store_id = ?1 AND o.status IN (SELECT value FROM json_each(?2)) \
                 ORDER BY s.created_at, o.id LIMIT ?3",
                &[
                    text(store_id),
                    text(&crate::http::encode(&names)?),
                    int(limit),
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row.order().ok())
            .collect())
    }

    /// A user's WeChat openid (for the payment provider only).
    pub async fn openid(&self, user_id: &str) -> Result<String> {
        let row: Option<OpenidRow> = self
            .first("SELECT openid FROM users WHERE id = ?1", &[text(user_id)])
            .await?;
        row.map(|r| r.openid)
            .ok_or_else(|| Error::unauthorized("UNAUTHORIZED", "unknown user; log in again"))
    }

    /// Refund payouts, oldest first; only those with `status` when given.
    pub async fn payouts(&self, status: Option<&str>) -> Result<Vec<RefundPayout>> {
        self.all(
            "SELECT * FROM refund_payouts WHERE ?1 IS NULL OR status = ?1 \
             ORDER BY requested_at, order_id, refund_id",
            &[status.map_or(JsValue::NULL, text)],
        )
        .await
    }

    /// Every unmatched payment, oldest first.
    pub async fn unmatched(&self) -> Result<Vec<UnmatchedPayment>> {
        self.all(
            "SELECT * FROM unmatched_payments ORDER BY received_at, transaction_id",
            &[],
        )
        .await
    }

    /// Why a checkout whose order insert changed nothing was refused.
    async fn refusal(&self, new: &NewOrder<'_>) -> Result<Written> {
        let order = &new.decision.order;
        let row: Option<RefusalRow> = self
            .first(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE id = ?1) \
                   OR EXISTS (SELECT 1 FROM idempotency_keys WHERE user_id = ?2 AND key = ?3) AS exists_already, \
                 EXISTS (SELECT 1 FROM coupon_redemptions WHERE user_id = ?2 \
                   AND coupon_id IN (SELECT value FROM json_each(?4))) AS coupon_used",
                &[
                    text(&order.id),
                    text(&order.user_id),
                    text(new.key),
                    text(&crate::http::encode(&new.decision.redeem_coupons)?),
                ],
            )
            .await?;
        Ok(match row {
            Some(r) if r.exists_already != 0 => Written::Exists,
            Some(r) if r.coupon_used != 0 => Written::CouponAlreadyUsed,
            _ => Written::NotEnoughPoints,
        })
    }
}

fn changes(result: &worker::D1Result) -> u64 {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .map_or(0, |c| c as u64)
}

#[derive(Deserialize)]
struct RefusalRow {
    exists_already: i64,
    coupon_used: i64,
}

#[derive(Deserialize)]
struct CouponRow {
    coupon_id: String,
}

#[derive(Deserialize)]
struct ShopperRow {
    /// D1 hands numbers over as JavaScript numbers: read as one, then
    /// checked (see [`points_balance`]).
    points: f64,
    tier: Option<String>,
    paid_orders: i64,
}

#[derive(Deserialize)]
struct OpenidRow {
    openid: String,
}

#[derive(Deserialize)]
struct BodyRow {
    id: String,
    body: String,
}

impl BodyRow {
    fn order(self) -> Result<Order> {
        serde_json::from_str(&self.body).map_err(|e| {
            crate::logs::error!("order {}: stored record unreadable: {e}", self.id);
            Error::status(
                503,
                "RECORD_UNREADABLE",
                format!(
                    "order {} cannot be read right now; it was logged for the merchant",
                    self.id
                ),
            )
        })
    }
}

/// A stored balance as a points count. Every write is checked against
/// [`MAX_POINTS`]; one that is not a count all the same (written before the
/// check, or by hand) is logged and counts as 0 - the shopper keeps using
/// the shop (nothing to spend) until the merchant repairs it.
fn points_balance(user_id: &str, stored: f64) -> i64 {
    if stored.fract() == 0.0 && (0.0..=MAX_POINTS as f64).contains(&stored) {
        stored as i64
    } else {
        crate::logs::error!(
            "user {user_id}: stored points {stored} are not a balance; counted as 0"
        );
        0
    }
}

impl OrderStore for Live {
    async fn key_use(&self, user_id: &str, key: &str) -> Result<Option<KeyUse>> {
        self.db.first(
            "SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
            &[text(user_id), text(key)],
        )
        .await
    }

    async fn shopper(&self, user_id: &str) -> Result<Shopper> {
        let results = self
            .db
            .0
            .batch(vec![
                self.db.statement(
                    "SELECT w.coupon_id FROM coupon_wallet w LEFT JOIN coupon_redemptions r \
                     ON r.user_id = w.user_id AND r.coupon_id = w.coupon_id \
                     WHERE w.user_id = ?1 AND r.order_id IS NULL ORDER BY w.claimed_at, w.coupon_id",
                    &[text(user_id)],
                )?,
                self.db.statement(
                    "SELECT u.points, m.tier, (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id \
                     AND o.status IN ('paid', 'shipped', 'completed', 'refunded')) AS paid_orders \
                     FROM users u LEFT JOIN members m ON m.user_id = u.id WHERE u.id = ?1",
                    &[text(user_id)],
                )?,
            ])
            .await?;
        let coupons: Vec<CouponRow> = match results.first() {
            Some(r) => r.results()?,
            None => Vec::new(),
        };
        let record: Vec<ShopperRow> = match results.get(1) {
            Some(r) => r.results()?,
            None => Vec::new(),
        };
        let customer = match record.into_iter().next() {
            Some(r) => {
                Customer::from_record(r.tier, points_balance(user_id, r.points), r.paid_orders)
            }
            None => Customer::from_record(None, 0, 0),
        };
        Ok(Shopper {
            coupon_ids: coupons.into_iter().map(|r| r.coupon_id).collect(),
            customer,
        })
    }

    async fn create_order(&self, new: &NewOrder<'_>) -> Result<Written> {
        let decision = new.decision;
        let order = &decision.order;
        let coupons = crate::http::encode(&decision.redeem_coupons)?;
        let guard = "EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_op = ?2)";
        let guarded = |sql: String, extra: &[JsValue]| {
            let values: Vec<JsValue> = [text(&order.id), text(new.op_id)]
                .into_iter()
                .chain(extra.iter().cloned())
                .collect();
            self.db.statement(&sql, &values)
        };
        let mut batch = vec![self.db.statement(
            "INSERT INTO orders (id, user_id, status, version, payable, created_at, updated_at, last_op, body) \
             SELECT ?1, ?3, ?4, ?5, ?6, ?7, ?7, ?2, ?8 \
             WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = ?1) \
               AND NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE user_id = ?3 AND key = ?9) \
               AND NOT EXISTS (SELECT 1 FROM coupon_redemptions WHERE user_id = ?3 \
                               AND coupon_id IN (SELECT value FROM json_each(?10))) \
               AND (?11 = 0 OR COALESCE((SELECT points FROM users WHERE id = ?3), 0) >= ?11)",
            &[
                text(&order.id),
                text(new.op_id),
                text(&order.user_id),
                text(order.status.name()),
                version(order.version),
                int(order.payable.as_fen()),
                int(order.created_at),
                text(&crate::http::encode(order)?),
                text(new.key),
                text(&coupons),
                int(decision.redeem_points),
            ],
        )?];
        if let Some(fulfilment) = &order.fulfilment {
            batch.push(guarded(
                format!("INSERT INTO order_stores (order_id, store_id, created_at) SELECT ?1, ?3, ?4 WHERE {guard}"),
                &[text(fulfilment.store_id()), int(order.created_at)],
            )?);
        }
        for line in &order.lines {
            batch.push(guarded(
                format!("INSERT INTO order_lines (order_id, sku_id, quantity, unit_price, payable) SELECT ?1, ?3, ?4, ?5, ?6 WHERE {guard}"),
                &[text(&line.sku_id), int(line.quantity), int(line.unit_price.as_fen()), int(line.payable.as_fen())],
            )?);
        }
        batch.push(guarded(
            format!("INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at) SELECT ?3, ?4, ?5, ?1, ?6 WHERE {guard}"),
            &[text(&order.user_id), text(new.key), text(new.request_hash), int(order.created_at)],
        )?);
        for coupon in &decision.redeem_coupons {
            batch.push(guarded(
                format!("INSERT INTO coupon_redemptions (user_id, coupon_id, order_id, redeemed_at) SELECT ?3, ?4, ?1, ?5 WHERE {guard}"),
                &[text(&order.user_id), text(coupon), int(order.created_at)],
            )?);
        }
        batch.push(guarded(
            format!("INSERT INTO points_ledger (order_id, kind, user_id, points) SELECT ?1, 'redeem', ?3, ?4 WHERE {guard}"),
            &[text(&order.user_id), int(-decision.redeem_points)],
        )?);
        batch.push(guarded(
            format!("UPDATE users SET points = points - ?4 WHERE id = ?3 AND {guard}"),
            &[text(&order.user_id), int(decision.redeem_points)],
        )?);
        let results = self.db.0.batch(batch).await?;
        if results.first().map_or(0, changes) == 1 {
            Ok(Written::Stored)
        } else {
            self.db.refusal(new).await
        }
    }

    async fn order(&self, order_id: &str) -> Result<Option<Order>> {
        let row: Option<BodyRow> = self
            .db
            .first(
                "SELECT id, body FROM orders WHERE id = ?1",
                &[text(order_id)],
            )
            .await?;
        row.map(BodyRow::order).transpose()
    }

    async fn save_transition(
        &self,
        before_version: u64,
        transition: &Transition,
        op_id: &str,
    ) -> Result<bool> {
        let order = &transition.order;
        let guard = "EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_op = ?2)";
        let base = [text(&order.id), text(op_id)];
        let guarded = |sql: String, extra: &[JsValue]| {
            let values: Vec<JsValue> = base.iter().cloned().chain(extra.iter().cloned()).collect();
            self.db.statement(&sql, &values)
        };
        let mut batch = vec![self.db.statement(
            "UPDATE orders SET status = ?3, version = ?4, updated_at = ?5, last_op = ?2, body = ?6 \
             WHERE id = ?1 AND version = ?7",
            &[
                text(&order.id),
                text(op_id),
                text(order.status.name()),
                version(order.version),
                int(order.updated_at),
                text(&crate::http::encode(order)?),
                version(before_version),
            ],
        )?];
        for line in &order.lines {
            batch.push(guarded(
                format!("UPDATE order_lines SET refunded_quantity = ?4, refunded_amount = ?5 WHERE order_id = ?1 AND sku_id = ?3 AND {guard}"),
                &[text(&line.sku_id), int(line.refunded_quantity), int(line.refunded_amount.as_fen())],
            )?);
        }
        if let Some(payment) = &order.payment {
            batch.push(guarded(
                format!("INSERT OR IGNORE INTO payments (transaction_id, order_id, amount, paid_at) SELECT ?3, ?1, ?4, ?5 WHERE {guard}"),
                &[text(&payment.transaction_id), int(payment.amount.as_fen()), int(payment.paid_at)],
            )?);
        }
        let effects = &transition.effects;
        for coupon in &effects.return_coupons {
            batch.push(guarded(
                format!(
                    "DELETE FROM coupon_redemptions WHERE order_id = ?1 AND coupon_id = ?3 AND {guard}"
                ),
                &[text(coupon)],
            )?);
        }
        let kind = format!("return-v{}", order.version);
        batch.push(guarded(
            format!("INSERT INTO points_ledger (order_id, kind, user_id, points) SELECT ?1, ?3, ?4, ?5 WHERE {guard}"),
            &[text(&kind), text(&order.user_id), int(effects.return_points)],
        )?);
        batch.push(guarded(
            format!("UPDATE users SET points = points + ?4 WHERE id = ?3 AND {guard}"),
            &[text(&order.user_id), int(effects.return_points)],
        )?);
        if let Some(refund) = &effects.refund {
            let body = crate::http::encode(refund)?;
            batch.push(guarded(
                format!("INSERT OR IGNORE INTO refunds (refund_id, order_id, amount, body, created_at) SELECT ?3, ?1, ?4, ?5, ?6 WHERE {guard}"),
                &[text(&refund.refund_id), int(refund.amount.as_fen()), text(&body), int(refund.at)],
            )?);
        }
        let results = self.db.0.batch(batch).await?;
        let changed = results.first().map_or(0, changes);
        Ok(changed == 1)
    }

    async fn record_unmatched(&self, payment: &UnmatchedPayment) -> Result<()> {
        self.db.run(
            "INSERT OR IGNORE INTO unmatched_payments (transaction_id, order_id, amount, reason, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                text(&payment.transaction_id),
                text(&payment.order_id),
                int(payment.amount),
                text(&payment.reason),
                int(payment.received_at),
            ],
        )
        .await?;
        Ok(())
    }

    async fn record_payout(&self, payout: &RefundPayout) -> Result<()> {
        self.db.run(
            "INSERT INTO refund_payouts (order_id, refund_id, out_refund_no, amount, provider_refund_id, status, requested_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (order_id, refund_id) \
             DO UPDATE SET provider_refund_id = ?5, status = ?6, requested_at = ?7",
            &[
                text(&payout.order_id),
                text(&payout.refund_id),
                text(&payout.out_refund_no),
                int(payout.amount),
                text(&payout.provider_refund_id),
                text(&payout.status),
                int(payout.requested_at),
            ],
        )
        .await?;
        Ok(())
    }
}
